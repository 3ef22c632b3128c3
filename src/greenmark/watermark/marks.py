"""Token-level green/red marks: which tokens of a text are green under one key.

Marks reveal part of the key's green lists, so a service shows them only to privileged
callers. Text is canonicalised and tokenised exactly as ``Detector.detect`` does; offsets
index the canonical text. A token is ``scored`` when the detector counts it (full context,
no special token in its window, first occurrence of its (context, token) pair); ``green`` is
``None`` for tokens without a full context.

>>> from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
>>> tokenizer = default_tokenizer()
>>> spec = WatermarkSpec.for_tokenizer(tokenizer)
>>> marks = token_marks(spec, WatermarkKey.generate(), tokenizer, "Call me Ishmael. Call me Ishmael.")
>>> marks[0].green is None, sum(mark.scored for mark in marks) < len(marks)
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from greenmark.watermark.canonical import canonicalize
from greenmark.watermark.errors import TokenizerMismatchError
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec
from greenmark.watermark.tokenizer import TextTokenizer


@dataclass(frozen=True)
class TokenMark:
    """One token: ``[start_char, end_char)`` in the canonical text, whether it is scored and green."""

    start_char: int
    end_char: int
    scored: bool
    green: bool | None


def token_marks(spec: WatermarkSpec, key: WatermarkKey, tokenizer, text: str) -> tuple[TokenMark, ...]:
    """Mark every token of ``text`` green or red under ``key``; ``tokenizer`` as ``TextTokenizer.wrap`` takes it."""
    tokenizer = TextTokenizer.wrap(tokenizer)
    if spec.tokenizer_fingerprint not in (None, tokenizer.fingerprint):
        raise TokenizerMismatchError("the tokenizer differs from the one the spec was made with")
    ids, offsets = tokenizer.encode_batch([canonicalize(text).text])[0]
    ids = spec.check_tokens(ids)
    width = spec.preceding_tokens
    marks = [TokenMark(int(start), int(end), False, None) for start, end in offsets[:width]]
    if len(ids) <= width:
        return tuple(marks)
    positions = np.arange(width, len(ids))
    windows = positions[:, None] - width + np.arange(width + 1)  # each token's context and the token itself
    usable = ~np.isin(ids[windows], sorted(tokenizer.special_ids)).any(axis=1)
    inputs = spec.pair_inputs(key, ids[windows[:, :width]], ids[positions])
    green = spec.is_green(key, ids[windows[:, :width]], ids[positions])
    first = np.zeros(len(positions), dtype=bool)
    first[np.unique(np.where(usable, inputs.astype(np.int64), -1), return_index=True)[1]] = True
    marks += [
        TokenMark(int(start), int(end), bool(is_scored), bool(is_green) if is_usable else None)
        for (start, end), is_scored, is_green, is_usable in zip(
            offsets[width:], first & usable, green, usable, strict=True
        )
    ]
    return tuple(marks)
