"""``transformers-kgw@tf1``: the KGW watermark of transformers' ``WatermarkingConfig``, detected exactly.

transformers' ``WatermarkLogitsProcessor`` (CPU) draws each green list as the first
``int(vocab_size * greenlist_ratio)`` entries of ``torch.randperm(vocab_size)`` from a
``torch.Generator`` seeded with:

* ``lefthash``: ``hashing_key * previous_token`` (a Python integer), modulo ``2**64 - 1``;
* ``selfhash``: the minimum over the window (the ``context_width - 1`` previous tokens and the
  candidate) of ``hashing_key * (T[x] + 1) * (T[candidate] + 1)`` in wrapping int64, where ``T``
  is ``torch.randperm(1_000_003)`` seeded with the hashing key; then modulo ``2**64 - 1``.

The generator keeps the seed's low 32 bits (``greenmark.watermark.schemes.torch_cpu_random``
replays it in numpy), so two contexts whose seeds agree there share a green list: the
deduplication key is that 32-bit seed with the token, and each such pair is scored once, which
keeps the Binomial(T, gamma_eff) null exact, gamma_eff being ``int(vocab * gamma) / vocab``.
Scored positions are those of transformers' ``WatermarkDetector``: after ``context_width``
tokens (lefthash) or ``context_width - 1`` (selfhash). Unlike that detector, repeated n-grams
never count twice and the p-value is the exact binomial tail, not a normal approximation.

The default ``hashing_key`` 15485863 is printed in transformers' documentation: anyone can
forge or strip that watermark, and every result matching it says so.

>>> import numpy as np
>>> from greenmark.watermark import ImportedKey, WatermarkSpec
>>> scheme = WatermarkSpec(vocab_size=100, scheme="transformers-kgw").watermark_scheme
>>> material = scheme.key_material(ImportedKey.create("15485863"))
>>> pairs = scheme.score_pairs(material, np.array([[3], [3]]), np.array([7, 7]))
>>> bool(pairs.dedup_key[0] == pairs.dedup_key[1]), scheme.null
(True, BinomialNull(p=0.25, trials=1))
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from greenmark.watermark.errors import InvalidSpecError
from greenmark.watermark.null_distributions import BinomialNull
from greenmark.watermark.schemes.base import PairScores
from greenmark.watermark.schemes.imported import ImportedScheme, integer_secret
from greenmark.watermark.schemes.registry import register_scheme
from greenmark.watermark.schemes.torch_cpu_random import in_randperm_prefix, randperm_head, randperm_prefix

DEFAULT_HASHING_KEY = 15485863
SELFHASH_TABLE_SIZE = 1_000_003
SEED_MODULUS = 2**64 - 1
LOW_32_BITS = np.uint64(0xFFFFFFFF)
MAX_CONTEXT_WIDTH = 16


@dataclass
class LeftHashTable:
    """One key's lefthash green lists, filled per 32-bit seed the first time a context needs it.

    ``seed_of[t]`` is the low 32 bits of the seed after token t; ``rows`` holds packed green bits,
    ``row_of[seed index]`` which row (-1: not drawn yet). Thread-safe; at most one row per distinct
    seed (vocab_size / 8 bytes each: 1 MiB per 1,000 contexts of a 8,192-token vocabulary).
    """

    vocab_size: int
    green_size: int
    seed_of: np.ndarray
    seed_index: np.ndarray
    unique_seeds: np.ndarray
    row_of: np.ndarray = field(init=False)
    rows: np.ndarray = field(init=False)
    used: int = field(init=False, default=0)
    lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self):
        self.row_of = np.full(len(self.unique_seeds), -1, dtype=np.int64)
        self.rows = np.zeros((0, (self.vocab_size + 7) // 8), dtype=np.uint8)

    @classmethod
    def build(cls, hashing_key: int, vocab_size: int, green_size: int) -> LeftHashTable:
        seeds = np.array([hashing_key * token % SEED_MODULUS for token in range(vocab_size)], dtype=np.uint64)
        unique_seeds, seed_index = np.unique(seeds & LOW_32_BITS, return_inverse=True)
        return cls(vocab_size, green_size, seeds & LOW_32_BITS, seed_index.astype(np.int64), unique_seeds)

    def is_green(self, previous: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """bool[N]: green membership of N (previous token, token) pairs."""
        needed = self.seed_index[previous]
        with self.lock:
            missing = np.unique(needed[self.row_of[needed] < 0])
            if len(missing):
                self._draw(missing)
            rows = self.row_of[needed]
        packed = self.rows[rows, tokens >> 3]
        return ((packed >> (7 - (tokens & 7)).astype(np.uint8)) & 1).astype(bool)

    def _draw(self, seed_indices: np.ndarray) -> None:
        prefixes = randperm_prefix(self.unique_seeds[seed_indices], self.vocab_size, self.green_size)
        green = np.zeros((len(seed_indices), self.vocab_size), dtype=bool)
        np.put_along_axis(green, prefixes, True, axis=1)
        if self.used + len(seed_indices) > len(self.rows):
            grown = np.zeros((max(2 * len(self.rows), self.used + len(seed_indices)), self.rows.shape[1]), np.uint8)
            grown[: self.used] = self.rows[: self.used]
            self.rows = grown
        self.rows[self.used : self.used + len(seed_indices)] = np.packbits(green, axis=1)
        self.row_of[seed_indices] = np.arange(self.used, self.used + len(seed_indices))
        self.used += len(seed_indices)


@dataclass(frozen=True)
class SelfHashMaterial:
    """The hashing key and ``T[t] + 1`` for every token t (int64), T the key's 1,000,003-entry permutation."""

    hashing_key: int
    table_codes: np.ndarray


@register_scheme
class TransformersKgw(ImportedScheme):
    name = "transformers-kgw"
    version = "tf1"
    engine = "transformers WatermarkingConfig"
    import_help = """--secret is WatermarkingConfig's hashing_key (default 15485863, which is public).
    Parameters: gamma = greenlist_ratio (0.25), delta = bias (2.0), context_width (1),
    seeding_scheme = lefthash or selfhash (lefthash). Use --model for the generating model:
    transformers draws green lists over its config's vocab_size."""
    public_secrets: ClassVar[Mapping[str, str]] = {
        str(DEFAULT_HASHING_KEY): f"hashing_key {DEFAULT_HASHING_KEY} is transformers' published default: "
        "anyone can forge or remove this watermark, so it proves nothing about who generated the text"
    }
    spec_defaults: ClassVar[Mapping[str, Any]] = {"gamma": 0.25, "delta": 2.0, "context_width": 1}
    parameter_defaults: ClassVar[Mapping[str, Any]] = {"seeding_scheme": "lefthash"}

    @classmethod
    def check_spec(cls, spec) -> None:
        super().check_spec(spec)
        if spec.parameters["seeding_scheme"] not in ("lefthash", "selfhash"):
            raise InvalidSpecError("seeding_scheme must be lefthash or selfhash")
        if not isinstance(spec.context_width, int) or not 1 <= spec.context_width <= MAX_CONTEXT_WIDTH:
            raise InvalidSpecError(f"context_width must be an integer in [1, {MAX_CONTEXT_WIDTH}]")
        if not isinstance(spec.gamma, (int, float)) or not 0 < spec.gamma < 1:
            raise InvalidSpecError("gamma (greenlist_ratio) must lie strictly between 0 and 1")
        if int(spec.vocab_size * spec.gamma) < 1:
            raise InvalidSpecError("gamma * vocab_size must leave at least one green token")
        if not isinstance(spec.delta, (int, float)) or not 0 <= spec.delta <= 100:
            raise InvalidSpecError("delta (bias) must lie in [0, 100]")

    def __init__(self, spec):
        super().__init__(spec)
        self.selfhash = spec.parameters["seeding_scheme"] == "selfhash"
        self.green_size = int(spec.vocab_size * spec.gamma)
        self._null = BinomialNull(self.green_size / spec.vocab_size)

    def canonical_secret(self, text: str) -> str:
        return integer_secret(text, bits=63)

    @property
    def preceding_tokens(self) -> int:
        return self.spec.context_width - 1 if self.selfhash else self.spec.context_width

    @property
    def null(self) -> BinomialNull:
        return self._null

    def material_from_secret(self, secret: str) -> LeftHashTable | SelfHashMaterial:
        hashing_key = int(secret)
        if self.selfhash:
            table_length = min(self.spec.vocab_size, SELFHASH_TABLE_SIZE)
            head = randperm_head(hashing_key, SELFHASH_TABLE_SIZE, table_length)
            codes = head[np.arange(self.spec.vocab_size) % SELFHASH_TABLE_SIZE] + 1
            return SelfHashMaterial(hashing_key, codes)
        return LeftHashTable.build(hashing_key, self.spec.vocab_size, self.green_size)

    def score_pairs(self, material, contexts: np.ndarray, tokens: np.ndarray) -> PairScores:
        if self.selfhash:
            seeds = self._selfhash_seeds(material, contexts, tokens)
            green = in_randperm_prefix(seeds, tokens, self.spec.vocab_size, self.green_size)
        else:
            seeds = material.seed_of[contexts[:, -1]]
            green = material.is_green(contexts[:, -1], tokens)
        dedup_key = (seeds << np.uint64(32)) | tokens.astype(np.uint64)
        return PairScores(statistic=green.astype(np.float64), dedup_key=dedup_key)

    def _selfhash_seeds(self, material: SelfHashMaterial, contexts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """uint64[N]: low 32 bits of ``min(key * (T[x] + 1) * (T[t] + 1)) mod (2**64 - 1)`` over each window."""
        window = np.concatenate([contexts, tokens[:, None]], axis=1)
        with np.errstate(over="ignore"):
            products = np.int64(material.hashing_key) * material.table_codes[window]
            products *= material.table_codes[tokens][:, None]  # int64 wraps, as torch's does
        smallest = products.min(axis=1).view(np.uint64)
        negative = smallest >= np.uint64(2**63)  # Python's modulo of a negative int64 adds 2**64 - 1
        return np.where(negative, smallest - np.uint64(1), smallest) & LOW_32_BITS
