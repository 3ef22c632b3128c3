"""The scoring table is the same whether the scheme scores a document's pairs in one call or in many small ones."""

from __future__ import annotations

import numpy as np
import pytest

from greenmark.watermark import WatermarkKey, WatermarkSpec
from greenmark.watermark import token_scores as token_scores_module
from greenmark.watermark.token_scores import score_documents

TABLE_FIELDS = ("eligible", "scored", "dedup_key", "statistic", "lengths")


def tables(scheme_name: str):
    spec = WatermarkSpec(vocab_size=300, scheme=scheme_name)
    scheme = spec.watermark_scheme
    material = scheme.key_material(WatermarkKey.from_hex("5a" * 32))
    rng = np.random.default_rng(1)
    # repeats (dedup), an empty document, prompts, and special tokens (0 and 1) inside windows
    documents = [rng.integers(0, 40, size) for size in (500, 0, 3, 1200, 64)]
    is_special = np.zeros(spec.vocab_size, dtype=bool)
    is_special[[0, 1]] = True
    return score_documents(scheme, material, documents, prompt_lengths=[5, 0, 1, 30, 0], is_special=is_special)


@pytest.mark.parametrize("scheme_name", ["lefthash", "selfhash"])
def test_scoring_in_small_calls_gives_the_same_table(monkeypatch, scheme_name):
    whole = tables(scheme_name)
    monkeypatch.setattr(token_scores_module, "PAIRS_PER_CALL", 7)
    pieces = tables(scheme_name)
    for name in TABLE_FIELDS:
        assert np.array_equal(getattr(whole, name), getattr(pieces, name)), name
    assert whole.num_scored_tokens.tolist() == pieces.num_scored_tokens.tolist()
    assert whole.scored.sum() < whole.eligible.sum()  # the repeats were deduplicated
