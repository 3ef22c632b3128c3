"""False positives on human text (authors never seen in training) under vLLM's native watermarks.

As ``test_scheme_null_calibration.py`` does for the native schemes: 2,000 pieces of 200 tokens
of human-dev text, each scored as a completion (vLLM's -1 start padding) by the one scoring
rule, with a fresh random 64-bit key per piece and with one fixed key for all. The count of
p < 0.01 must lie inside its 99.9% binomial band and no piece may reach p < 1e-6 (probability
<= 0.002). Keys and seeds are fixed, so each case is deterministic; for a random choice of them
a calibrated scheme fails a case with probability about 0.003.
"""

import numpy as np
import pytest

from greenmark.watermark import WatermarkSpec, default_tokenizer
from greenmark.watermark.token_scores import score_documents
from tests.conftest import chunks
from tests.watermark.test_scheme_null_calibration import LENGTH, PIECES, assert_calibrated, special_mask

SCHEMES = [("vllm-gumbel", {}), ("vllm-dual-key-gumbel", {"alpha": 0.1}), ("vllm-dual-key-gumbel", {"alpha": 0.5})]


def scheme_of(name, parameters):
    return WatermarkSpec.for_tokenizer(default_tokenizer(), scheme=name, parameters=parameters).watermark_scheme


@pytest.mark.slow
@pytest.mark.parametrize(("name", "parameters"), SCHEMES)
def test_fresh_key_per_piece_is_calibrated(human_token_stream, name, parameters):
    scheme = scheme_of(name, parameters)
    special = special_mask(default_tokenizer())
    rng = np.random.default_rng(20261203)
    secrets = [str(secret) for secret in rng.integers(0, 2**63, size=PIECES)]
    tables = [
        score_documents(scheme, scheme.material_from_secret(secret), [piece], is_special=special)
        for secret, piece in zip(secrets, chunks(human_token_stream, LENGTH, PIECES), strict=True)
    ]
    p_values = np.array([table.test().p_value[0] for table in tables])
    scored = np.array([table.num_scored_tokens[0] for table in tables])
    assert_calibrated(p_values, scored, scheme.null)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "parameters"), SCHEMES)
def test_one_fixed_key_is_calibrated(human_token_stream, name, parameters):
    scheme = scheme_of(name, parameters)
    table = score_documents(
        scheme,
        scheme.material_from_secret("42"),
        chunks(human_token_stream, LENGTH, PIECES),
        is_special=special_mask(default_tokenizer()),
    )
    assert_calibrated(table.test().p_value, table.num_scored_tokens, scheme.null)
