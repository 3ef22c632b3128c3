"""``tournament@gm1``: SynthID-Text-style tournament sampling, its keyed g-bits and exact test.

Every (context, token) pair, the context being the h preceding tokens, has m keyed g-bits
(``spec.parameters["depth"]``, default 30, at most 32): bit l of ``prf.pair_hashes`` (HMAC
subkeys labelled ``gm1/tournament/h``) is the pair's g-value in layer l. numpy (detection)
and torch (generation, ``greenmark.generator.schemes.tournament``) compute the same bits.

Generation runs a tournament with 2 leaves per match (Dathathri et al. 2024): in each of the
m layers two candidates drawn from the current distribution meet and the one with the larger
g-value wins (a fair coin breaks ties). In closed form layer l maps ``p`` to
``p * (1 + g_l - sum(p * g_l))``; over a random key each layer leaves ``p`` unchanged in
expectation, so each step is non-distortionary, and sampling stays random. A context already
seen earlier in the sequence is sampled normally.

Detection counts the set g-bits of the first occurrence of each distinct context (the seed
is the deduplication key). Under H0 the m x n bits of n distinct contexts are independent
fair coins: the count is Binomial(m n, 1/2) exactly.

>>> import numpy as np
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> scheme = WatermarkSpec(vocab_size=8192, scheme="tournament", context_width=4).watermark_scheme
>>> material = scheme.key_material(WatermarkKey.from_hex("00" * 32))
>>> bool(0 <= scheme.score_pairs(material, np.array([[1, 2, 3, 4]]), np.array([5])).statistic[0] <= 30)
True
>>> scheme.null
BinomialNull(p=0.5, trials=30)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from greenmark.watermark.errors import InvalidSpecError
from greenmark.watermark.null_distributions import BinomialNull
from greenmark.watermark.schemes.base import PairScores
from greenmark.watermark.schemes.context_seeded import ContextSeededMaterial, ContextSeededScheme
from greenmark.watermark.schemes.registry import register_scheme

MAX_DEPTH = 32


@register_scheme
class Tournament(ContextSeededScheme):
    name = "tournament"
    version = "gm1"
    parameter_defaults: ClassVar[Mapping[str, Any]] = {"depth": 30}

    @classmethod
    def check_spec(cls, spec) -> None:
        super().check_spec(spec)
        depth = spec.parameters["depth"]
        if not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= MAX_DEPTH:
            raise InvalidSpecError(f"tournament needs an integer depth (g-functions) in [1, {MAX_DEPTH}]")

    def __init__(self, spec):
        super().__init__(spec)
        self.depth = spec.parameters["depth"]
        self._null = BinomialNull(0.5, trials=self.depth)

    @property
    def null(self) -> BinomialNull:
        return self._null

    @property
    def layer_mask(self) -> int:
        """The hash bits that are g-values: the low ``depth`` bits."""
        return (1 << self.depth) - 1

    def g_bits(self, material: ContextSeededMaterial, contexts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """uint8[N, depth]: the g-value of each of N checked pairs in each layer (layer 0 first)."""
        hashes = self.context_seeds_and_hashes(material, contexts, tokens)[1]
        return ((hashes[:, None] >> np.arange(self.depth, dtype=np.uint32)) & np.uint32(1)).astype(np.uint8)

    def score_pairs(self, material: ContextSeededMaterial, contexts: np.ndarray, tokens: np.ndarray) -> PairScores:
        seeds, hashes = self.context_seeds_and_hashes(material, contexts, tokens)
        ones = np.bitwise_count(hashes & np.uint32(self.layer_mask))
        return PairScores(statistic=ones.astype(np.float64), dedup_key=seeds)
