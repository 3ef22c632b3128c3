"""``transformers-synthid@tf1``: transformers' ``SynthIDTextWatermarkingConfig`` g-values, with an exact binomial test.

transformers' ``SynthIDTextWatermarkLogitsProcessor`` hashes each n-gram (the ``ngram_len - 1``
context tokens, then the candidate) with a wrapping int64 linear congruential step
``h = (h + x) * 6364136223846793005 + 1`` from ``h = 1``; per watermarking key k (one per
g-function, the "depth") one more step ``(h + k) * M + 1``, taken modulo the sampling table's
size, picks that g-value from a table of ``torch.randint(0, 2)`` bits seeded with
``sampling_table_seed`` (``greenmark.watermark.schemes.torch_cpu_random`` replays it).

Detection scores each position with its full n-gram by the number of its g-values that are 1.
Like transformers' detector it skips a repeated context (generation leaves it unwatermarked):
the deduplication key is the context's hash, so each context is scored once per document
(transformers looks back ``context_history_size`` = 1024 contexts; greenmark over the whole
document). Under H0 each g-value is a table entry at a hash-chosen index, so a scored token's
count is taken as Binomial(depth, table mean), the table's exact share of ones (0.49962 for
the default seed 0 and size 2**16), and the document's total is tested with the exact binomial
tail. transformers additionally masks everything after the first EOS; greenmark never scores a
window holding a special token (EOS included), which differs only for ids that go on after one.

>>> import numpy as np
>>> from greenmark.watermark import ImportedKey, WatermarkSpec
>>> spec = WatermarkSpec(vocab_size=100, scheme="transformers-synthid", parameters={"ngram_len": 3, "depth": 3})
>>> scheme = spec.watermark_scheme
>>> material = scheme.key_material(ImportedKey.create("654,400,836"))
>>> pairs = scheme.score_pairs(material, np.array([[1, 2]]), np.array([3]))
>>> scheme.preceding_tokens, scheme.null.trials, bool(0 <= pairs.statistic[0] <= 3)
(2, 3, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from greenmark.watermark.errors import InvalidKeyError, InvalidSpecError
from greenmark.watermark.null_distributions import BinomialNull
from greenmark.watermark.schemes.base import PairScores
from greenmark.watermark.schemes.imported import ImportedScheme, integer_list_secret
from greenmark.watermark.schemes.registry import register_scheme
from greenmark.watermark.schemes.torch_cpu_random import random_bits

HASH_MULTIPLIER = np.int64(6364136223846793005)
HASH_INCREMENT = np.int64(1)
MAX_NGRAM_LEN = 16
MAX_TABLE_SIZE = 2**24


def accumulate_hash(hashes: np.ndarray, data: np.ndarray) -> np.ndarray:
    """int64[N]: transformers' ``accumulate_hash``, folding the columns of ``data`` [N, k] into ``hashes`` [N]."""
    hashes = np.array(hashes, dtype=np.int64)
    with np.errstate(over="ignore"):
        for column in np.asarray(data, dtype=np.int64).T:
            hashes += column
            hashes *= HASH_MULTIPLIER
            hashes += HASH_INCREMENT
    return hashes


@dataclass(frozen=True)
class SynthIdMaterial:
    """The keys (int64[depth]) and, for a power-of-two table, the count of g-values equal to 1 per
    n-gram hash residue modulo the table size (float64[size]): one lookup per scored token."""

    keys: np.ndarray
    counts_by_residue: np.ndarray | None


@register_scheme
class TransformersSynthId(ImportedScheme):
    name = "transformers-synthid"
    version = "tf1"
    engine = "transformers SynthIDTextWatermarkingConfig"
    import_help = """--secret is SynthIDTextWatermarkingConfig's keys, comma-separated (one per g-function).
    Parameters: ngram_len (5), sampling_table_size (65536), sampling_table_seed (0); depth is the
    number of keys (30 in transformers' examples) and must be given, e.g. --param depth=30."""
    parameter_defaults: ClassVar[Mapping[str, Any]] = {
        "depth": None,
        "ngram_len": 5,
        "sampling_table_seed": 0,
        "sampling_table_size": 2**16,
    }

    @classmethod
    def check_spec(cls, spec) -> None:
        super().check_spec(spec)
        values = spec.parameters
        if not isinstance(values["depth"], int) or not 1 <= values["depth"] <= 256:
            raise InvalidSpecError("give depth, the number of SynthID keys (an integer in [1, 256]), e.g. depth=30")
        if not isinstance(values["ngram_len"], int) or not 2 <= values["ngram_len"] <= MAX_NGRAM_LEN:
            raise InvalidSpecError(f"ngram_len must be an integer in [2, {MAX_NGRAM_LEN}]")
        if (
            not isinstance(values["sampling_table_size"], int)
            or not 2 <= values["sampling_table_size"] <= MAX_TABLE_SIZE
        ):
            raise InvalidSpecError(f"sampling_table_size must be an integer in [2, {MAX_TABLE_SIZE}]")
        if not isinstance(values["sampling_table_seed"], int) or not 0 <= values["sampling_table_seed"] < 2**63:
            raise InvalidSpecError("sampling_table_seed must be a non-negative integer below 2**63")

    def __init__(self, spec):
        super().__init__(spec)
        values = spec.parameters
        self.depth = values["depth"]
        self.sampling_table = random_bits(values["sampling_table_seed"], values["sampling_table_size"])
        self._null = BinomialNull(float(self.sampling_table.mean()), trials=self.depth)

    def canonical_secret(self, text: str) -> str:
        secret = integer_list_secret(text, bits=64, signed=True)
        if secret.count(",") + 1 != self.depth:
            raise InvalidKeyError(f"the secret lists {secret.count(',') + 1} keys but depth is {self.depth}")
        return secret

    @property
    def preceding_tokens(self) -> int:
        return self.spec.parameters["ngram_len"] - 1

    @property
    def null(self) -> BinomialNull:
        return self._null

    def material_from_secret(self, secret: str) -> SynthIdMaterial:
        keys = np.array([int(key) for key in secret.split(",")], dtype=np.int64)
        size = len(self.sampling_table)
        if size & (size - 1):
            return SynthIdMaterial(keys, None)
        # a power-of-two table: every index is a function of the n-gram hash modulo the table size
        residues = np.arange(size, dtype=np.int64)
        counts = self.g_values(keys, residues[:, None], None).sum(axis=1, dtype=np.int64)
        return SynthIdMaterial(keys, counts.astype(np.float64))

    def g_values(self, keys: np.ndarray, contexts: np.ndarray, tokens: np.ndarray | None) -> np.ndarray:
        """uint8[N, depth]: the g-values of N n-grams (context, token), as transformers' ``compute_g_values``.

        With ``tokens`` None, ``contexts[:, 0]`` holds finished n-gram hashes instead.
        """
        if tokens is None:
            ngram_hashes = contexts[:, 0]
        else:
            ngram_hashes = accumulate_hash(accumulate_hash(np.ones(len(tokens)), contexts), tokens[:, None])
        with np.errstate(over="ignore"):
            keyed = (ngram_hashes[:, None] + keys[None, :]) * HASH_MULTIPLIER + HASH_INCREMENT
        return self.sampling_table[keyed % len(self.sampling_table)]

    def score_pairs(self, material: SynthIdMaterial, contexts: np.ndarray, tokens: np.ndarray) -> PairScores:
        context_hashes = accumulate_hash(np.ones(len(tokens)), contexts)
        if material.counts_by_residue is None:
            statistic = self.g_values(material.keys, contexts, tokens).sum(axis=1, dtype=np.int64).astype(np.float64)
        else:
            ngram_hashes = accumulate_hash(context_hashes, tokens[:, None])
            statistic = material.counts_by_residue[ngram_hashes & np.int64(len(self.sampling_table) - 1)]
        return PairScores(statistic=statistic, dedup_key=context_hashes.view(np.uint64))
