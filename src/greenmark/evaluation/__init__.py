"""The evaluation harness behind ``greenmark eval``: attacks, metrics, quality, the suite, its report and plots.

``attacks``, ``metrics`` and ``quality`` (except perplexity) need only numpy and scipy; the
suite generates text and needs the ``[generate]`` extra; the plots need matplotlib.

>>> from greenmark.evaluation import run_suite, SUITES
>>> sorted(SUITES)
['full', 'quick']
"""

from greenmark.evaluation.suite import SUITES, SuiteConfig, run_suite

__all__ = ["SUITES", "SuiteConfig", "run_suite"]
