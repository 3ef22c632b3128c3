"""False positives on human text (authors never seen in training) for every native scheme.

2,000 pieces of 200 tokens, scored by the one scoring rule (``score_documents``), twice per
scheme: with a fresh random key per piece (the null over keys) and with one fixed key for all
pieces (what a tenant lives with). Each time the count of p < 0.01 must lie inside its 99.9%
binomial band around the exact rejection mass (a calibrated test leaves it with probability
1e-3) and no piece may reach p < 1e-6 (probability <= 2,000 x 1e-6 = 0.002). Keys and seeds
are fixed, so each case is deterministic; for a random choice of them a calibrated scheme
fails a case with probability about 0.003.
"""

import numpy as np
import pytest

from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
from greenmark.watermark.token_scores import score_documents
from tests.conftest import chunks
from tests.watermark.calibration import band, rejection_rate

PIECES = 2000
LENGTH = 200
SCHEMES = [("lefthash", 1), ("selfhash", 4), ("gumbel", None), ("tournament", None)]


def assert_calibrated(p_values: np.ndarray, scored: np.ndarray, null) -> None:
    low, high = band(len(p_values), rejection_rate(null, scored, 0.01))
    assert low <= (p_values < 0.01).sum() <= high
    assert p_values.min() >= 1e-6


def special_mask(tokenizer):
    mask = np.zeros(tokenizer.vocab_size, dtype=bool)
    mask[sorted(tokenizer.special_ids)] = True
    return mask


@pytest.mark.slow
@pytest.mark.parametrize(("scheme", "width"), SCHEMES)
def test_fresh_key_per_piece_is_calibrated(human_token_stream, scheme, width):
    tokenizer = default_tokenizer()
    watermark = WatermarkSpec.for_tokenizer(tokenizer, scheme=scheme, context_width=width).watermark_scheme
    special = special_mask(tokenizer)
    rng = np.random.default_rng(20261202)
    tables = [
        score_documents(watermark, watermark.key_material(WatermarkKey(rng.bytes(32))), [piece], is_special=special)
        for piece in chunks(human_token_stream, LENGTH, PIECES)
    ]
    p_values = np.array([table.test().p_value[0] for table in tables])
    scored = np.array([table.num_scored_tokens[0] for table in tables])
    assert_calibrated(p_values, scored, watermark.null)


@pytest.mark.slow
@pytest.mark.parametrize(("scheme", "width"), SCHEMES)
def test_one_fixed_key_is_calibrated(human_token_stream, scheme, width):
    tokenizer = default_tokenizer()
    watermark = WatermarkSpec.for_tokenizer(tokenizer, scheme=scheme, context_width=width).watermark_scheme
    material = watermark.key_material(WatermarkKey(bytes(range(40, 72))))
    table = score_documents(
        watermark, material, chunks(human_token_stream, LENGTH, PIECES), is_special=special_mask(tokenizer)
    )
    assert_calibrated(table.test().p_value, table.num_scored_tokens, watermark.null)
