"""vLLM's native watermarks as imported schemes: what is scored, with which context, under which null."""

import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import gammaincc

from greenmark.watermark import Detector, InvalidKeyError, InvalidSpecError, WatermarkSpec, philox
from greenmark.watermark.imported_key import ImportedKey
from greenmark.watermark.null_distributions import GammaNull, WeightedGammaNull
from greenmark.watermark.schemes.vllm_gumbel import derived_key
from tests.watermark.test_repetition import strongest_phrase

VOCAB = 8192


def scores_of(ids, scheme="vllm-gumbel", secret="42", prompt_length=0, special=(), **spec):
    detector = Detector(
        WatermarkSpec(vocab_size=VOCAB, scheme=scheme, **spec), [ImportedKey.create(secret)], special_token_ids=special
    )
    return detector.score_tokens([ids], [prompt_length])[0]


def test_every_completion_token_is_scored_with_minus_one_before_the_start():
    ids = np.array([11, 12, 13, 14, 15, 16])
    table = scores_of(ids)
    assert table.scored.all()
    padded = np.concatenate([[-1] * 4, ids])
    contexts = np.stack([padded[i : i + 4] for i in range(len(ids))])
    expected = -np.log1p(-philox.uniforms(42, contexts, ids).astype(np.float64))
    assert table.statistic.tolist() == expected.tolist()


def test_prompt_tokens_are_never_context():
    completion = [21, 22, 23, 24, 25]
    alone = scores_of(np.array(completion))
    after_prompt = scores_of(np.array([1, 2, 3, *completion]), prompt_length=3)
    assert after_prompt.statistic[3:].tolist() == alone.statistic.tolist()
    assert after_prompt.scored.tolist() == [False] * 3 + [True] * 5


def test_a_special_token_in_the_prompt_leaves_the_completion_scored():
    table = scores_of(np.array([1, 0, 21, 22, 23]), prompt_length=2, special=[0])
    assert table.scored.tolist() == [False, False, True, True, True]


def test_a_special_token_in_the_completion_unscores_its_window():
    table = scores_of(np.array([21, 22, 0, 23, 24, 25, 26, 27]), special=[0])
    assert table.scored.tolist() == [True, True, False, False, False, False, False, True]


def test_a_repeated_context_is_scored_once():
    table = scores_of(np.array([5, 6, 7, 8, 9, 5, 6, 7, 8, 3]))
    assert table.scored.tolist() == [True] * 9 + [False]


def test_dual_key_score_weights_the_two_derived_keys():
    ids = np.array([31, 32, 33, 34, 35])
    single = [scores_of(ids, secret=str(derived_key(42, label))).statistic for label in (b"key_a", b"key_b")]
    dual = scores_of(ids, scheme="vllm-dual-key-gumbel", parameters={"alpha": 0.25}).statistic
    np.testing.assert_allclose(dual, 0.75 * single[0] + 0.25 * single[1], rtol=1e-15)


def exact_weighted_tail(total, count, weight):
    """P[(1 - w) X + w Y >= total], X, Y ~ Gamma(count, 1): one numerical integral over Y."""
    big, small = 1 - weight, weight

    def integrand(y):
        return stats.gamma.pdf(y, count) * gammaincc(count, max(total - small * y, 0.0) / big)

    value, _ = integrate.quad(integrand, 0, total / small, epsabs=0, epsrel=1e-12, limit=500)
    return value + stats.gamma.sf(total / small, count)


@pytest.mark.parametrize(("total", "count"), [(5.0, 3), (60.0, 40), (300.0, 200), (1500.0, 1000)])
def test_weighted_gamma_tail_equals_the_integral(total, count):
    tail = WeightedGammaNull(0.1).tail(np.array([total]), np.array([count]))[0]
    assert tail == pytest.approx(exact_weighted_tail(total, count, 0.1), rel=1e-8)


def test_weighted_gamma_tail_at_the_symmetric_and_degenerate_weights():
    totals, counts = np.array([3.0, 50.0, 130.0]), np.array([4, 40, 100])
    np.testing.assert_allclose(WeightedGammaNull(0.5).tail(totals, counts), gammaincc(2 * counts, 2 * totals))
    assert WeightedGammaNull(1.0).tail(totals, counts).tolist() == GammaNull().tail(totals, counts).tolist()


def test_moment_matched_gamma_understates_the_far_tail():
    """vLLM's dual-key p-value, Gamma(n / v, v) with v = (1 - a)**2 + a**2, is below the exact tail."""
    weight, total, count = 0.1, 300.0, 100
    variance = (1 - weight) ** 2 + weight**2
    exact = WeightedGammaNull(weight).tail(np.array([total]), np.array([count]))[0]
    assert gammaincc(count / variance, total / variance) < exact / 10


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"context_width": 0}, "context_width"),
        ({"scheme": "vllm-dual-key-gumbel", "parameters": {"alpha": 1.5}}, "alpha"),
        ({"gamma": 0.25}, "gamma"),
    ],
)
def test_bad_parameters_are_refused(fields, message):
    with pytest.raises(InvalidSpecError, match=message):
        WatermarkSpec(vocab_size=VOCAB, **{"scheme": "vllm-gumbel", **fields})


@pytest.mark.parametrize("secret", ["-1", str(2**64), "0x2a", ""])
def test_secrets_outside_unsigned_64_bits_are_refused(secret):
    with pytest.raises(InvalidKeyError):
        WatermarkSpec(vocab_size=VOCAB, scheme="vllm-gumbel").watermark_scheme.canonical_secret(secret)


def test_the_null_has_mean_one():
    assert WeightedGammaNull(0.1).mean == GammaNull().mean == 1.0
    assert WeightedGammaNull(0.1).sd == pytest.approx(math.sqrt(0.82))


@pytest.mark.parametrize("scheme", ["vllm-gumbel", "vllm-dual-key-gumbel"])
def test_a_strongly_watermarked_phrase_repeated_forty_times_weighs_what_it_weighs_twice(scheme):
    spec = WatermarkSpec(vocab_size=VOCAB, scheme=scheme)
    key = ImportedKey.create("42")
    phrase = strongest_phrase(spec, key, length=12, seed=1)
    twice, forty = Detector(spec, [key]).detect_tokens_many([np.tile(phrase, 2), np.tile(phrase, 40)])
    assert (forty.num_scored_tokens, forty.p_value) == (twice.num_scored_tokens, twice.p_value)
    assert forty.num_scored_tokens <= len(phrase) + spec.context_width  # the copy's first contexts are new
