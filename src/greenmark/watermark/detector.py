"""The detector: per document, one exact binomial test per key, corrected for every test made.

What is scored: each position with its full context (``spec.preceding_tokens`` earlier ids),
after the prompt, with no special token in its window. Each distinct PRF input counts once
per document, so repeated text cannot inflate the evidence. Under H0 the green count of the
T scored pairs is Binomial(T, gamma) exactly.

Decisions are made at a family-wise false-positive rate ``alpha`` per document: the reported
``p_value`` is the smallest p-value over all tests (every key, and every window when spans
are searched) times the number of tests (Bonferroni, valid under any dependence), capped at
1. The default alpha, 1e-6, means at most one false accusation per million human documents,
a rate a moderation pipeline scanning millions of texts a day can live with; a 200-token
text generated with delta=2, gamma=0.25 typically reaches p < 1e-12, so little power is lost.
Below ``MIN_SCORED_TOKENS`` (16) scored pairs the decision is ``insufficient_evidence``:
16 all-green tokens are the fewest that clear alpha after correction for a handful of keys.

>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> spec = WatermarkSpec(vocab_size=64)
>>> result = Detector(spec, [WatermarkKey.generate()]).detect_tokens([1, 2, 3])
>>> result.decision, result.num_scored_tokens
('insufficient_evidence', 2)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from greenmark.watermark import prf
from greenmark.watermark.canonical import canonicalize
from greenmark.watermark.errors import (
    InvalidTextError,
    TokenizerMismatchError,
    WatermarkError,
)
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spans import best_segment, merge_windows, scan_windows, watermarked_segments
from greenmark.watermark.spec import WatermarkSpec
from greenmark.watermark.statistics import binomial_test
from greenmark.watermark.tokenizer import TextTokenizer

DEFAULT_ALPHA = 1e-6
MIN_SCORED_TOKENS = 16
WATERMARKED = "watermarked"
NOT_WATERMARKED = "not_watermarked"
INSUFFICIENT_EVIDENCE = "insufficient_evidence"


@dataclass(frozen=True)
class Span:
    """A located watermarked stretch: token indices ``[start_token, end_token)`` into the scored ids,
    and character offsets into the canonical text when a text was given."""

    start_token: int
    end_token: int
    start_char: int | None
    end_char: int | None
    p_value: float
    z_score: float
    num_scored_tokens: int
    num_green_tokens: int
    key_id: str


@dataclass(frozen=True)
class DetectionResult:
    """One document's verdict. ``p_value`` is family-wise corrected; ``raw_p_value`` is the
    matching key's uncorrected whole-document p-value."""

    decision: str
    p_value: float
    z_score: float
    num_scored_tokens: int
    num_green_tokens: int
    green_fraction: float
    key_id: str | None
    num_hypotheses: int
    alpha: float
    raw_p_value: float
    spans: tuple[Span, ...] = ()
    normalizations: tuple[str, ...] = ()
    min_scored_tokens: int = MIN_SCORED_TOKENS

    @property
    def is_watermarked(self) -> bool:
        return self.decision == WATERMARKED

    @property
    def tokens_needed(self) -> int:
        """How many more scored tokens a decision needs: nonzero only for ``insufficient_evidence``.

        Only distinct (context, token) pairs count, so the text needs at least this many more tokens.
        """
        return max(0, self.min_scored_tokens - self.num_scored_tokens)

    def to_dict(self) -> dict:
        """Plain JSON-ready fields."""
        return asdict(self)


@dataclass(frozen=True)
class _Batch:
    """Scorable positions of several documents, concatenated."""

    lengths: np.ndarray  # tokens per document
    doc_of: np.ndarray  # document of each scorable position
    local_of: np.ndarray  # index of each scorable position inside its document
    contexts: np.ndarray  # [M, preceding_tokens]
    tokens: np.ndarray  # [M]


@dataclass(frozen=True)
class _KeyScan:
    """One document under one key: per-token indicators and every window's p-value."""

    scored: np.ndarray
    green: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    p_values: np.ndarray


class Detector:
    """Tests documents for the watermark of any of ``keys`` (all made with ``spec``).

    >>> from greenmark.watermark import WatermarkKey, WatermarkSpec
    >>> detector = Detector(WatermarkSpec(vocab_size=100), [WatermarkKey.generate()], alpha=1e-6)
    >>> detector.detect_tokens_many([[5] * 40, list(range(40))])[0].num_scored_tokens
    1
    """

    def __init__(
        self,
        spec: WatermarkSpec,
        keys: Iterable[WatermarkKey],
        tokenizer=None,
        alpha: float = DEFAULT_ALPHA,
        min_scored_tokens: int = MIN_SCORED_TOKENS,
        special_token_ids: Iterable[int] = (),
    ):
        if not isinstance(spec, WatermarkSpec):
            raise WatermarkError("spec must be a WatermarkSpec")
        self.keys = list(dict.fromkeys(keys))
        if not self.keys or not all(isinstance(k, WatermarkKey) for k in self.keys):
            raise WatermarkError("a detector needs at least one WatermarkKey")
        if not 0 < alpha < 1:
            raise WatermarkError("alpha must lie strictly between 0 and 1")
        self.spec = spec
        self.alpha = float(alpha)
        self.min_scored_tokens = int(min_scored_tokens)
        self.tokenizer = None if tokenizer is None else TextTokenizer.wrap(tokenizer)
        special = set(int(i) for i in special_token_ids)
        if self.tokenizer is not None:
            self._check_tokenizer(self.tokenizer)
            special |= self.tokenizer.special_ids
        self.special_token_ids = np.array(sorted(special), dtype=np.int64)
        self._is_special = np.zeros(spec.vocab_size, dtype=bool)
        self._is_special[self.special_token_ids[self.special_token_ids < spec.vocab_size]] = True
        self._subkeys = [spec.subkeys(k) for k in self.keys]

    def _check_tokenizer(self, tokenizer: TextTokenizer) -> None:
        expected = self.spec.tokenizer_fingerprint
        if expected is not None and tokenizer.fingerprint != expected:
            raise TokenizerMismatchError(
                f"tokenizer fingerprint {tokenizer.fingerprint} differs from the spec's {expected}: "
                "detect with the tokenizer the watermark was generated with"
            )
        if tokenizer.vocab_size > self.spec.vocab_size:
            raise TokenizerMismatchError(
                f"tokenizer has {tokenizer.vocab_size} tokens but the spec's vocabulary is {self.spec.vocab_size}"
            )

    # -- token ids -------------------------------------------------------------------------
    def detect_tokens(self, token_ids, prompt_length: int = 0, spans: bool = False) -> DetectionResult:
        """Test one sequence of token ids; the first ``prompt_length`` ids are context only."""
        return self.detect_tokens_many([token_ids], [prompt_length], spans=spans)[0]

    def detect_tokens_many(
        self,
        token_ids: Sequence,
        prompt_lengths: Sequence[int] | None = None,
        spans: bool = False,
    ) -> list[DetectionResult]:
        """Test many sequences at once (one vectorised pass per key over all of them)."""
        documents = [self.spec.check_tokens(ids).reshape(-1) for ids in token_ids]
        prompt_lengths = [0] * len(documents) if prompt_lengths is None else list(prompt_lengths)
        if len(prompt_lengths) != len(documents):
            raise WatermarkError("give one prompt length per sequence")
        return self._detect(documents, prompt_lengths, spans, offsets=None, normalizations=None)

    # -- text ------------------------------------------------------------------------------
    def detect(self, text: str, spans: bool = False) -> DetectionResult:
        """Canonicalise, tokenise and test one text."""
        return self.detect_many([text], spans=spans)[0]

    def detect_many(self, texts: Sequence[str], spans: bool = False) -> list[DetectionResult]:
        """Canonicalise, tokenise (one parallel batch) and test many texts."""
        if self.tokenizer is None:
            raise WatermarkError("this detector has no tokenizer: pass tokenizer= or use detect_tokens")
        if isinstance(texts, str):
            raise InvalidTextError("detect_many takes a list of texts, not one string")
        canonical = []
        for index, text in enumerate(texts):
            if not isinstance(text, str):
                raise InvalidTextError(f"text {index} is {type(text).__name__}, not str")
            if not text.strip():
                raise InvalidTextError(f"text {index} is empty")
            canonical.append(canonicalize(text))
        encoded = self.tokenizer.encode_batch([c.text for c in canonical], offsets=spans)
        documents = [self.spec.check_tokens(ids) for ids, _ in encoded]
        return self._detect(
            documents,
            [0] * len(documents),
            spans,
            offsets=[offsets for _, offsets in encoded] if spans else None,
            normalizations=[c.normalizations for c in canonical],
        )

    # -- the test --------------------------------------------------------------------------
    def _batch(self, documents: list[np.ndarray], prompt_lengths: list[int]) -> _Batch:
        width = self.spec.preceding_tokens
        lengths = np.array([len(d) for d in documents], dtype=np.int64)
        flat = np.concatenate(documents) if documents else np.zeros(0, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        doc_index = np.repeat(np.arange(len(documents)), lengths)
        local = np.arange(len(flat)) - starts[doc_index]
        first_scored = np.maximum(width, np.asarray(prompt_lengths, dtype=np.int64))
        eligible = local >= first_scored[doc_index]
        if self.special_token_ids.size:
            special = np.concatenate([[0], np.cumsum(self._is_special[flat])])
            positions = np.arange(len(flat))
            window_start = np.maximum(positions - width, 0)
            eligible &= (special[positions + 1] - special[window_start]) == 0
        positions = np.flatnonzero(eligible)
        contexts = flat[positions[:, None] - width + np.arange(width)]
        return _Batch(lengths, doc_index[positions], local[positions], contexts, flat[positions])

    def _detect(self, documents, prompt_lengths, spans, offsets, normalizations) -> list[DetectionResult]:
        batch = self._batch(documents, prompt_lengths)
        count = len(documents)
        num_keys = len(self.keys)
        p_values = np.ones((num_keys, count))
        z_scores = np.zeros((num_keys, count))
        totals = np.zeros((num_keys, count), dtype=np.int64)
        greens = np.zeros((num_keys, count), dtype=np.int64)
        marks = []  # per key: (first-occurrence mask, green mask) over the batch's positions
        for k, subkeys in enumerate(self._subkeys):
            pair_inputs = self.spec.prf_inputs(subkeys, batch.contexts, batch.tokens)
            green = prf.is_green_input(subkeys, pair_inputs, self.spec.threshold)
            combined = (batch.doc_of.astype(np.uint64) << np.uint64(32)) | pair_inputs.astype(np.uint64)
            first = np.zeros(len(combined), dtype=bool)
            first[np.unique(combined, return_index=True)[1]] = True
            totals[k] = np.bincount(batch.doc_of[first], minlength=count)
            greens[k] = np.bincount(batch.doc_of[first & green], minlength=count)
            test = binomial_test(greens[k], totals[k], self.spec.gamma)
            p_values[k], z_scores[k] = test.p_value, test.z_score
            marks.append((first, green & first))

        scans = self._scan(batch, marks) if spans else [[] for _ in range(count)]
        results = []
        for d in range(count):
            # the smallest p-value of each key over its whole-document test and its windows
            key_minimum = p_values[:, d].copy()
            for k, scan in enumerate(scans[d]):
                if scan.p_values.size:
                    key_minimum[k] = min(key_minimum[k], scan.p_values.min())
            windows_per_key = len(scans[d][0].p_values) if scans[d] else 0  # the same windows for every key
            hypotheses = num_keys * (1 + windows_per_key)
            best = int(np.argmin(key_minimum))
            corrected = min(1.0, float(key_minimum[best]) * hypotheses)
            total = int(totals[best, d])
            if total < self.min_scored_tokens:
                decision = INSUFFICIENT_EVIDENCE
            elif corrected < self.alpha:
                decision = WATERMARKED
            else:
                decision = NOT_WATERMARKED
            located = self._spans(d, scans[d], hypotheses, offsets) if scans[d] else ()
            results.append(
                DetectionResult(
                    decision=decision,
                    p_value=corrected,
                    z_score=float(z_scores[best, d]),
                    num_scored_tokens=total,
                    num_green_tokens=int(greens[best, d]),
                    green_fraction=float(greens[best, d] / total) if total else 0.0,
                    key_id=self.keys[best].key_id if decision == WATERMARKED else None,
                    num_hypotheses=hypotheses,
                    alpha=self.alpha,
                    raw_p_value=float(p_values[best, d]),
                    spans=located,
                    normalizations=tuple(normalizations[d]) if normalizations else (),
                    min_scored_tokens=self.min_scored_tokens,
                )
            )
        return results

    def _scan(self, batch: _Batch, marks) -> list[list[_KeyScan]]:
        """Per document, per key: the window scan over per-token scored/green indicators."""
        count = len(batch.lengths)
        boundaries = np.searchsorted(batch.doc_of, np.arange(count + 1))
        scans = []
        for d in range(count):
            part = slice(boundaries[d], boundaries[d + 1])
            per_key = []
            for first, green in marks:
                scored_tokens = np.zeros(batch.lengths[d], dtype=bool)
                green_tokens = np.zeros(batch.lengths[d], dtype=bool)
                scored_tokens[batch.local_of[part]] = first[part]
                green_tokens[batch.local_of[part]] = green[part]
                window_scan = scan_windows(scored_tokens, green_tokens, self.spec.gamma)
                per_key.append(
                    _KeyScan(
                        scored_tokens,
                        green_tokens,
                        window_scan.starts,
                        window_scan.ends,
                        window_scan.p_values,
                    )
                )
            scans.append(per_key)
        return scans

    def _spans(self, d: int, scans: list[_KeyScan], hypotheses: int, offsets) -> tuple[Span, ...]:
        located = []
        doc_offsets = offsets[d] if offsets is not None else None
        gamma = self.spec.gamma
        for k, scan in enumerate(scans):
            significant = np.flatnonzero(scan.p_values * hypotheses < self.alpha)
            centres = (scan.starts + scan.ends) // 2
            for region_start, region_end, members in merge_windows(scan.starts[significant], scan.ends[significant]):
                members = significant[members]
                # each stretch is reported with the best significant window centred in it; a
                # stretch without one is not claimed (and the whole region's best segment stands in)
                claimed = []
                for start, end in watermarked_segments(scan.scored, scan.green, region_start, region_end, gamma):
                    inside = members[(centres[members] >= start) & (centres[members] < end)]
                    if inside.size:
                        claimed.append((start, end, float(scan.p_values[inside].min())))
                if not claimed:
                    start, end = best_segment(scan.scored, scan.green, region_start, region_end, gamma)[:2]
                    claimed.append((start, end, float(scan.p_values[members].min())))
                for start, end, p_value in claimed:
                    total = int(scan.scored[start:end].sum())
                    green = int(scan.green[start:end].sum())
                    located.append(
                        Span(
                            start_token=start,
                            end_token=end,
                            start_char=int(doc_offsets[start][0]) if doc_offsets is not None else None,
                            end_char=int(doc_offsets[end - 1][1]) if doc_offsets is not None else None,
                            p_value=min(1.0, p_value * hypotheses),
                            z_score=float((green - gamma * total) / math.sqrt(max(total, 1) * gamma * (1 - gamma))),
                            num_scored_tokens=total,
                            num_green_tokens=green,
                            key_id=self.keys[k].key_id,
                        )
                    )
        return tuple(sorted(located, key=lambda span: span.p_value))
