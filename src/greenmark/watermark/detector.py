"""The detector: per document, one exact test per key under the scheme's null, corrected for every test made.

What is scored is ``greenmark.watermark.token_scores``' one rule (full context after the
prompt, no special token in the window, each deduplication key once per document); the
scheme (``spec.watermark_scheme``) supplies the statistic and its null, so under H0 the
test is exact for every scheme. The decision is ``greenmark.watermark.decision``'s.

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

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from greenmark.watermark.canonical import canonicalize
from greenmark.watermark.decision import (
    INSUFFICIENT_EVIDENCE,
    NOT_WATERMARKED,
    WATERMARKED,
    corrected_p_value,
    decide,
)
from greenmark.watermark.errors import InvalidTextError, TokenizerMismatchError, WatermarkError
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spans import Span, locate_spans, scan_windows
from greenmark.watermark.spec import WatermarkSpec
from greenmark.watermark.token_scores import TokenScores, score_documents
from greenmark.watermark.tokenizer import TextTokenizer

__all__ = ["INSUFFICIENT_EVIDENCE", "NOT_WATERMARKED", "WATERMARKED", "DetectionResult", "Detector", "Span"]

DEFAULT_ALPHA = 1e-6
MIN_SCORED_TOKENS = 16


@dataclass(frozen=True)
class DetectionResult:
    """One document's verdict. ``p_value`` is family-wise corrected; ``raw_p_value`` is the
    matching key's uncorrected whole-document p-value; ``key_id`` and ``scheme`` (its spec's
    versioned scheme id) name the key that matched, when watermarked; ``key_warning`` is that
    key's caveat (its secret is public, so anyone can forge or strip the watermark), if any."""

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
    scheme: str | None = None
    min_scored_tokens: int = MIN_SCORED_TOKENS
    key_warning: str | None = None

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
        self.scheme = spec.watermark_scheme
        self._materials = [self.scheme.key_material(k) for k in self.keys]
        self._key_warnings = [self.scheme.key_warning(k) for k in self.keys]

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
        documents = self._check_documents(token_ids)
        prompt_lengths = [0] * len(documents) if prompt_lengths is None else list(prompt_lengths)
        if len(prompt_lengths) != len(documents):
            raise WatermarkError("give one prompt length per sequence")
        return self._detect(documents, prompt_lengths, spans, offsets=None, normalizations=None)

    def score_tokens(self, token_ids: Sequence, prompt_lengths: Sequence[int] | None = None) -> list[TokenScores]:
        """The scoring table of the sequences under each key (one ``TokenScores`` per key, in ``keys`` order).

        >>> from greenmark.watermark import WatermarkKey, WatermarkSpec
        >>> detector = Detector(WatermarkSpec(vocab_size=100), [WatermarkKey.generate()])
        >>> detector.score_tokens([[5, 6, 5, 6, 5]])[0].num_scored_tokens.tolist()
        [2]
        """
        return self._score(self._check_documents(token_ids), prompt_lengths, offsets=None)

    # -- text ------------------------------------------------------------------------------
    def detect(self, text: str, spans: bool = False) -> DetectionResult:
        """Canonicalise, tokenise and test one text."""
        return self.detect_many([text], spans=spans)[0]

    def detect_many(self, texts: Sequence[str], spans: bool = False) -> list[DetectionResult]:
        """Canonicalise, tokenise (one parallel batch) and test many texts."""
        documents, offsets, normalizations = self._encode(texts, offsets=spans)
        return self._detect(documents, [0] * len(documents), spans, offsets, normalizations)

    def score_texts(self, texts: Sequence[str]) -> list[TokenScores]:
        """The scoring table of canonicalised, tokenised texts under each key, with character offsets
        into the canonical texts (one ``TokenScores`` per key)."""
        documents, offsets, _ = self._encode(texts, offsets=True)
        return self._score(documents, None, offsets)

    def _encode(self, texts: Sequence[str], offsets: bool):
        """``(token ids, offsets or None, normalisations)`` per text, canonicalised first."""
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
        encoded = self.tokenizer.encode_batch([c.text for c in canonical], offsets=offsets)
        documents = self._check_documents([ids for ids, _ in encoded])
        return documents, [o for _, o in encoded] if offsets else None, [c.normalizations for c in canonical]

    def _check_documents(self, token_ids: Sequence) -> list[np.ndarray]:
        """int64 arrays of ids, checked together (``InvalidTokensError`` outside the vocabulary)."""
        documents = [np.asarray(ids).reshape(-1) for ids in token_ids]
        documents = [ids if ids.size else ids.astype(np.int64) for ids in documents]
        for ids in documents:  # one by one: a long document is not copied to be checked
            self.spec.check_tokens(ids)
        return [ids.astype(np.int64, copy=False) for ids in documents]

    # -- the test --------------------------------------------------------------------------
    def _score(self, documents, prompt_lengths, offsets) -> list[TokenScores]:
        return [
            score_documents(
                self.scheme,
                material,
                documents,
                prompt_lengths=prompt_lengths,
                is_special=self._is_special,
                offsets=offsets,
            )
            for material in self._materials
        ]

    def _detect(self, documents, prompt_lengths, spans, offsets, normalizations) -> list[DetectionResult]:
        per_key = self._score(documents, prompt_lengths, offsets)
        tests = [scores.test() for scores in per_key]
        p_values = np.stack([test.p_value for test in tests])  # [keys, documents]
        # the smallest p-value of each key over its whole-document test and (with spans) its windows
        key_minimum, windows, located = p_values.copy(), np.zeros(len(documents), dtype=np.int64), []
        if spans:
            for d in range(len(documents)):
                doc_scores = [scores.document(d) for scores in per_key]
                scans = [scan_windows(scores) for scores in doc_scores]
                windows[d] = len(scans[0].p_values)  # the same windows for every key
                if windows[d]:
                    key_minimum[:, d] = np.minimum(key_minimum[:, d], [scan.p_values.min() for scan in scans])
                hypotheses = len(self.keys) * (1 + int(windows[d]))
                found = []
                for key, scores, scan in zip(self.keys, doc_scores, scans, strict=True):
                    found += locate_spans(scores, scan, hypotheses, self.alpha, key.key_id)
                located.append(tuple(sorted(found, key=lambda span: span.p_value)))
        columns = np.arange(len(documents))
        best = np.argmin(key_minimum, axis=0)
        hypotheses = len(self.keys) * (1 + windows)
        corrected = corrected_p_value(key_minimum[best, columns], hypotheses)
        totals = np.stack([scores.num_scored_tokens for scores in per_key])[best, columns]
        greens = np.stack([scores.num_green_tokens for scores in per_key])[best, columns]
        z_scores = np.stack([test.z_score for test in tests])[best, columns].tolist()
        raw = p_values[best, columns].tolist()
        decisions = decide(corrected, totals, self.alpha, self.min_scored_tokens)
        results = []
        for d, (decision, total, green, key) in enumerate(
            zip(decisions, totals.tolist(), greens.tolist(), best, strict=True)
        ):
            watermarked = decision == WATERMARKED
            results.append(
                DetectionResult(
                    decision=decision,
                    p_value=corrected[d],
                    z_score=z_scores[d],
                    num_scored_tokens=total,
                    num_green_tokens=green,
                    green_fraction=green / total if total else 0.0,
                    key_id=self.keys[key].key_id if watermarked else None,
                    num_hypotheses=int(hypotheses[d]),
                    alpha=self.alpha,
                    raw_p_value=raw[d],
                    spans=located[d] if spans else (),
                    normalizations=tuple(normalizations[d]) if normalizations else (),
                    scheme=self.spec.scheme_id if watermarked else None,
                    min_scored_tokens=self.min_scored_tokens,
                    key_warning=self._key_warnings[key] if watermarked else None,
                )
            )
        return results
