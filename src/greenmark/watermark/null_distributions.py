"""Null distributions: what one scored token's statistic looks like in text written without the key.

A scheme's per-token statistic is, under H0, independent across distinct PRF inputs and
identically distributed; the document's evidence is its sum S over T scored tokens. Each
null gives the exact upper tail P[S_T >= s], the per-token mean and standard deviation
(one z-score formula for all), and the log-likelihood ratio of a watermarked alternative
that the span segmentation uses:

* ``BinomialNull(p, trials)``: each token contributes ``trials`` Bernoulli(p) bits, so
  S_T ~ Binomial(trials * T, p). KGW green bits (trials 1, p = gamma); a tournament's
  g-bits (trials m, p = 1/2).
* ``GammaNull()``: each token contributes an Exp(1) variate (Gumbel-max's ``-log(1 - r)``),
  so S_T ~ Gamma(T, 1) and P[S_T >= s] = ``scipy.special.gammaincc(T, s)``.
* ``WeightedGammaNull(weight)``: each token contributes ``(1 - weight) A + weight B`` for two
  independent Exp(1) variates (vLLM's dual-key Gumbel score); its exact tail is a negative
  binomial mixture of Gamma tails.

>>> test = BinomialNull(0.25).test(totals=[50], counts=[100])
>>> round(float(test.z_score[0]), 6), bool(test.p_value[0] < 1e-7)
(5.773503, True)
>>> round(float(GammaNull().test(totals=[10.0], counts=[10]).p_value[0]), 4)
0.4579
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from scipy.special import bdtrc, gammaincc, gammaln, nbdtrc

# The watermarked alternative of the span segmentation: its per-token mean is estimated from the
# stretch, then held inside [null mean + margin, cap] so that a few odd tokens cannot split a span.
ALTERNATIVE_MARGIN = 0.05
# near a rate of 1 a few red tokens (retokenised boundaries, repeats) would split a span
MAX_BINOMIAL_RATE = 0.9
MAX_EXPONENTIAL_MEAN = 8.0


@dataclass(frozen=True)
class NullTest:
    """Arrays of one shape: exact upper-tail p-value and z-score per (total, count)."""

    p_value: np.ndarray
    z_score: np.ndarray


class NullDistribution(ABC):
    """The H0 distribution of one scored token's statistic; sums over tokens have an exact tail."""

    mean: float  # per scored token
    sd: float  # per scored token

    @abstractmethod
    def tail(self, totals: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Exact P[S_count >= total] under H0, element-wise; 1 where ``count`` is 0."""

    @abstractmethod
    def log_likelihood_ratios(self, statistics: np.ndarray, watermarked_mean: float) -> np.ndarray:
        """Per token: log f1(x) / f0(x), f1 the alternative whose mean is ``watermarked_mean`` (clipped)."""

    def z_scores(self, totals, counts) -> np.ndarray:
        """``(total - mean * count) / (sd * sqrt(count))``, 0 where ``count`` is 0: the one z-score of greenmark.

        >>> BinomialNull(0.5).z_scores([6], [4]).tolist()
        [4.0]
        """
        totals = np.asarray(totals, dtype=np.float64)
        counts = np.asarray(counts, dtype=np.int64)
        spread = self.sd * np.sqrt(np.maximum(counts, 1))
        return np.where(counts > 0, (totals - self.mean * counts) / spread, 0.0)

    def test(self, totals, counts) -> NullTest:
        """Exact one-sided test of each document's statistic sum ``totals`` over ``counts`` scored tokens."""
        totals = np.asarray(totals, dtype=np.float64)
        counts = np.asarray(counts, dtype=np.int64)
        return NullTest(np.minimum(self.tail(totals, counts), 1.0), self.z_scores(totals, counts))


class BinomialNull(NullDistribution):
    """Each scored token adds ``trials`` independent Bernoulli(``p``) bits; its statistic is their count.

    >>> float(BinomialNull(0.5, trials=30).tail(np.array([15.0]), np.array([1]))[0]) > 0.5
    True
    """

    def __init__(self, p: float, trials: int = 1):
        if not 0 < p < 1 or trials < 1:
            raise ValueError("a binomial null needs 0 < p < 1 and at least one trial per token")
        self.p, self.trials = float(p), int(trials)
        self.mean = self.trials * self.p
        self.sd = math.sqrt(self.trials * self.p * (1 - self.p))

    def tail(self, totals, counts) -> np.ndarray:
        successes = np.rint(np.asarray(totals, dtype=np.float64)).astype(np.int64)
        trials = np.asarray(counts, dtype=np.int64) * self.trials
        # bdtrc(k, n, p) = P[X > k]: the ufunc behind scipy.stats.binom.sf, without its per-call overhead
        return np.where(successes > 0, bdtrc(np.maximum(successes - 1, 0), trials, self.p), 1.0)

    def log_likelihood_ratios(self, statistics, watermarked_mean: float) -> np.ndarray:
        rate = float(np.clip(watermarked_mean / self.trials, self.p + ALTERNATIVE_MARGIN, MAX_BINOMIAL_RATE))
        statistics = np.asarray(statistics, dtype=np.float64)
        return statistics * math.log(rate / self.p) + (self.trials - statistics) * math.log((1 - rate) / (1 - self.p))

    def __repr__(self) -> str:
        return f"BinomialNull(p={self.p}, trials={self.trials})"


class GammaNull(NullDistribution):
    """Each scored token adds an Exp(1) variate, so the sum over T tokens is Gamma(T, 1).

    >>> float(GammaNull().tail(np.array([0.0]), np.array([5]))[0])
    1.0
    """

    mean = 1.0
    sd = 1.0

    def tail(self, totals, counts) -> np.ndarray:
        totals = np.asarray(totals, dtype=np.float64)
        counts = np.asarray(counts, dtype=np.int64)
        # gammaincc(a, x) is the regularised upper incomplete gamma Q(a, x) = P[Gamma(a, 1) >= x]
        return np.where(counts > 0, gammaincc(np.maximum(counts, 1), np.maximum(totals, 0.0)), 1.0)

    def log_likelihood_ratios(self, statistics, watermarked_mean: float) -> np.ndarray:
        # the alternative: Exp with mean mu, log(f1 / f0)(x) = x (1 - 1 / mu) - log(mu)
        mu = float(np.clip(watermarked_mean, 1 + ALTERNATIVE_MARGIN, MAX_EXPONENTIAL_MEAN))
        return np.asarray(statistics, dtype=np.float64) * (1 - 1 / mu) - math.log(mu)

    def __repr__(self) -> str:
        return "GammaNull()"


class WeightedGammaNull(GammaNull):
    """Each scored token adds ``(1 - weight) A + weight B``, A and B independent Exp(1): an exact tail.

    With ``big``/``small`` the larger/smaller weight and ``c = small / big``, an Exp(1) variate is a
    Geometric(c) sum of Exp variates of mean c, so over T tokens ``S = small * Gamma(2T + K, 1)``
    with K ~ NegativeBinomial(T, c) failures, and ``P[S >= s] = sum_k P[K = k] Q(2T + k, s / small)``.
    The sum runs until the left-out mass ``P[K > k_max]`` is below 1e-13 of it and that mass is
    added, so the p-value is never below the exact one and at most 1e-13 relative above it. At
    weight 0 or 1 it is ``GammaNull``'s tail; at 1/2 it is ``Q(2T, 2s)`` (K = 0).

    >>> null = WeightedGammaNull(0.5)
    >>> bool(np.isclose(null.tail(np.array([3.0]), np.array([4]))[0], gammaincc(8, 6.0), rtol=1e-14))
    True
    >>> round(float(WeightedGammaNull(0.1).tail(np.array([50.0]), np.array([40]))[0]), 4)
    0.0485
    """

    RELATIVE_TRUNCATION = 1e-13

    def __init__(self, weight: float):
        if not 0 <= weight <= 1:
            raise ValueError("the weight of the second variate lies in [0, 1]")
        self.weight = float(weight)
        self.sd = math.hypot(1 - self.weight, self.weight)
        self._big, self._small = max(1 - self.weight, self.weight), min(1 - self.weight, self.weight)

    def tail(self, totals, counts) -> np.ndarray:
        totals = np.asarray(totals, dtype=np.float64)
        counts = np.asarray(counts, dtype=np.int64)
        if self._small == 0:
            return super().tail(totals, counts)
        flat_totals, flat_counts = np.broadcast_arrays(totals, counts)
        tails = [
            self._mixture_tail(float(t), int(n)) for t, n in zip(flat_totals.ravel(), flat_counts.ravel(), strict=True)
        ]
        return np.array(tails, dtype=np.float64).reshape(flat_totals.shape)

    def _mixture_tail(self, total: float, count: int) -> float:
        if count <= 0 or total <= 0:
            return 1.0
        ratio = self._small / self._big
        scaled = total / self._small
        if ratio == 1.0:
            return float(gammaincc(2 * count, scaled))
        mean = count * (1 - ratio) / ratio
        spread = math.sqrt(count * (1 - ratio)) / ratio
        last = int(max(mean, scaled) + 40 * spread + 64)
        while True:
            k = np.arange(last + 1, dtype=np.float64)
            log_pmf = (
                gammaln(count + k) - gammaln(count) - gammaln(k + 1) + count * math.log(ratio) + k * math.log1p(-ratio)
            )
            body = float(np.sum(np.exp(log_pmf) * gammaincc(2 * count + k, scaled)))
            left_out = float(nbdtrc(last, count, ratio))  # P[K > last]
            if left_out <= self.RELATIVE_TRUNCATION * body or left_out == 0.0:
                return min(1.0, body + left_out)
            last *= 2

    def __repr__(self) -> str:
        return f"WeightedGammaNull(weight={self.weight})"
