"""False positives on human text (authors never seen in training), one fresh random key per piece.

2,000 pieces of 200 tokens per scheme. Under H0 each piece's chance of p < 0.01 is at most 0.01
(exactly the binomial mass of the rejection region for its number of scored pairs, computed
below), so the count of such pieces lies inside its 99.9% binomial band with probability >= 0.999;
no piece may reach p < 1e-6 (probability <= 2,000 x 1e-6 = 0.002 per scheme).
"""

import numpy as np
import pytest
from scipy.stats import binom

from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec, default_tokenizer
from tests.conftest import chunks

PIECES = 2000
LENGTH = 200


def rejection_mass(total: int, gamma: float, level: float) -> float:
    """P[p-value < level] under H0 for ``total`` scored pairs (the discrete test is conservative)."""
    counts = np.arange(total + 1)
    p_values = binom.sf(counts - 1, total, gamma)
    return float(binom.pmf(counts, total, gamma)[p_values < level].sum())


@pytest.mark.parametrize(("scheme", "width"), [("lefthash", 1), ("lefthash", 4), ("selfhash", 4)])
def test_human_text_p_values_are_calibrated(human_token_stream, scheme, width):
    spec = WatermarkSpec.for_tokenizer(default_tokenizer(), scheme=scheme, context_width=width)
    rng = np.random.default_rng(20261128)
    results = [
        Detector(spec, [WatermarkKey(rng.bytes(32))]).detect_tokens(piece)
        for piece in chunks(human_token_stream, LENGTH, PIECES)
    ]
    raw = np.array([r.raw_p_value for r in results])
    expected_rate = np.mean([rejection_mass(r.num_scored_tokens, spec.gamma, 0.01) for r in results])
    low, high = binom.interval(0.999, PIECES, expected_rate)
    assert low <= (raw < 0.01).sum() <= high
    assert raw.min() >= 1e-6
    assert not any(r.decision == "watermarked" for r in results)


def test_windowed_detection_keeps_its_false_positive_rate(human_token_stream):
    # 600-token human documents, spans searched: the corrected p-value is conservative, so at most
    # 1% fall below 0.01; more than 14 of 500 has probability < 1e-3 even at exactly 1%.
    spec = WatermarkSpec.for_tokenizer(default_tokenizer())
    rng = np.random.default_rng(4)
    results = [
        Detector(spec, [WatermarkKey(rng.bytes(32))]).detect_tokens(piece, spans=True)
        for piece in chunks(human_token_stream, 600, 500)
    ]
    assert sum(r.p_value < 0.01 for r in results) <= 14
    assert not any(r.decision == "watermarked" or r.spans for r in results)
    assert all(r.num_hypotheses > 50 for r in results)


def test_repeated_human_paragraph_is_never_flagged(human_token_stream):
    tokenizer = default_tokenizer()
    paragraph = tokenizer.decode(human_token_stream[5000:5080])
    rng = np.random.default_rng(6)
    for _ in range(20):
        detector = Detector(WatermarkSpec.for_tokenizer(tokenizer), [WatermarkKey(rng.bytes(32))], tokenizer=tokenizer)
        result = detector.detect(" ".join([paragraph] * 20))
        assert result.decision != "watermarked"
        assert result.num_scored_tokens < 120  # about one paragraph's worth of distinct pairs, not 20
