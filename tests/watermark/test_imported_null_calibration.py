"""False positives on human text (authors never seen in training) for transformers' watermarks.

Pieces of 200 tokens of the human-dev books, scored by the one scoring rule:

* with a fresh random key per piece (the null over keys, which the exact test promises): the
  count of p < 0.01 must lie inside its 99.9% binomial band around the exact rejection mass
  (a calibrated test leaves it with probability 1e-3), and no piece may reach p < 1e-6
  (probability at most pieces x 1e-6 <= 0.002);
* with one fixed key for all pieces (what a tenant holding that key lives with): no piece may
  reach p < 1e-6, and the share of p < 0.01 stays below 2.5% (2.5x nominal). Under one key a
  pair recurring across pieces keeps its green bit or g-values, so the pieces' tests move
  together and the realised rate scatters around the nominal one: measured here, 0.05% and
  1.65% for two KGW lefthash keys at gamma 0.5 (context of one token), 1.85% and 1.2% for two
  SynthID key lists (n-grams of 5), against about 0.8% expected.

Keys and seeds are fixed, so each case is deterministic; for a random choice of them a
calibrated scheme fails a fresh-key case with probability about 0.003.
"""

import numpy as np
import pytest

from greenmark.watermark import ImportedKey, WatermarkSpec, default_tokenizer
from greenmark.watermark.token_scores import score_documents
from tests.conftest import chunks
from tests.watermark.test_scheme_null_calibration import assert_calibrated, special_mask

LENGTH = 200
SYNTHID_KEYS = "654,400,836,123,340,443,597,160,57,29,590,639,13,715,468,990,966,226,324,585"

# name -> (spec fields, a fixed secret, pieces, a fresh secret from a random generator)
CASES = {
    "kgw-lefthash": (
        {"scheme": "transformers-kgw", "gamma": 0.5},
        "987654321",
        200,  # a fresh key draws a fresh green list per context: fewer pieces
        lambda rng: str(int(rng.integers(1, 2**62))),
    ),
    "kgw-default-key": ({"scheme": "transformers-kgw"}, "15485863", 2000, None),
    "kgw-selfhash": (
        {"scheme": "transformers-kgw", "context_width": 4, "parameters": {"seeding_scheme": "selfhash"}},
        "123456789",
        200,  # selfhash replays one permutation walk per pair
        lambda rng: str(int(rng.integers(1, 2**62))),
    ),
    "synthid": (
        {"scheme": "transformers-synthid", "parameters": {"depth": 20}},
        SYNTHID_KEYS,
        2000,
        lambda rng: ",".join(str(k) for k in rng.integers(0, 2**40, 20)),
    ),
    "synthid-ngram-3": (
        {"scheme": "transformers-synthid", "parameters": {"depth": 20, "ngram_len": 3}},
        SYNTHID_KEYS,
        2000,
        lambda rng: ",".join(str(k) for k in rng.integers(0, 2**40, 20)),
    ),
}


def scheme_of(name: str):
    return WatermarkSpec.for_tokenizer(default_tokenizer(), **CASES[name][0]).watermark_scheme


def key_for(scheme, secret: str) -> ImportedKey:
    return ImportedKey.create(scheme.canonical_secret(secret))


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name, case in CASES.items() if case[3] is not None])
def test_a_fresh_imported_key_per_piece_is_calibrated_on_human_text(human_token_stream, name):
    _, _, pieces, fresh_secret = CASES[name]
    scheme, special = scheme_of(name), special_mask(default_tokenizer())
    rng = np.random.default_rng(20261202)
    tables = [
        score_documents(scheme, scheme.key_material(key_for(scheme, fresh_secret(rng))), [piece], is_special=special)
        for piece in chunks(human_token_stream, LENGTH, pieces)
    ]
    p_values = np.array([table.test().p_value[0] for table in tables])
    scored = np.array([table.num_scored_tokens[0] for table in tables])
    assert_calibrated(p_values, scored, scheme.null)
    assert np.median(scored) > 150  # the test saw real pieces, not empty ones


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_one_fixed_imported_key_never_accuses_human_text(human_token_stream, name):
    _, secret, pieces, _ = CASES[name]
    scheme = scheme_of(name)
    table = score_documents(
        scheme,
        scheme.key_material(key_for(scheme, secret)),
        chunks(human_token_stream, LENGTH, pieces),
        is_special=special_mask(default_tokenizer()),
    )
    p_values = table.test().p_value
    assert p_values.min() >= 1e-6
    assert (p_values < 0.01).mean() < 0.025
