"""The two watermarks under test, behind one interface: score token ids or raw text, and give
each document's scoring table (``TokenScores``) for prefix curves and length buckets.

``GreenmarkScheme`` scores with greenmark's ``Detector`` (texts are canonicalised first), so
its tables are the detector's own. ``TransformersScheme`` is transformers' built-in KGW
watermark (``WatermarkingConfig``, lefthash, h = 1): green lists from its own
``WatermarkLogitsProcessor``, each distinct (previous token, token) pair counted once as its
``WatermarkDetector(ignore_repeated_ngrams=True)`` does (its rule, not greenmark's: no token
is special), and the same exact binomial null, so both are judged alike. It has no
canonicalisation: text is tokenised as it is.

>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> scheme = GreenmarkScheme(WatermarkSpec(vocab_size=64), WatermarkKey.generate())
>>> scheme.score_tokens([list(range(40))]).num_scored_tokens.tolist()
[39]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec
from greenmark.watermark.null_distributions import BinomialNull
from greenmark.watermark.token_scores import TokenScores


@dataclass(frozen=True)
class Scores:
    """Per text: whole-text p-value (exact tail of the null), z-score and number of scored tokens."""

    p_value: np.ndarray
    z_score: np.ndarray
    num_scored_tokens: np.ndarray

    @classmethod
    def of_tables(cls, tables: Sequence[TokenScores]) -> Scores:
        """The whole-document tests of one-document tables."""
        tests = [table.test() for table in tables]
        return cls(
            np.array([test.p_value[0] for test in tests]),
            np.array([test.z_score[0] for test in tests]),
            np.array([table.num_scored_tokens[0] for table in tables], dtype=np.int64),
        )


def _first_occurrences(pairs: np.ndarray) -> np.ndarray:
    """bool mask: the first time each row of ``pairs`` appears."""
    first = np.zeros(len(pairs), dtype=bool)
    if len(pairs):
        first[np.unique(pairs, axis=0, return_index=True)[1]] = True
    return first


class GreenmarkScheme:
    """greenmark's KGW watermark with one key."""

    name = "greenmark"

    def __init__(self, spec: WatermarkSpec, key: WatermarkKey, tokenizer=None):
        self.spec, self.key = spec, key
        self.detector = Detector(spec, [key], tokenizer=tokenizer)

    def score_tokens(self, sequences: Sequence) -> Scores:
        results = self.detector.detect_tokens_many([np.asarray(ids, dtype=np.int64) for ids in sequences])
        fields = ("p_value", "z_score", "num_scored_tokens")
        return Scores(*(np.array([getattr(result, f) for result in results]) for f in fields))

    def score_texts(self, texts: Sequence[str]) -> Scores:
        """Detect raw texts (the detector canonicalises them); a blank text scores p = 1 on no tokens."""
        scores = Scores(np.ones(len(texts)), np.zeros(len(texts)), np.zeros(len(texts), dtype=np.int64))
        present = [i for i, text in enumerate(texts) if text.strip()]
        for index, result in zip(present, self.detector.detect_many([texts[i] for i in present]), strict=True):
            scores.p_value[index], scores.z_score[index] = result.p_value, result.z_score
            scores.num_scored_tokens[index] = result.num_scored_tokens
        return scores

    def token_scores(self, ids) -> TokenScores:
        """The detector's scoring table of one sequence."""
        return self.detector.score_tokens([np.asarray(ids, dtype=np.int64)])[0]


class TransformersScheme:
    """transformers' built-in watermark (lefthash, h = 1) with the same gamma and delta."""

    name = "transformers"

    def __init__(self, vocab_size: int, gamma: float, delta: float, tokenizer):
        from transformers.generation import WatermarkingConfig, WatermarkLogitsProcessor

        self.config = WatermarkingConfig(greenlist_ratio=gamma, bias=delta, seeding_scheme="lefthash", context_width=1)
        self.processor = WatermarkLogitsProcessor(vocab_size=vocab_size, device="cpu", **self.config.to_dict())
        self.vocab_size, self.tokenizer, self.null = vocab_size, tokenizer, BinomialNull(gamma)
        self._green_lists: dict[int, np.ndarray] = {}

    def _green_list(self, previous: int) -> np.ndarray:
        """bool[vocab_size]: the green list after ``previous``."""
        return np.unpackbits(self._packed_green_list(previous), count=self.vocab_size).astype(bool)

    def _packed_green_list(self, previous: int) -> np.ndarray:
        """The green list after ``previous``, bit-packed (a large vocabulary has many lists)."""
        if previous not in self._green_lists:
            import torch

            biased = self.processor(torch.tensor([[previous]]), torch.zeros(1, self.vocab_size))
            self._green_lists[previous] = np.packbits((biased[0] > 0).numpy())
        return self._green_lists[previous]

    def _is_green(self, pairs: np.ndarray) -> np.ndarray:
        green = np.zeros(len(pairs), dtype=bool)
        for previous in np.unique(pairs[:, 0]):
            rows = pairs[:, 0] == previous
            tokens = pairs[rows, 1]
            green[rows] = (self._packed_green_list(int(previous))[tokens >> 3] >> (7 - (tokens & 7))) & 1
        return green

    def token_scores(self, ids) -> TokenScores:
        """transformers' scoring of one sequence: every (previous, next) pair once, its green bit."""
        ids = np.asarray(ids, dtype=np.int64)
        scored = np.zeros(len(ids), dtype=bool)
        green = np.zeros(len(ids))
        if len(ids) > 1:
            pairs = np.stack([ids[:-1], ids[1:]], axis=1)
            scored[1:] = _first_occurrences(pairs)
            green[1:] = self._is_green(pairs)
        return TokenScores.of_statistics(green, self.null, scored=scored)

    def score_tokens(self, sequences: Sequence) -> Scores:
        return Scores.of_tables([self.token_scores(ids) for ids in sequences])

    def score_texts(self, texts: Sequence[str]) -> Scores:
        """Tokenise the raw texts (no canonicalisation) and score them."""
        return self.score_tokens([ids for ids, _ in self.tokenizer.encode_batch(list(texts))])
