"""greenmark's vLLM schemes against vLLM 0.32's own code: the same uniforms, scores and p-values.

* Uniforms: 12 keys x widths {1, 4, 5, 9} x 2,500 random (context, token) pairs (120,000 in
  all, -1 start padding included) equal ``PhiloxPRF(key).uniform`` bit for bit.
* p-values: on the same ids, ``vllm-gumbel`` equals ``GumbelWatermarkDetector`` within 1e-9
  relative (score and number of scored contexts too), and ``vllm-dual-key-gumbel`` equals
  ``DualKeyGumbelWatermarkDetector`` where vLLM's null is exact (alpha 0, 1/2, 1). At other
  alphas the scores are equal and greenmark's exact tail replaces vLLM's moment-matched Gamma.
Everything is deterministic (fixed seeds).
"""

import numpy as np
import pytest
import torch
from vllm.v1.watermarking import DualKeyGumbelWatermarkDetector, GumbelWatermarkDetector, PhiloxPRF

from greenmark.watermark import Detector, WatermarkSpec, philox
from greenmark.watermark.imported_key import ImportedKey

KEYS = [0, 1, 42, 2**32 - 1, 2**32, 2**63, 2**64 - 1] + [int(k) for k in np.random.default_rng(7).integers(0, 2**63, 5)]
WIDTHS = [1, 4, 5, 9]
PAIRS_PER_CASE = 2500
VOCAB = 8192


def random_pairs(rng, width, count):
    contexts = rng.integers(0, 200_000, size=(count, width))
    padded = rng.integers(0, width + 1, size=count)  # how many leading slots are before the start
    contexts[np.arange(width) < padded[:, None]] = -1
    return contexts, rng.integers(0, 200_000, size=count)


@pytest.mark.parametrize("width", WIDTHS)
def test_uniforms_equal_vllm_philox_prf(width):
    rng = np.random.default_rng(width)
    compared = 0
    for key in KEYS:
        contexts, tokens = random_pairs(rng, width, PAIRS_PER_CASE)
        reference = PhiloxPRF(key).uniform(torch.from_numpy(contexts), torch.from_numpy(tokens).unsqueeze(-1))
        ours = philox.uniforms(key, contexts, tokens)
        assert ours.view(np.uint32).tolist() == reference.squeeze(-1).numpy().view(np.uint32).tolist()
        compared += len(tokens)
    assert compared >= 10_000


def documents(rng):
    """Token-id sequences: short, long, and from a small alphabet (many repeated contexts)."""
    return [rng.integers(0, VOCAB, size=n) for n in (1, 3, 17, 400, 3000)] + [
        rng.integers(0, alphabet, size=600) for alphabet in (2, 8, 40)
    ]


def greenmark_scores(scheme, secret, width, ids, **parameters):
    spec = WatermarkSpec(vocab_size=VOCAB, scheme=scheme, context_width=width, parameters=parameters)
    table = Detector(spec, [ImportedKey.create(str(secret))]).score_tokens([ids])[0]
    return table.statistic_totals[0], int(table.num_scored_tokens[0]), table.test().p_value[0]


@pytest.mark.parametrize("width", [1, 4, 6])
@pytest.mark.parametrize("secret", [42, 2**64 - 1])
def test_gumbel_p_values_equal_vllm_detector(width, secret):
    reference = GumbelWatermarkDetector(secret, width)
    for ids in documents(np.random.default_rng(width)):
        expected = reference.detect(ids.tolist())
        score, scored, p_value = greenmark_scores("vllm-gumbel", secret, width, ids)
        assert scored == expected.num_scored_tokens
        assert score == pytest.approx(expected.score, rel=1e-12)
        assert p_value == pytest.approx(expected.p_value, rel=1e-9)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
def test_dual_key_p_values_equal_vllm_detector_where_its_null_is_exact(alpha):
    reference = DualKeyGumbelWatermarkDetector(42, 4, alpha=alpha)
    for ids in documents(np.random.default_rng(3)):
        expected = reference.detect(ids.tolist())
        score, scored, p_value = greenmark_scores("vllm-dual-key-gumbel", 42, 4, ids, alpha=alpha)
        assert scored == expected.num_scored_tokens
        assert score == pytest.approx(expected.score, rel=1e-12)
        assert p_value == pytest.approx(expected.p_value, rel=1e-9)


def test_dual_key_scores_equal_vllm_detector_at_the_default_alpha():
    reference = DualKeyGumbelWatermarkDetector(42, 4)
    for ids in documents(np.random.default_rng(4)):
        expected = reference.detect(ids.tolist())
        score, scored, _ = greenmark_scores("vllm-dual-key-gumbel", 42, 4, ids, alpha=0.1)
        assert (score, scored) == (pytest.approx(expected.score, rel=1e-12), expected.num_scored_tokens)
