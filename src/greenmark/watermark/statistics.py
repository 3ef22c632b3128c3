"""The one-sided binomial test of green counts, vectorised over many counts.

Under H0 (text written without the key) the green count of T distinct PRF inputs is
Binomial(T, gamma). ``binomial_test`` returns the exact upper tail P[X >= green] and the
z-score (green - gamma T) / sqrt(T gamma (1 - gamma)).

>>> result = binomial_test(green=[50], total=[100], gamma=0.25)
>>> round(float(result.z_score[0]), 6)
5.773503
>>> bool(result.p_value[0] < 1e-7)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import bdtrc


@dataclass(frozen=True)
class BinomialTestResult:
    """Arrays of the same shape: exact upper-tail p-value and z-score per (green, total)."""

    p_value: np.ndarray
    z_score: np.ndarray


def binomial_test(green, total, gamma: float) -> BinomialTestResult:
    """Exact one-sided test of ``green`` successes in ``total`` trials against rate ``gamma``.

    A zero total gives p = 1 and z = 0.
    """
    green = np.asarray(green, dtype=np.int64)
    total = np.asarray(total, dtype=np.int64)
    # bdtrc(k, n, p) = P[X > k] is the ufunc behind scipy.stats.binom.sf, without its per-call overhead
    p_value = np.where(green > 0, bdtrc(np.maximum(green - 1, 0), total, gamma), 1.0)
    spread = np.sqrt(np.maximum(total, 1) * gamma * (1 - gamma))
    z_score = np.where(total > 0, (green - gamma * total) / spread, 0.0)
    return BinomialTestResult(np.minimum(p_value, 1.0), z_score)
