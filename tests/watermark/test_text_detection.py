"""Detection from text: canonicalisation undoes cosmetic Unicode attacks, and bad text is rejected."""

import numpy as np
import pytest

from greenmark.watermark import (
    Detector,
    InvalidTextError,
    TokenizerMismatchError,
    WatermarkKey,
    WatermarkSpec,
    canonicalize,
    default_tokenizer,
)


def watermarked_text(key: WatermarkKey, spec: WatermarkSpec, length: int, seed: int) -> str:
    """Text whose every token is drawn from its green list (a stand-in for a watermarked model)."""
    tokenizer = default_tokenizer()
    rng = np.random.default_rng(seed)
    words = tokenizer.encode_batch([" the"])[0][0].tolist()
    vocabulary = [i for i in range(300, spec.vocab_size) if tokenizer.decode([i]).isascii()]
    allowed = np.zeros(spec.vocab_size, dtype=bool)
    allowed[vocabulary] = True
    for _ in range(length):
        words.append(int(rng.choice(np.flatnonzero(spec.green_list(key, words[-1:]) & allowed))))
    return tokenizer.decode(words)


@pytest.fixture(scope="module")
def setup():
    key = WatermarkKey(bytes(32))
    spec = WatermarkSpec.for_tokenizer(default_tokenizer())
    return key, spec, Detector(spec, [key], tokenizer=default_tokenizer())


def test_text_from_green_lists_is_detected(setup):
    key, spec, detector = setup
    result = detector.detect(watermarked_text(key, spec, 120, seed=1))
    assert result.decision == "watermarked" and result.key_id == key.key_id
    assert result.normalizations == ()


@pytest.mark.parametrize(
    ("attack", "normalization"),
    [
        (lambda t: t.replace("a", "\u0430").replace("e", "\u0435"), "homoglyphs"),  # Cyrillic a, e
        (lambda t: t.replace(" ", " \u200b"), "invisible"),
        (lambda t: t.replace(" ", "\u00a0"), "nfkc"),
        (lambda t: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in t), "nfkc"),  # fullwidth
        (lambda t: "\u202e" + t + "\u202c", "invisible"),
    ],
)
def test_unicode_attacks_are_undone_and_reported(setup, attack, normalization):
    key, spec, detector = setup
    text = watermarked_text(key, spec, 120, seed=2)
    clean = detector.detect(text)
    attacked = detector.detect(attack(text))
    assert attacked.decision == "watermarked"
    assert attacked.num_green_tokens == clean.num_green_tokens
    assert normalization in attacked.normalizations


def test_canonicalisation_is_idempotent():
    text = "Ｆｕｌｌ\u200b wіdth e\u0301 ﬁne"
    once = canonicalize(text).text
    assert canonicalize(once).text == once
    assert canonicalize(once).normalizations == ()


def test_span_character_offsets_point_into_the_text(setup):
    key, spec, detector = setup
    human = " ".join(["It was the best of times, it was the worst of times."] * 3)
    rng_words = "walking slowly through the green fields of an old country, the traveller found " * 6
    marked = watermarked_text(key, spec, 100, seed=3)
    text = human + rng_words + marked + " " + rng_words
    result = detector.detect(text, spans=True)
    assert result.decision == "watermarked"
    span = result.spans[0]
    start = text.index(marked)
    overlap = min(span.end_char, start + len(marked)) - max(span.start_char, start)
    assert overlap > 0.5 * len(marked)


@pytest.mark.parametrize("bad", ["", "   \n", None, 42, b"bytes"])
def test_empty_or_non_string_text_is_rejected(setup, bad):
    with pytest.raises(InvalidTextError):
        setup[2].detect(bad)


def test_a_different_tokenizer_is_refused(setup):
    key, _, _ = setup
    spec = WatermarkSpec(vocab_size=8192, tokenizer_fingerprint="sha256:another")
    with pytest.raises(TokenizerMismatchError, match="fingerprint"):
        Detector(spec, [key], tokenizer=default_tokenizer())
    with pytest.raises(TokenizerMismatchError, match="vocabulary"):
        Detector(WatermarkSpec(vocab_size=1000), [key], tokenizer=default_tokenizer())
