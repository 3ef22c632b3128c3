"""Token marks (``greenmark.watermark.marks``) agree with the detector they explain."""

from __future__ import annotations

from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec, default_tokenizer
from greenmark.watermark.marks import token_marks
from tests.api.conftest import watermarked_text


def test_marks_agree_with_the_detectors_counts():
    tokenizer = default_tokenizer()
    spec, key = WatermarkSpec.for_tokenizer(tokenizer), WatermarkKey.generate()
    text = watermarked_text(key, spec, num_tokens=120) + " and some words, and some words again."
    result = Detector(spec, [key], tokenizer=tokenizer).detect(text)
    marks = token_marks(spec, key, tokenizer, text)
    assert sum(mark.scored for mark in marks) == result.num_scored_tokens
    assert sum(bool(mark.scored and mark.green) for mark in marks) == result.num_green_tokens


def test_a_text_without_a_full_context_has_no_green_marks():
    tokenizer = default_tokenizer()
    marks = token_marks(WatermarkSpec.for_tokenizer(tokenizer), WatermarkKey.generate(), tokenizer, "H")  # one token
    assert all(mark.green is None and not mark.scored for mark in marks)
