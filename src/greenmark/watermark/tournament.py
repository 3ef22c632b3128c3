"""SynthID-Text-style tournament sampling: keyed g-bits and their exact detection test (numpy).

Every (context, token) pair, the context being the h preceding tokens (default 4), has m keyed
g-bits (m = ``depth``, default 30, at most 32): bit l of ``prf.pair_hashes`` (HMAC subkeys
labelled ``gm1/tournament/h``) is the pair's g-value in layer l. numpy (detection) and torch
(generation, ``greenmark.generator``) compute the same bits.

Generation runs a tournament with 2 leaves per match (Dathathri et al. 2024): in each of the
m layers two candidates drawn from the current distribution meet and the one with the larger
g-value wins (a coin decides ties). In closed form, layer l maps ``p`` to
``p * (1 + g_l - sum(p * g_l))``; over a random key each layer leaves ``p`` unchanged in
expectation, so each step is non-distortionary while sampling stays random. A context already
seen earlier in the sequence is sampled normally and is not scored.

Detection counts the set g-bits over the first occurrence of each distinct context (its seed is
the deduplication key). Under H0 the m x n bits of n distinct contexts are independent fair
coins, so the count is Binomial(m n, 1/2) exactly and its upper tail is the p-value.

>>> import numpy as np
>>> from greenmark.watermark import WatermarkKey
>>> scheme = TournamentScheme(vocab_size=8192)
>>> subkeys = scheme.subkeys(WatermarkKey.from_hex("00" * 32))
>>> seeds, ones = scheme.score_pairs(subkeys, np.array([[1, 2, 3, 4]]), np.array([5]))
>>> 0 <= int(ones[0]) <= 30
True
>>> float(scheme.p_value(np.array([30 * 100]), np.array([100]))[0]) < 1e-300
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import bdtrc

from greenmark.watermark import prf
from greenmark.watermark.errors import InvalidSpecError
from greenmark.watermark.key import WatermarkKey

SCHEME_ID = "tournament"
VERSION = "gm1"
DEFAULT_CONTEXT_WIDTH = 4
DEFAULT_DEPTH = 30
MAX_DEPTH = 32


@dataclass(frozen=True)
class TournamentScheme:
    """Tournament sampling with ``depth`` layers over ``context_width`` preceding tokens."""

    vocab_size: int
    context_width: int = DEFAULT_CONTEXT_WIDTH
    depth: int = DEFAULT_DEPTH

    def __post_init__(self):
        if not isinstance(self.context_width, int) or not 1 <= self.context_width <= 16:
            raise InvalidSpecError("tournament needs an integer context width in [1, 16]")
        if not isinstance(self.depth, int) or not 1 <= self.depth <= MAX_DEPTH:
            raise InvalidSpecError(f"tournament needs an integer depth (g-functions) in [1, {MAX_DEPTH}]")
        if not isinstance(self.vocab_size, int) or not 2 <= self.vocab_size < 2**31:
            raise InvalidSpecError("vocab_size must be an integer in [2, 2**31)")

    @property
    def preceding_tokens(self) -> int:
        """How many tokens before a position its g-bits depend on."""
        return self.context_width

    @property
    def layer_mask(self) -> int:
        """The hash bits that are g-values: the low ``depth`` bits."""
        return (1 << self.depth) - 1

    def subkeys(self, key: WatermarkKey) -> prf.Subkeys:
        """HMAC subkeys labelled with version, scheme and context width (not depth: layer l's bit is fixed)."""
        return prf.Subkeys.derive(key, f"{VERSION}/{SCHEME_ID}/{self.context_width}")

    def g_bits(self, subkeys: prf.Subkeys, contexts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """uint8[N, depth]: the g-value of each of N pairs in each layer (layer 0 first)."""
        hashes = prf.pair_hashes(subkeys, prf.context_seeds(subkeys, contexts), tokens)
        return ((hashes[:, None] >> np.arange(self.depth, dtype=np.uint32)) & np.uint32(1)).astype(np.uint8)

    def score_pairs(self, subkeys: prf.Subkeys, contexts: np.ndarray, tokens: np.ndarray):
        """``(dedup_keys, statistic)`` of N pairs: the context seed (uint32) and the count of set g-bits."""
        seeds = prf.context_seeds(subkeys, contexts)
        hashes = prf.pair_hashes(subkeys, seeds, tokens) & np.uint32(self.layer_mask)
        return seeds, np.bitwise_count(hashes).astype(np.int64)

    def p_value(self, statistic_sum, count) -> np.ndarray:
        """Exact upper tail P[Binomial(depth * count, 1/2) >= statistic_sum]; 1 where nothing was scored."""
        ones = np.asarray(statistic_sum, dtype=np.int64)
        trials = self.depth * np.asarray(count, dtype=np.int64)
        return np.where(ones > 0, bdtrc(np.maximum(ones - 1, 0), trials, 0.5), 1.0)

    def null_mean_sd(self, count) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of the set-bit count over ``count`` pairs under H0."""
        trials = self.depth * np.asarray(count, dtype=np.float64)
        return trials / 2, np.sqrt(trials) / 2
