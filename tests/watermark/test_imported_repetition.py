"""Repetition adds no evidence under transformers' watermarks either: each dedup key is scored once."""

import numpy as np
import pytest

from greenmark.watermark import Detector, ImportedKey, WatermarkSpec
from tests.watermark.test_repetition import VOCAB, strongest_phrase

SPECS = {
    "kgw-lefthash": (WatermarkSpec(vocab_size=VOCAB, scheme="transformers-kgw"), "42"),
    "kgw-selfhash": (
        WatermarkSpec(
            vocab_size=VOCAB, scheme="transformers-kgw", context_width=3, parameters={"seeding_scheme": "selfhash"}
        ),
        "43",
    ),
    "synthid": (WatermarkSpec(vocab_size=VOCAB, scheme="transformers-synthid", parameters={"depth": 4}), "1,2,3,4"),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_a_strongly_watermarked_phrase_repeated_forty_times_weighs_what_it_weighs_twice(name):
    spec, secret = SPECS[name]
    key = ImportedKey.create(spec.watermark_scheme.canonical_secret(secret))
    phrase = strongest_phrase(spec, key, length=12, seed=1)
    twice, forty = Detector(spec, [key]).detect_tokens_many([np.tile(phrase, 2), np.tile(phrase, 40)])
    assert forty.num_scored_tokens <= len(phrase)
    assert (forty.num_scored_tokens, forty.p_value) == (twice.num_scored_tokens, twice.p_value)
    assert forty.decision == "insufficient_evidence"
