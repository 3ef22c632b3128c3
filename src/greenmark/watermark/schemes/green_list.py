"""``GreenListScheme``: the KGW soft watermark's detection side, shared by ``lefthash`` and ``selfhash``.

Each (context, token) pair has one PRF input (``prf_inputs``, which the two seeding rules
define); the token is green when ``fmix32(input ^ k4) < floor(gamma * 2**32)``. The
statistic is the green bit (1.0 or 0.0), its null Binomial(1, gamma) per token, and the
deduplication key is the PRF input itself (see ``greenmark.watermark.prf``).

>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> from greenmark.watermark.schemes import scheme_for
>>> scheme = scheme_for(WatermarkSpec(vocab_size=1000, gamma=0.25))
>>> scheme.null
BinomialNull(p=0.25, trials=1)
>>> int(scheme.green_list(scheme.key_material(WatermarkKey.from_hex("00" * 32)), [17]).sum())
271
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import numpy as np

from greenmark.watermark import prf
from greenmark.watermark.errors import InvalidSpecError
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.null_distributions import BinomialNull
from greenmark.watermark.schemes.base import PairScores, Scheme

MAX_CONTEXT_WIDTH = 16


class GreenListScheme(Scheme):
    """A green-list scheme: ``gamma`` (green share), ``delta`` (logit bias) and a seeding rule over h tokens."""

    minimum_context_width: ClassVar[int] = 1

    @classmethod
    def check_spec(cls, spec) -> None:
        super().check_spec(spec)
        if (
            not isinstance(spec.context_width, int)
            or not cls.minimum_context_width <= spec.context_width <= MAX_CONTEXT_WIDTH
        ):
            raise InvalidSpecError(
                f"{cls.name} needs an integer context width in [{cls.minimum_context_width}, {MAX_CONTEXT_WIDTH}]"
            )
        if not isinstance(spec.gamma, (int, float)) or not 0 < spec.gamma < 1:
            raise InvalidSpecError("gamma (the green share) must lie strictly between 0 and 1")
        if not isinstance(spec.delta, (int, float)) or not 0 <= spec.delta <= 100:
            raise InvalidSpecError("delta (the green logit bias) must lie in [0, 100]")

    def __init__(self, spec):
        super().__init__(spec)
        self._null = BinomialNull(spec.gamma)

    @property
    def null(self) -> BinomialNull:
        return self._null

    @property
    def threshold(self) -> int:
        """A final PRF output below this is green: ``floor(gamma * 2**32)``."""
        return int(self.spec.gamma * 2**32)

    def key_material(self, key: WatermarkKey) -> prf.Subkeys:
        """HMAC subkeys labelled with version, scheme and context width."""
        return prf.Subkeys.derive(key, f"{self.spec.version}/{self.spec.scheme}/{self.spec.context_width}")

    @abstractmethod
    def prf_inputs(self, subkeys: prf.Subkeys, contexts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """The PRF input (uint32) of each pair; ``contexts`` exactly ``[N, preceding_tokens]``."""

    def is_green(self, subkeys: prf.Subkeys, contexts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """bool[N]: green membership of N checked pairs."""
        return prf.is_green_input(subkeys, self.prf_inputs(subkeys, contexts, tokens), self.threshold)

    def score_pairs(self, material: prf.Subkeys, contexts: np.ndarray, tokens: np.ndarray) -> PairScores:
        inputs = self.prf_inputs(material, contexts, tokens)
        green = prf.is_green_input(material, inputs, self.threshold)
        return PairScores(statistic=green.astype(np.float64), dedup_key=inputs)

    def green_list(self, subkeys: prf.Subkeys, context: np.ndarray) -> np.ndarray:
        """bool[vocab_size]: the green next tokens after ``context`` (checked ids; its last tokens count)."""
        width = self.preceding_tokens
        vocabulary = np.arange(self.spec.vocab_size)
        tiled = np.broadcast_to(np.asarray(context)[len(context) - width :], (self.spec.vocab_size, width))
        return self.is_green(subkeys, tiled, vocabulary)
