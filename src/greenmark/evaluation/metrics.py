"""Detection metrics: TPR at a false-positive rate, empirical FPR with exact intervals, ROC AUC,
tokens-to-detect, and span IoU.

Thresholds come from the exact null: under H0 the detector's p-value is a valid (binomial
tail) p-value, so flagging ``p < alpha`` has a false-positive rate of at most ``alpha`` and
the TPR at FPR ``alpha`` is the share of watermarked texts with ``p < alpha``.

>>> tpr_at_fpr([1e-9, 1e-3, 0.5], 1e-2)
0.6666666666666666
>>> roc_auc([3.0, 4.0], [1.0, 2.0])
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest, mannwhitneyu

from greenmark.watermark.token_scores import TokenScores


def tpr_at_fpr(p_values, alpha: float) -> float:
    """Share of (watermarked) texts whose p-value is below ``alpha``."""
    p_values = np.asarray(p_values, dtype=np.float64)
    return float(np.mean(p_values < alpha)) if p_values.size else float("nan")


@dataclass(frozen=True)
class RateEstimate:
    """``count`` events in ``trials``, the rate, and its exact (Clopper-Pearson) confidence interval."""

    count: int
    trials: int
    rate: float
    low: float
    high: float


def empirical_rate(count: int, trials: int, confidence: float = 0.95) -> RateEstimate:
    """The observed rate ``count / trials`` with its Clopper-Pearson interval (no trials: NaN in [0, 1]).

    >>> estimate = empirical_rate(0, 1000)
    >>> estimate.rate, round(estimate.high, 5)
    (0.0, 0.00368)
    """
    if trials == 0:
        return RateEstimate(0, 0, float("nan"), 0.0, 1.0)
    interval = binomtest(int(count), int(trials)).proportion_ci(confidence_level=confidence, method="exact")
    return RateEstimate(int(count), int(trials), count / trials, float(interval.low), float(interval.high))


def roc_auc(positive_scores, negative_scores) -> float:
    """Probability that a random positive outscores a random negative (ties count one half).

    >>> roc_auc([1.0], [1.0])
    0.5
    """
    positive = np.asarray(positive_scores, dtype=np.float64)
    negative = np.asarray(negative_scores, dtype=np.float64)
    statistic = mannwhitneyu(positive, negative, alternative="greater").statistic
    return float(statistic / (len(positive) * len(negative)))


def roc_curve(positive_scores, negative_scores) -> tuple[np.ndarray, np.ndarray]:
    """``(fpr, tpr)`` at every threshold, from (0, 0) to (1, 1); higher scores mean "watermarked".

    >>> [a.tolist() for a in roc_curve([2.0], [1.0])]
    [[0.0, 0.0, 1.0], [0.0, 1.0, 1.0]]
    """
    positive = np.asarray(positive_scores, dtype=np.float64)
    negative = np.asarray(negative_scores, dtype=np.float64)
    thresholds = np.unique(np.concatenate([positive, negative]))[::-1]
    tpr = (positive[None, :] >= thresholds[:, None]).mean(axis=1)
    fpr = (negative[None, :] >= thresholds[:, None]).mean(axis=1)
    return np.concatenate([[0.0], fpr]), np.concatenate([[0.0], tpr])


def detection_score(p_values) -> np.ndarray:
    """``-log10 p`` (p floored at 1e-300): the score ROC curves rank texts by."""
    return -np.log10(np.maximum(np.asarray(p_values, dtype=np.float64), 1e-300))


@dataclass(frozen=True)
class PrefixStatistics:
    """After each of the first ``t`` tokens (``t = 1..n``): scored and green counts, z-score and exact p-value."""

    num_scored: np.ndarray
    num_green: np.ndarray
    z_score: np.ndarray
    p_value: np.ndarray


def prefix_statistics(scores: TokenScores) -> PrefixStatistics:
    """The detector's test on every prefix of one document, from its scoring table.

    >>> from greenmark.watermark.null_distributions import BinomialNull
    >>> table = TokenScores.of_statistics([0.0, 1.0, 0.0], BinomialNull(0.5), scored=[False, True, True])
    >>> prefix_statistics(table).num_green.tolist()
    [0, 1, 1]
    """
    test = scores.prefix_test()
    return PrefixStatistics(
        np.cumsum(scores.scored), np.cumsum(scores.scored & scores.green), test.z_score, test.p_value
    )


def tokens_to_detect(scores: TokenScores, alpha: float) -> int | None:
    """The fewest tokens (counted from the start, scored or not) whose prefix reaches ``p < alpha``;
    ``None`` when the whole text does not.

    >>> from greenmark.watermark.null_distributions import BinomialNull
    >>> tokens_to_detect(TokenScores.of_statistics([1.0] * 10, BinomialNull(0.5)), 0.01)  # 0.5 ** 7 < 0.01
    7
    """
    reached = np.flatnonzero(scores.prefix_test().p_value < alpha)
    return int(reached[0]) + 1 if reached.size else None


def p_value_at_scored_length(prefix: PrefixStatistics, length: int) -> float | None:
    """The p-value of the shortest prefix holding ``length`` scored tokens: the text cut to a length
    bucket; ``None`` when the whole text has fewer.

    >>> from greenmark.watermark.null_distributions import BinomialNull
    >>> table = TokenScores.of_statistics([1.0, 0.0, 1.0, 0.0], BinomialNull(0.5), scored=[True, False, True, True])
    >>> prefix = prefix_statistics(table)
    >>> p_value_at_scored_length(prefix, 2), p_value_at_scored_length(prefix, 4)
    (0.25, None)
    """
    reached = np.flatnonzero(prefix.num_scored >= length)
    return float(prefix.p_value[reached[0]]) if reached.size else None


def detection_by_length(prefixes: list[PrefixStatistics], lengths, alphas) -> dict[int, dict[float, RateEstimate]]:
    """Per length bucket and threshold: the share of texts detected at ``p < alpha`` when cut to their
    first ``length`` scored tokens, with its Clopper-Pearson interval; texts shorter than the bucket
    are left out of it (its ``trials`` says how many remain).

    >>> from greenmark.watermark.null_distributions import BinomialNull
    >>> long, short = (prefix_statistics(TokenScores.of_statistics([1.0] * n, BinomialNull(0.5))) for n in (8, 3))
    >>> rates = detection_by_length([long, short], [2, 8], [0.01])
    >>> rates[2][0.01].trials, rates[8][0.01].count, rates[8][0.01].trials
    (2, 1, 1)
    """
    table = {}
    for length in lengths:
        cut = [p for p in (p_value_at_scored_length(prefix, length) for prefix in prefixes) if p is not None]
        table[length] = {alpha: empirical_rate(sum(p < alpha for p in cut), len(cut)) for alpha in alphas}
    return table


def median_tokens_to_detect(counts: list[int | None]) -> float:
    """Median over texts, a text never detected counting as infinitely many tokens.

    >>> median_tokens_to_detect([10, 20, None])
    20.0
    >>> median_tokens_to_detect([10, None, None])
    inf
    """
    values = np.array([np.inf if count is None else count for count in counts], dtype=np.float64)
    return float(np.median(values)) if values.size else float("nan")


def span_iou(predicted, truth) -> float:
    """Intersection over union of two sets of ``[start, end)`` token spans (each set's union is taken first).

    >>> span_iou([(0, 10)], [(5, 15)])
    0.3333333333333333
    >>> span_iou([], [(0, 4)])
    0.0
    """
    ends = [end for _, end in (*predicted, *truth)]
    if not ends:
        return float("nan")
    length = max(ends)
    predicted_mask, truth_mask = np.zeros(length, dtype=bool), np.zeros(length, dtype=bool)
    for start, end in predicted:
        predicted_mask[start:end] = True
    for start, end in truth:
        truth_mask[start:end] = True
    union = (predicted_mask | truth_mask).sum()
    return float((predicted_mask & truth_mask).sum() / union) if union else float("nan")
