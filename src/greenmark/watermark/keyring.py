"""``Keyring``: detection against many keys whose specs (gamma, scheme, tokenizer...) may differ.

A ``Detector`` tests keys that share one spec. A tenant's keys need not: an old key may use
another gamma, scheme or model. The keyring groups the keys by spec, runs one detector per
group, and merges the verdicts with one family-wise (Bonferroni) correction over every
hypothesis of every group: the reported ``p_value`` is the smallest uncorrected p-value times
the total number of hypotheses, capped at 1; ``num_hypotheses`` is that total and ``key_id``
the key that matched, ``scheme`` its scheme id. With a single spec the result equals that
``Detector``'s. The detectors never ask which scheme a key uses, so a tenant's keys may mix
schemes freely.

>>> from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
>>> tokenizer = default_tokenizer()
>>> narrow = WatermarkSpec.for_tokenizer(tokenizer, gamma=0.25)
>>> selfhash = WatermarkSpec.for_tokenizer(tokenizer, gamma=0.5, scheme="selfhash")
>>> keyring = Keyring([(WatermarkKey.generate(), narrow), (WatermarkKey.generate(), selfhash)], tokenizer)
>>> text = "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse"
>>> result = keyring.detect(text + ", and nothing particular to interest me on shore, I thought I would sail about.")
>>> result.decision, result.num_hypotheses
('not_watermarked', 2)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache

from greenmark.watermark.decision import WATERMARKED, corrected_p_value, decide
from greenmark.watermark.detector import DEFAULT_ALPHA, MIN_SCORED_TOKENS, DetectionResult, Detector
from greenmark.watermark.errors import TokenizerMismatchError, WatermarkError
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.marks import TokenMark, marks_of
from greenmark.watermark.spec import WatermarkSpec
from greenmark.watermark.tokenizer import TextTokenizer


class Keyring:
    """Tests texts for the watermark of any of ``keys``, given as ``(key, spec)`` pairs.

    ``tokenizers`` is one tokenizer or a list (any form ``TextTokenizer.wrap`` takes); each
    spec is detected with the first tokenizer whose fingerprint it names (any, for a spec that
    names none) and whose vocabulary fits the spec's. A key whose tokenizer is not given raises
    ``TokenizerMismatchError``, unless ``skip_unmatched``: then it is left out of the test
    (and out of the hypothesis count) and listed in ``skipped``.

    >>> from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
    >>> foreign = WatermarkSpec(vocab_size=50_000, tokenizer_fingerprint="sha256:0")
    >>> key = WatermarkKey.generate()
    >>> Keyring([(key, foreign)], default_tokenizer(), skip_unmatched=True).skipped == (key.key_id,)
    True
    """

    def __init__(
        self,
        keys: Iterable[tuple[WatermarkKey, WatermarkSpec]],
        tokenizers,
        *,
        min_scored_tokens: int = MIN_SCORED_TOKENS,
        skip_unmatched: bool = False,
    ):
        candidates = [
            TextTokenizer.wrap(t) for t in (tokenizers if isinstance(tokenizers, (list, tuple)) else [tokenizers])
        ]
        groups: dict[WatermarkSpec, list[WatermarkKey]] = {}
        skipped = []
        for key, spec in keys:
            if not isinstance(key, WatermarkKey) or not isinstance(spec, WatermarkSpec):
                raise WatermarkError("a keyring takes (WatermarkKey, WatermarkSpec) pairs")
            if _tokenizer_for(spec, candidates) is None:
                if not skip_unmatched:
                    raise TokenizerMismatchError(
                        f"no tokenizer given for key {key.key_id}: its spec needs {spec.tokenizer_fingerprint}"
                    )
                skipped.append(key.key_id)
                continue
            groups.setdefault(spec, []).append(key)
        self.groups = [(spec, keys, _tokenizer_for(spec, candidates)) for spec, keys in groups.items()]
        self.skipped = tuple(skipped)
        self.min_scored_tokens = int(min_scored_tokens)
        self._detectors = self._cache_detectors()

    def _cache_detectors(self):
        # building a detector derives key material (HMAC) and vocabulary tables: reuse them, per alpha
        return lru_cache(maxsize=16)(self._build_detectors)

    def _build_detectors(self, alpha: float) -> list[Detector]:
        return [
            Detector(spec, keys, tokenizer, alpha=alpha, min_scored_tokens=self.min_scored_tokens)
            for spec, keys, tokenizer in self.groups
        ]

    def __getstate__(self) -> dict:
        # pickled for scanning workers: the cache is rebuilt there
        return {name: value for name, value in self.__dict__.items() if name != "_detectors"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._detectors = self._cache_detectors()

    @property
    def key_ids(self) -> list[str]:
        """The ids of the keys tested (not the skipped ones)."""
        return [key.key_id for _, keys, _ in self.groups for key in keys]

    @property
    def tested_keys(self) -> list[tuple[str, WatermarkSpec]]:
        """``(key id, spec)`` of every key tested: what a receipt says the text was tested against."""
        return [(key.key_id, spec) for spec, keys, _ in self.groups for key in keys]

    def detect(self, text: str, spans: bool = False, alpha: float = DEFAULT_ALPHA) -> DetectionResult:
        """Canonicalise, tokenise and test one text against every key."""
        return self.detect_many([text], spans=spans, alpha=alpha)[0]

    def detect_many(
        self, texts: Sequence[str], spans: bool = False, alpha: float = DEFAULT_ALPHA
    ) -> list[DetectionResult]:
        """Test many texts against every key at family-wise false-positive rate ``alpha``.

        Raises ``WatermarkError`` when the keyring holds no key to test.
        """
        if not self.groups:
            raise WatermarkError("no watermark key to test")
        per_group = [detector.detect_many(texts, spans=spans) for detector in self._detectors(float(alpha))]
        return [self._merge(results, alpha) for results in zip(*per_group, strict=True)]

    def token_marks(self, text: str, key_id: str) -> tuple[TokenMark, ...]:
        """The marks of ``text`` under the tested key ``key_id`` (with its spec and tokenizer).

        >>> from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
        >>> key = WatermarkKey.generate()
        >>> keyring = Keyring([(key, WatermarkSpec.for_tokenizer(default_tokenizer()))], default_tokenizer())
        >>> len(keyring.token_marks("Call me Ishmael.", key.key_id))
        7
        """
        for detector in self._detectors(DEFAULT_ALPHA):
            for index, key in enumerate(detector.keys):
                if key.key_id == key_id:
                    return marks_of(detector.score_texts([text])[index])
        raise WatermarkError(f"key {key_id} is not tested by this keyring")

    def _merge(self, results: tuple[DetectionResult, ...], alpha: float) -> DetectionResult:
        """One verdict from each group's verdict on the same text, corrected for all their hypotheses."""
        if len(results) == 1:
            return results[0]
        hypotheses = sum(r.num_hypotheses for r in results)
        # Each group's p_value is its smallest raw p-value times its own hypothesis count (capped at 1).
        best = min(results, key=lambda r: r.p_value / r.num_hypotheses)
        corrected = corrected_p_value(best.p_value / best.num_hypotheses, hypotheses)
        decision = decide(corrected, best.num_scored_tokens, alpha, self.min_scored_tokens)
        located = []
        for result in results:
            for span in result.spans:
                p_value = corrected_p_value(span.p_value / result.num_hypotheses, hypotheses)
                if p_value < alpha:
                    located.append(replace(span, p_value=p_value))
        return replace(
            best,
            decision=decision,
            p_value=corrected,
            key_id=best.key_id if decision == WATERMARKED else None,
            scheme=best.scheme if decision == WATERMARKED else None,
            key_warning=best.key_warning if decision == WATERMARKED else None,
            num_hypotheses=hypotheses,
            spans=tuple(sorted(located, key=lambda span: span.p_value)),
        )


def _tokenizer_for(spec: WatermarkSpec, tokenizers: list[TextTokenizer]) -> TextTokenizer | None:
    """The first tokenizer ``Detector`` accepts for ``spec``: the fingerprint it names, a vocabulary that fits."""
    for tokenizer in tokenizers:
        if spec.tokenizer_fingerprint in (None, tokenizer.fingerprint) and tokenizer.vocab_size <= spec.vocab_size:
            return tokenizer
    return None
