"""Aaronson's Gumbel-max watermark: keyed uniforms and their exact detection test (numpy).

Every (context, token) pair, the context being the h preceding tokens (default 4), has a
keyed uniform ``r``: the top 24 bits of ``prf.pair_hashes`` (HMAC subkeys labelled
``gm1/gumbel/h``), ``r = (hash >> 8) * 2**-24``. That value is exact in float32 and float64
alike, so numpy (detection) and torch (generation, ``greenmark.generator``) agree bit for bit.

Generation picks ``argmax_t r_t ** (1 / p_t)`` over the next-token distribution ``p``: over a
random key that is a sample from ``p`` (the Gumbel-max trick), so the output distribution is
unchanged, but given the key and context it is deterministic. A context already seen earlier
in the sequence is sampled normally, without the watermark, and is not scored.

Detection sums ``-log(1 - r)`` over the first occurrence of each distinct context (its seed is
the deduplication key). Under H0 (text written without the key) those ``r`` are independent
uniforms floored to a multiple of ``2**-24``, so each term is at most an Exp(1) variable and
the sum of n terms is stochastically no larger than Gamma(n, 1): the tail
``gammaincc(n, sum)`` is an exact (never anti-conservative) p-value.

>>> import numpy as np
>>> from greenmark.watermark import WatermarkKey
>>> scheme = GumbelScheme(vocab_size=8192)
>>> subkeys = scheme.subkeys(WatermarkKey.from_hex("00" * 32))
>>> seeds, statistic = scheme.score_pairs(subkeys, np.array([[1, 2, 3, 4]]), np.array([5]))
>>> bool(0 <= statistic[0] < 17)
True
>>> float(scheme.p_value(np.array([0.0]), np.array([0]))[0])
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaincc

from greenmark.watermark import prf
from greenmark.watermark.errors import InvalidSpecError
from greenmark.watermark.key import WatermarkKey

SCHEME_ID = "gumbel"
VERSION = "gm1"
DEFAULT_CONTEXT_WIDTH = 4
UNIFORM_BITS = 24
UNIFORM_SCALE = 2.0**-UNIFORM_BITS


def uniform_codes(hashes: np.ndarray) -> np.ndarray:
    """The integer behind each uniform: the top 24 bits of a pair hash (uint32 in [0, 2**24))."""
    return np.asarray(hashes, dtype=np.uint32) >> np.uint32(32 - UNIFORM_BITS)


def uniforms(hashes: np.ndarray) -> np.ndarray:
    """Keyed uniforms in [0, 1 - 2**-24] (float64, each exactly a float32 too)."""
    return uniform_codes(hashes).astype(np.float64) * UNIFORM_SCALE


@dataclass(frozen=True)
class GumbelScheme:
    """Gumbel-max over ``context_width`` preceding tokens, for a vocabulary of ``vocab_size``."""

    vocab_size: int
    context_width: int = DEFAULT_CONTEXT_WIDTH

    def __post_init__(self):
        if not isinstance(self.context_width, int) or not 1 <= self.context_width <= 16:
            raise InvalidSpecError("gumbel needs an integer context width in [1, 16]")
        if not isinstance(self.vocab_size, int) or not 2 <= self.vocab_size < 2**31:
            raise InvalidSpecError("vocab_size must be an integer in [2, 2**31)")

    @property
    def preceding_tokens(self) -> int:
        """How many tokens before a position its uniform depends on."""
        return self.context_width

    def subkeys(self, key: WatermarkKey) -> prf.Subkeys:
        """HMAC subkeys labelled with version, scheme and context width."""
        return prf.Subkeys.derive(key, f"{VERSION}/{SCHEME_ID}/{self.context_width}")

    def uniforms(self, subkeys: prf.Subkeys, contexts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """The keyed uniform (float64[N]) of N (context ``[N, h]``, token) pairs."""
        return uniforms(prf.pair_hashes(subkeys, prf.context_seeds(subkeys, contexts), tokens))

    def score_pairs(self, subkeys: prf.Subkeys, contexts: np.ndarray, tokens: np.ndarray):
        """``(dedup_keys, statistic)`` of N pairs: the context seed (uint32) and ``-log(1 - r)``."""
        seeds = prf.context_seeds(subkeys, contexts)
        return seeds, -np.log1p(-uniforms(prf.pair_hashes(subkeys, seeds, tokens)))

    @staticmethod
    def p_value(statistic_sum, count) -> np.ndarray:
        """Exact upper tail of Gamma(count, 1) at ``statistic_sum``; 1 where nothing was scored."""
        count = np.asarray(count, dtype=np.float64)
        total = np.asarray(statistic_sum, dtype=np.float64)
        return np.where(count > 0, gammaincc(np.maximum(count, 1), total), 1.0)

    @staticmethod
    def null_mean_sd(count) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of the statistic's sum over ``count`` pairs under H0 (Exp(1) terms)."""
        count = np.asarray(count, dtype=np.float64)
        return count, np.sqrt(count)
