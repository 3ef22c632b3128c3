"""``lefthash@gm1``: the green list after a position is seeded by the h tokens before it, chained in order.

``seed = chain(...chain(chain(s0, code(x_{t-h})), code(x_{t-h+1}))..., code(x_{t-1}))`` and the
PRF input of candidate ``t`` is ``seed ^ code(t)`` (Kirchenbauer et al. 2023); h >= 1, default 1.

>>> from greenmark.watermark import WatermarkSpec
>>> from greenmark.watermark.schemes import scheme_for
>>> scheme_for(WatermarkSpec(vocab_size=100, context_width=3)).preceding_tokens
3
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from greenmark.watermark import prf
from greenmark.watermark.schemes.green_list import GreenListScheme
from greenmark.watermark.schemes.registry import register_scheme


@register_scheme
class LeftHash(GreenListScheme):
    name = "lefthash"
    version = "gm1"
    spec_defaults: ClassVar[Mapping[str, Any]] = {"gamma": 0.25, "delta": 2.0, "context_width": 1}
    minimum_context_width = 1

    @property
    def preceding_tokens(self) -> int:
        return self.spec.context_width

    def prf_inputs(self, subkeys: prf.Subkeys, contexts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        seeds = prf.initial_seed(subkeys, len(tokens))
        for column in range(self.preceding_tokens):
            seeds = prf.chain(subkeys, seeds, prf.token_codes(subkeys, contexts[:, column]))
        return seeds ^ prf.token_codes(subkeys, tokens)
