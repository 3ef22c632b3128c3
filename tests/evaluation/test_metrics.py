"""Each metric on inputs with known answers."""

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from greenmark.evaluation import metrics
from greenmark.evaluation.scoring import GreenmarkScheme
from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec
from greenmark.watermark.null_distributions import BinomialNull
from greenmark.watermark.token_scores import TokenScores


def test_tpr_at_fpr_counts_p_values_strictly_below_alpha():
    assert metrics.tpr_at_fpr([1e-7, 1e-5, 1e-4, 0.5], 1e-4) == 0.5
    assert math.isnan(metrics.tpr_at_fpr([], 1e-4))


@pytest.mark.parametrize(("count", "trials"), [(0, 2000), (3, 2000), (50, 100), (100, 100)])
def test_empirical_rate_is_clopper_pearson(count, trials):
    estimate = metrics.empirical_rate(count, trials)
    expected = binomtest(count, trials).proportion_ci(confidence_level=0.95, method="exact")
    assert (estimate.low, estimate.high) == pytest.approx((expected.low, expected.high))
    assert estimate.rate == count / trials
    # known closed form at zero events: 1 - (alpha/2) ** (1/n)
    if count == 0:
        assert estimate.high == pytest.approx(1 - 0.025 ** (1 / trials))


def test_auc_of_separable_scores_is_one_and_of_reversed_is_zero():
    assert metrics.roc_auc([5, 6, 7], [1, 2, 3]) == 1.0
    assert metrics.roc_auc([1, 2, 3], [5, 6, 7]) == 0.0


def test_auc_counts_ties_as_half_and_matches_pairwise_counting():
    rng = np.random.default_rng(0)
    positive, negative = rng.integers(0, 5, 50), rng.integers(0, 5, 40)
    pairs = (positive[:, None] > negative[None, :]) + 0.5 * (positive[:, None] == negative[None, :])
    assert metrics.roc_auc(positive, negative) == pytest.approx(pairs.mean())


def test_roc_curve_is_monotone_and_its_area_is_the_auc():
    rng = np.random.default_rng(1)
    positive, negative = rng.normal(1, 1, 200), rng.normal(0, 1, 300)
    fpr, tpr = metrics.roc_curve(positive, negative)
    assert (np.diff(fpr) >= 0).all() and (np.diff(tpr) >= 0).all()
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0, 0, 1, 1)
    assert np.trapezoid(tpr, fpr) == pytest.approx(metrics.roc_auc(positive, negative))


def test_detection_score_orders_smaller_p_values_higher_and_survives_zero():
    scores = metrics.detection_score([0.0, 1e-10, 0.5])
    assert scores[0] > scores[1] > scores[2] and np.isfinite(scores).all()


def test_tokens_to_detect_on_a_constructed_sequence():
    # gamma 1/2, all green: the p-value after t scored tokens is 2**-t
    null = BinomialNull(0.5)
    all_green = TokenScores.of_statistics(np.ones(30), null)
    assert metrics.tokens_to_detect(all_green, 0.02) == 6  # 2**-6 = 0.0156
    assert metrics.tokens_to_detect(all_green, 1e-6) == 20  # 2**-20 = 9.5e-7
    # unscored tokens still count as observed
    scored = np.ones(30, dtype=bool)
    scored[:5] = False
    assert metrics.tokens_to_detect(TokenScores.of_statistics(np.ones(30), null, scored=scored), 0.02) == 11
    assert metrics.tokens_to_detect(TokenScores.of_statistics(np.zeros(30), null), 0.02) is None


def test_prefix_statistics_end_at_the_detectors_whole_text_answer():
    spec = WatermarkSpec(vocab_size=500)
    detector = Detector(spec, [WatermarkKey(bytes(32))])
    ids = np.random.default_rng(2).integers(0, 500, 300)
    result = detector.detect_tokens(ids)
    prefix = metrics.prefix_statistics(GreenmarkScheme(spec, WatermarkKey(bytes(32))).token_scores(ids))
    assert prefix.num_scored[-1] == result.num_scored_tokens
    assert prefix.p_value[-1] == pytest.approx(result.p_value)
    assert prefix.z_score[-1] == pytest.approx(result.z_score)


def test_median_tokens_to_detect_counts_never_as_infinite():
    assert metrics.median_tokens_to_detect([5, 7, 9]) == 7
    assert metrics.median_tokens_to_detect([5, None, None]) == math.inf


def test_span_iou_known_answers():
    assert metrics.span_iou([(0, 100)], [(0, 100)]) == 1.0
    assert metrics.span_iou([(0, 50)], [(50, 100)]) == 0.0
    assert metrics.span_iou([(0, 50), (60, 100)], [(0, 100)]) == 0.9
    assert metrics.span_iou([(10, 30), (20, 40)], [(10, 40)]) == 1.0  # overlapping predictions are merged
