"""``gumbel@gm1``: Aaronson's Gumbel-max watermark, its keyed uniforms and exact detection test.

Every (context, token) pair, the context being the h preceding tokens, has a keyed uniform
``r``: the top 24 bits of ``prf.pair_hashes`` (HMAC subkeys labelled ``gm1/gumbel/h``),
``r = (hash >> 8) * 2**-24``. That value is exact in float32 and float64 alike, so numpy
(detection) and torch (generation, ``greenmark.generator.schemes.gumbel``) agree bit for bit.

Generation picks ``argmax_t r_t ** (1 / p_t)`` over the next-token distribution ``p`` (after
temperature, top-k and top-p): over a random key that is a sample from ``p`` (the Gumbel-max
trick), so the output distribution is unchanged, but for one key and context it is
deterministic. A context already seen earlier in the sequence is sampled normally.

Detection sums ``-log(1 - r)`` over the first occurrence of each distinct context: the
context's seed is the deduplication key, so a repeated context (which generation did not
watermark) is skipped. Under H0 those ``r`` are independent uniforms floored to a multiple of
``2**-24``, so each term is at most an Exp(1) variate and the sum over n contexts is
stochastically no larger than Gamma(n, 1): ``gammaincc(n, sum)`` is an exact (never
anti-conservative) p-value.

>>> import numpy as np
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> scheme = WatermarkSpec(vocab_size=8192, scheme="gumbel", context_width=4).watermark_scheme
>>> material = scheme.key_material(WatermarkKey.from_hex("00" * 32))
>>> pairs = scheme.score_pairs(material, np.array([[1, 2, 3, 4], [1, 2, 3, 4]]), np.array([5, 6]))
>>> bool(pairs.dedup_key[0] == pairs.dedup_key[1]), scheme.null
(True, GammaNull())
"""

from __future__ import annotations

import numpy as np

from greenmark.watermark.null_distributions import GammaNull
from greenmark.watermark.schemes.base import PairScores
from greenmark.watermark.schemes.context_seeded import ContextSeededMaterial, ContextSeededScheme
from greenmark.watermark.schemes.registry import register_scheme

UNIFORM_BITS = 24
UNIFORM_SCALE = 2.0**-UNIFORM_BITS


def uniforms(hashes: np.ndarray) -> np.ndarray:
    """Keyed uniforms in [0, 1 - 2**-24] from pair hashes (float64, each exactly a float32 too)."""
    return (np.asarray(hashes, dtype=np.uint32) >> np.uint32(32 - UNIFORM_BITS)).astype(np.float64) * UNIFORM_SCALE


@register_scheme
class Gumbel(ContextSeededScheme):
    name = "gumbel"
    version = "gm1"

    @property
    def null(self) -> GammaNull:
        return GammaNull()

    def uniforms(self, material: ContextSeededMaterial, contexts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """float64[N]: the keyed uniform of N checked pairs."""
        return uniforms(self.context_seeds_and_hashes(material, contexts, tokens)[1])

    def score_pairs(self, material: ContextSeededMaterial, contexts: np.ndarray, tokens: np.ndarray) -> PairScores:
        seeds, hashes = self.context_seeds_and_hashes(material, contexts, tokens)
        return PairScores(statistic=-np.log1p(-uniforms(hashes)), dedup_key=seeds)
