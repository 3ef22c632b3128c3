"""``TokenScores``: the one scoring table; every test, window, span and mark derives from it.

``score_documents`` applies greenmark's single scoring rule to a batch of token-id documents
under one scheme and key. A position is *eligible* when it has its full context
(``scheme.preceding_tokens`` earlier ids), lies after the prompt, and no special token sits
in its window (the context and the token itself). A scheme with a ``start_padding_id``
(vLLM's, whose contexts never reach into the prompt) scores every position after the prompt:
the context slots before the first completion id hold that padding id. An eligible position is *scored* when it
is the first in its document with its deduplication key: equal keys are one PRF input, so
repeated text adds no evidence, and under H0 the scored statistics are independent draws of
``scheme.null``. The table is immutable (read-only arrays).

>>> import numpy as np
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> scheme = WatermarkSpec(vocab_size=64).watermark_scheme
>>> material = scheme.key_material(WatermarkKey.from_hex("00" * 32))
>>> scores = score_documents(scheme, material, [np.array([1, 2, 1, 2, 3]), np.array([7])])
>>> scores.scored.astype(int).tolist(), scores.num_scored_tokens.tolist()
([0, 1, 1, 0, 1, 0], [3, 0])
>>> scores.document(0).test().p_value.shape
(1,)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from greenmark.watermark.null_distributions import NullDistribution, NullTest
from greenmark.watermark.schemes.base import Scheme

PAIRS_PER_CALL = 1 << 18  # pairs scored per call of the scheme: bounds the context and statistic temporaries
LONG_DOCUMENT_PAIRS = 256  # 64-bit dedup keys: from this many pairs a document, sorting each alone is faster


@dataclass(frozen=True, eq=False)
class TokenScores:
    """Per-token scoring of D documents under one key, concatenated (a single document is D = 1).

    Flat arrays over every token of every document, in order:

    * ``eligible`` bool: full context, after the prompt, no special token in the window;
    * ``scored`` bool: eligible and the first of its document with its ``dedup_key``;
    * ``dedup_key`` uint64 (0 where not eligible): equal keys share one PRF input;
    * ``statistic`` float64 (0 where not eligible): the scheme's keyed per-token statistic;
    * ``offsets`` int64[n, 2] or None: each token's ``[start, end)`` characters in its canonical text.

    ``lengths`` (int64[D]) splits them into documents; ``null`` is the scheme's H0 distribution
    of one scored statistic. A token is *green* when eligible with a statistic above the null
    mean (for green-list schemes: the token is green).
    """

    eligible: np.ndarray
    scored: np.ndarray
    dedup_key: np.ndarray
    statistic: np.ndarray
    lengths: np.ndarray
    null: NullDistribution
    offsets: np.ndarray | None = None
    starts: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        for name in ("eligible", "scored", "dedup_key", "statistic", "lengths", "offsets"):
            array = getattr(self, name)
            if array is not None:
                array.flags.writeable = False
        starts = np.concatenate([[0], np.cumsum(self.lengths)]).astype(np.int64)
        starts.flags.writeable = False
        object.__setattr__(self, "starts", starts)

    @classmethod
    def of_statistics(cls, statistic, null: NullDistribution, scored=None, offsets=None) -> TokenScores:
        """A one-document table from per-token statistics: every token eligible, scored where ``scored``
        (default: all), each with its own deduplication key. For tests and for foreign detectors'
        own scoring rules.

        >>> from greenmark.watermark.null_distributions import BinomialNull
        >>> TokenScores.of_statistics([1.0, 0.0, 1.0], BinomialNull(0.5)).num_green_tokens.tolist()
        [2]
        """
        statistic = np.array(statistic, dtype=np.float64)  # copies: the table makes its arrays read-only
        scored = np.ones(len(statistic), dtype=bool) if scored is None else np.array(scored, dtype=bool)
        eligible = np.ones(len(statistic), dtype=bool)
        dedup_key = np.arange(len(statistic), dtype=np.uint64)
        lengths = np.array([len(statistic)], dtype=np.int64)
        return cls(
            eligible, scored, dedup_key, statistic, lengths, null, None if offsets is None else np.asarray(offsets)
        )

    def __len__(self) -> int:
        return len(self.lengths)

    def document(self, index: int) -> TokenScores:
        """The table of document ``index`` alone (views, no copies)."""
        part = slice(int(self.starts[index]), int(self.starts[index + 1]))
        return TokenScores(
            self.eligible[part],
            self.scored[part],
            self.dedup_key[part],
            self.statistic[part],
            self.lengths[index : index + 1],
            self.null,
            None if self.offsets is None else self.offsets[part],
        )

    @cached_property
    def green(self) -> np.ndarray:
        """bool per token: eligible, with a statistic above the null mean."""
        return self.eligible & (self.statistic > self.null.mean)

    @cached_property
    def num_scored_tokens(self) -> np.ndarray:
        """int64[D]: scored tokens per document (T of the test)."""
        return self._per_document(self.scored.astype(np.int64))

    @cached_property
    def num_green_tokens(self) -> np.ndarray:
        """int64[D]: scored green tokens per document."""
        return self._per_document((self.scored & self.green).astype(np.int64))

    @cached_property
    def statistic_totals(self) -> np.ndarray:
        """float64[D]: the sum of the scored tokens' statistics per document (S of the test)."""
        return self._per_document(np.where(self.scored, self.statistic, 0.0))

    def _per_document(self, values: np.ndarray) -> np.ndarray:
        """Per-document sums of a per-token array (summed in order, so exactly as one document alone)."""
        sums = np.zeros(len(self), dtype=values.dtype)
        nonempty = self.lengths > 0
        if nonempty.any():
            sums[nonempty] = np.add.reduceat(values, self.starts[:-1][nonempty])
        return sums

    def test(self) -> NullTest:
        """The exact whole-document test of every document: p-values and z-scores, float64[D]."""
        return self.null.test(self.statistic_totals, self.num_scored_tokens)

    def prefix_test(self) -> NullTest:
        """The test after each token of a single-document table (``t = 1..n``): how evidence accumulates.

        >>> from greenmark.watermark.null_distributions import BinomialNull
        >>> scores = TokenScores.of_statistics([1.0] * 10, BinomialNull(0.5))
        >>> int((scores.prefix_test().p_value >= 0.01).sum())  # 0.5 ** 7 < 0.01
        6
        """
        counts = np.cumsum(self.scored)
        return self.null.test(np.cumsum(np.where(self.scored, self.statistic, 0.0)), counts)

    def window_test(self, window_starts: np.ndarray, window_ends: np.ndarray) -> NullTest:
        """The exact test of each token window ``[start, end)`` of a single-document table."""
        scored_sum = np.concatenate([[0], np.cumsum(self.scored)])
        statistic_sum = np.concatenate([[0.0], np.cumsum(np.where(self.scored, self.statistic, 0.0))])
        counts = scored_sum[window_ends] - scored_sum[window_starts]
        return self.null.test(statistic_sum[window_ends] - statistic_sum[window_starts], counts)


def score_documents(
    scheme: Scheme,
    material: Any,
    documents: Sequence[np.ndarray],
    *,
    prompt_lengths: Sequence[int] | None = None,
    is_special: np.ndarray | None = None,
    offsets: Sequence[np.ndarray] | None = None,
) -> TokenScores:
    """Score checked int64 token-id ``documents`` under ``scheme`` and one key's ``material``.

    ``prompt_lengths`` (default 0): leading ids of each document that are context only;
    ``is_special``: bool[vocab_size], the special (never scored) token ids; ``offsets``: each
    document's character offsets, kept in the table for spans and marks.
    """
    # Long documents: every step works in place or on PAIRS_PER_CALL pairs at a time, so the
    # transient memory stays near the table's own 18 bytes a token (see benchmarks/input_memory.py).
    width = scheme.preceding_tokens
    padding = scheme.start_padding_id
    lengths = np.array([len(d) for d in documents], dtype=np.int64)
    flat = _concatenated(documents)
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    prompts = np.zeros(len(documents), np.int64) if prompt_lengths is None else np.asarray(prompt_lengths, np.int64)
    eligible = np.ones(len(flat), dtype=bool)
    unscored_heads = prompts if padding is not None else np.maximum(width, prompts)
    for start, end, unscored in zip(starts[:-1], starts[1:], unscored_heads, strict=True):
        eligible[start : min(end, start + unscored)] = False
    # with start padding, a context holds only ids after the prompt: how many precede each token
    completed = None if padding is None else np.arange(len(flat)) - np.repeat(starts[:-1] + prompts, lengths)
    if is_special is not None and is_special.any():
        special = is_special[flat]
        eligible &= ~special
        for back in range(1, width + 1):  # nor among the `width` tokens before it
            in_context = special[:-back] if completed is None else special[:-back] & (completed[back:] >= back)
            eligible[back:] &= ~in_context
        del special
    positions = np.flatnonzero(eligible)
    dedup_key = np.zeros(len(flat), dtype=np.uint64)
    statistic = np.zeros(len(flat), dtype=np.float64)
    columns = np.arange(width) - width
    for first_pair in range(0, len(positions), PAIRS_PER_CALL):
        chunk = positions[first_pair : first_pair + PAIRS_PER_CALL]
        if completed is None:
            contexts = flat[chunk[:, None] + columns]
        else:
            before_start = completed[chunk][:, None] + columns < 0
            contexts = np.where(before_start, padding, flat[np.maximum(chunk[:, None] + columns, 0)])
        pairs = scheme.score_pairs(material, contexts, flat[chunk])
        dedup_key[chunk] = pairs.dedup_key
        statistic[chunk] = pairs.statistic
    counts = np.diff(np.searchsorted(positions, starts))  # pairs per document
    scored = np.zeros(len(flat), dtype=bool)
    scored[positions[_first_occurrences(counts, dedup_key[positions])]] = True
    flat_offsets = None
    if offsets is not None:
        flat_offsets = (
            np.concatenate([np.asarray(o, np.int64).reshape(-1, 2) for o in offsets]) if len(offsets) else None
        )
    return TokenScores(eligible, scored, dedup_key, statistic, lengths, scheme.null, flat_offsets)


def _concatenated(documents: Sequence[np.ndarray]) -> np.ndarray:
    """The documents' ids end to end as int64 (the array itself, not a copy, for one int64 document)."""
    if len(documents) == 1:
        return np.asarray(documents[0]).astype(np.int64, copy=False)
    return np.concatenate(documents).astype(np.int64, copy=False) if len(documents) else np.zeros(0, np.int64)


def _first_occurrences(counts: np.ndarray, dedup_key: np.ndarray) -> np.ndarray:
    """Indices of the first pair of each (document, dedup key); ``counts``: how many pairs each document has."""
    if len(counts) == 1:
        return _first_occurrences_in_one(dedup_key)
    wide = dedup_key.max(initial=0) >= 2**32
    if wide and len(dedup_key) >= LONG_DOCUMENT_PAIRS * len(counts):  # one sort per document beats lexsort
        ends = np.cumsum(counts)
        return np.concatenate(
            [np.zeros(0, np.int64)]
            + [
                start + _first_occurrences_in_one(dedup_key[start:end])
                for start, end in zip(ends - counts, ends, strict=True)
            ]
        )
    document_of = np.repeat(np.arange(len(counts), dtype=np.uint64), counts)
    if not wide:  # one sortable uint64 per pair: the document above the key
        keys = document_of
        keys <<= np.uint64(32)
        keys |= dedup_key
        order = np.argsort(keys, kind="stable")
        return order[_run_starts(keys[order])]
    order = np.lexsort((dedup_key, document_of))  # stable: the first of equal pairs comes first
    return order[_run_starts(document_of[order], dedup_key[order])]


def _first_occurrences_in_one(dedup_key: np.ndarray) -> np.ndarray:
    """Indices of the first pair of each dedup key of one document."""
    order = np.argsort(dedup_key, kind="stable")
    return order[_run_starts(dedup_key[order])]


def _run_starts(*sorted_columns: np.ndarray) -> np.ndarray:
    """bool: the rows (sorted by ``sorted_columns``) that differ from the row before them; the first row does."""
    starts = np.zeros(len(sorted_columns[0]), dtype=bool)
    starts[:1] = True
    for column in sorted_columns:
        starts[1:] |= column[1:] != column[:-1]
    return starts
