"""Token-level marks: how each token of a text scores under one key.

Marks reveal part of the key's keyed values (for green-list schemes, its green lists), so a
service shows them only to privileged callers. They are read off the detector's
``TokenScores`` for the text (canonicalised and tokenised as ``Detector.detect`` does;
offsets index the canonical text): ``scored`` when the detector counts the token, ``green``
when the token is eligible (full context, no special token in its window) and its statistic
exceeds the null mean, ``None`` when it is not eligible; ``statistic`` is its value then.

>>> from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
>>> tokenizer = default_tokenizer()
>>> spec = WatermarkSpec.for_tokenizer(tokenizer)
>>> marks = token_marks(spec, WatermarkKey.generate(), tokenizer, "Call me Ishmael. Call me Ishmael.")
>>> marks[0].green is None, sum(mark.scored for mark in marks) < len(marks)
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

from greenmark.watermark.detector import Detector
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec
from greenmark.watermark.token_scores import TokenScores


@dataclass(frozen=True)
class TokenMark:
    """One token: ``[start_char, end_char)`` in the canonical text, whether it is scored and green, its statistic."""

    start_char: int
    end_char: int
    scored: bool
    green: bool | None
    statistic: float | None = None


def marks_of(scores: TokenScores) -> tuple[TokenMark, ...]:
    """The marks of a one-document table with offsets.

    >>> from greenmark.watermark.null_distributions import BinomialNull
    >>> table = TokenScores.of_statistics([1.0, 0.0], BinomialNull(0.25), offsets=[[0, 2], [2, 5]])
    >>> [mark.green for mark in marks_of(table)]
    [True, False]
    """
    return tuple(
        TokenMark(
            int(start),
            int(end),
            bool(scored),
            bool(green) if eligible else None,
            float(statistic) if eligible else None,
        )
        for (start, end), scored, green, eligible, statistic in zip(
            scores.offsets.tolist(),
            scores.scored.tolist(),
            scores.green.tolist(),
            scores.eligible.tolist(),
            scores.statistic.tolist(),
            strict=True,
        )
    )


def token_marks(spec: WatermarkSpec, key: WatermarkKey, tokenizer, text: str) -> tuple[TokenMark, ...]:
    """Mark every token of ``text`` under ``key``; ``tokenizer`` as ``TextTokenizer.wrap`` takes it."""
    return marks_of(Detector(spec, [key], tokenizer).score_texts([text])[0])
