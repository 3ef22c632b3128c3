"""``selfhash@gm1``: min-hash seeding over a window of the h - 1 preceding tokens and the candidate itself.

The seed chains the window's minimum keyed token code (robust to edits of the other window
tokens); a candidate whose code undercuts the context's minimum seeds itself, so the rule is
exact over the whole vocabulary, not only the top candidates. h >= 2, default 4.

>>> from greenmark.watermark import WatermarkSpec
>>> from greenmark.watermark.schemes import scheme_for
>>> scheme_for(WatermarkSpec(vocab_size=100, scheme="selfhash")).preceding_tokens
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
class SelfHash(GreenListScheme):
    name = "selfhash"
    version = "gm1"
    spec_defaults: ClassVar[Mapping[str, Any]] = {"gamma": 0.25, "delta": 2.0, "context_width": 4}
    minimum_context_width = 2

    @property
    def preceding_tokens(self) -> int:
        return self.spec.context_width - 1

    def prf_inputs(self, subkeys: prf.Subkeys, contexts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        token_codes = prf.token_codes(subkeys, tokens)
        anchors = np.minimum(prf.token_codes(subkeys, contexts).min(axis=1), token_codes)
        seeds = prf.chain(subkeys, prf.initial_seed(subkeys, len(tokens)), anchors)
        return seeds ^ token_codes
