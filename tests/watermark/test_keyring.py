"""Keyring: keys with different specs tested together, with one Bonferroni correction over all of them."""

import pytest

from greenmark.watermark import (
    Detector,
    TokenizerMismatchError,
    WatermarkError,
    WatermarkKey,
    WatermarkSpec,
    default_tokenizer,
)
from greenmark.watermark.keyring import Keyring
from tests.cli.green_text import green_words_text

TOKENIZER = default_tokenizer()
NARROW = WatermarkSpec.for_tokenizer(TOKENIZER, gamma=0.25)
SELFHASH = WatermarkSpec.for_tokenizer(TOKENIZER, gamma=0.5, scheme="selfhash")
KEYS = [WatermarkKey(bytes([i]) * 32) for i in range(4)]
HUMAN = (
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want "
    "of a wife. However little known the feelings or views of such a man may be on his first entering a "
    "neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is considered "
    "the rightful property of some one or other of their daughters."
)


def test_one_spec_gives_exactly_the_detectors_result():
    keyring = Keyring([(KEYS[0], NARROW), (KEYS[1], NARROW)], TOKENIZER)
    texts = [HUMAN, green_words_text(KEYS[1], NARROW)]
    assert keyring.detect_many(texts, spans=True) == Detector(NARROW, KEYS[:2], TOKENIZER).detect_many(
        texts, spans=True
    )


def test_the_key_of_a_second_spec_is_found_and_every_hypothesis_counted():
    keyring = Keyring([(KEYS[0], NARROW), (KEYS[1], NARROW), (KEYS[2], SELFHASH)], TOKENIZER)
    result = keyring.detect(green_words_text(KEYS[2], SELFHASH))
    alone = Detector(SELFHASH, [KEYS[2]], TOKENIZER).detect(green_words_text(KEYS[2], SELFHASH))
    assert result.decision == "watermarked" and result.key_id == KEYS[2].key_id
    assert result.num_hypotheses == 3
    assert result.raw_p_value == alone.raw_p_value
    assert result.p_value == pytest.approx(3 * alone.raw_p_value)


def test_human_text_is_not_flagged_by_any_spec():
    result = Keyring([(KEYS[0], NARROW), (KEYS[2], SELFHASH)], TOKENIZER).detect(HUMAN)
    assert result.decision == "not_watermarked" and result.key_id is None
    assert result.num_hypotheses == 2


def test_the_correction_can_overturn_a_group_verdict():
    text = green_words_text(KEYS[2], SELFHASH, length=40)
    alone = Detector(SELFHASH, [KEYS[2]], TOKENIZER, alpha=1e-6).detect(text)
    alpha = alone.p_value * 1.5  # significant alone, not after correcting for three more keys
    many = Keyring([(KEYS[0], NARROW), (KEYS[1], NARROW), (KEYS[3], NARROW), (KEYS[2], SELFHASH)], TOKENIZER)
    result = many.detect(text, alpha=alpha)
    assert result.decision == "not_watermarked" and result.key_id is None
    assert result.p_value == pytest.approx(4 * alone.p_value)


def test_spans_are_corrected_for_every_hypothesis():
    pasted = green_words_text(KEYS[2], SELFHASH, length=150)
    text = f"{HUMAN} {pasted}"
    result = Keyring([(KEYS[0], NARROW), (KEYS[2], SELFHASH)], TOKENIZER).detect(text, spans=True)
    alone = Detector(SELFHASH, [KEYS[2]], TOKENIZER).detect(text, spans=True)
    assert result.spans and all(span.key_id == KEYS[2].key_id for span in result.spans)
    ratio = result.num_hypotheses / alone.num_hypotheses
    assert result.spans[0].p_value == pytest.approx(min(1.0, alone.spans[0].p_value * ratio))
    assert result.spans[0].start_char >= text.index(pasted) - 100


def test_keys_of_another_tokenizer_raise_or_are_skipped():
    foreign = WatermarkSpec(vocab_size=50_000, tokenizer_fingerprint="sha256:another")
    with pytest.raises(TokenizerMismatchError):
        Keyring([(KEYS[0], foreign)], TOKENIZER)
    keyring = Keyring([(KEYS[0], foreign), (KEYS[1], NARROW)], TOKENIZER, skip_unmatched=True)
    assert keyring.skipped == (KEYS[0].key_id,) and keyring.key_ids == [KEYS[1].key_id]
    assert keyring.detect(HUMAN).num_hypotheses == 1


def test_an_empty_keyring_cannot_detect():
    with pytest.raises(WatermarkError, match="no watermark key"):
        Keyring([], TOKENIZER).detect(HUMAN)
