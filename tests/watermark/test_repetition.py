"""Repeated text is never flagged, for every registered scheme: a repeat adds no evidence."""

import numpy as np
import pytest

from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec
from greenmark.watermark.schemes import scheme_names

VOCAB = 2000


def strongest_phrase(spec: WatermarkSpec, key: WatermarkKey, length: int, seed: int) -> np.ndarray:
    """A phrase whose every token has the largest statistic its context allows: the worst case to repeat."""
    scheme = spec.watermark_scheme
    material = scheme.key_material(key)
    rng = np.random.default_rng(seed)
    ids = list(rng.integers(0, VOCAB, scheme.preceding_tokens))
    vocabulary = np.arange(VOCAB)
    while len(ids) < length:
        context = np.broadcast_to(ids[len(ids) - scheme.preceding_tokens :], (VOCAB, scheme.preceding_tokens))
        ids.append(int(np.argmax(scheme.score_pairs(material, np.ascontiguousarray(context), vocabulary).statistic)))
    return np.array(ids)


@pytest.mark.parametrize("scheme", scheme_names(imported=False))
def test_a_strongly_watermarked_phrase_repeated_many_times_is_not_flagged(scheme):
    key = WatermarkKey.from_hex("5a" * 32)
    spec = WatermarkSpec(vocab_size=VOCAB, scheme=scheme)
    detector = Detector(spec, [key])
    phrase = strongest_phrase(spec, key, length=12, seed=1)
    results = detector.detect_tokens_many([np.tile(phrase, 40), np.tile(phrase, 40)], spans=True)
    for result in results:
        assert result.num_scored_tokens <= len(phrase)
        assert result.decision == "insufficient_evidence" and not result.spans


@pytest.mark.parametrize("scheme", scheme_names(imported=False))
def test_repeating_a_phrase_fifty_times_adds_no_evidence(scheme):
    # 20 random phrases, each tested twice at alpha 1e-6: a false failure has probability below 4e-5
    key = WatermarkKey.from_hex("a5" * 32)
    detector = Detector(WatermarkSpec(vocab_size=VOCAB, scheme=scheme), [key])
    rng = np.random.default_rng(7)
    phrases = [rng.integers(0, VOCAB, 24) for _ in range(20)]
    twice = detector.detect_tokens_many([np.tile(phrase, 2) for phrase in phrases])  # every pair of the cycle
    fifty = detector.detect_tokens_many([np.tile(phrase, 50) for phrase in phrases])
    for short, long in zip(twice, fifty, strict=True):
        assert (long.num_scored_tokens, long.p_value) == (short.num_scored_tokens, short.p_value)
        assert long.decision != "watermarked"
