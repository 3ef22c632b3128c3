"""What a calibrated test's share of small p-values should be: the rejection mass under H0."""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from greenmark.watermark.null_distributions import BinomialNull, NullDistribution


def rejection_rate(null: NullDistribution, scored_counts: np.ndarray, level: float) -> float:
    """Mean over documents of P[p-value < level] under H0, given each document's scored tokens.

    A discrete (binomial) test is conservative, so this is below ``level``; the Gamma test of
    Gumbel sums is continuous (its floored uniforms make it at most ``level``).
    """
    if not isinstance(null, BinomialNull):
        return level
    masses = {}
    for count in np.unique(scored_counts):
        trials = int(count) * null.trials
        successes = np.arange(trials + 1)
        p_values = null.tail(successes.astype(np.float64), np.full(trials + 1, count))
        masses[count] = float(binom.pmf(successes, trials, null.p)[p_values < level].sum())
    return float(np.mean([masses[c] for c in scored_counts]))


def band(pieces: int, rate: float, confidence: float = 0.999) -> tuple[float, float]:
    """The ``confidence`` binomial band of the count of p < level among ``pieces`` independent documents."""
    return binom.interval(confidence, pieces, rate)
