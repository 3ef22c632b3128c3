"""The one rule for sampling parameters: what ``generate`` accepts, and when a temperature means greedy.

Every shell (Python, CLI, API) passes its parameters through ``SamplingParameters``, which
refuses bad values with a ``GenerationError`` (CLI: exit 2; API: 422) before any model runs:

* ``max_new_tokens``: an integer >= 1 (the model's context and a server's cap may lower it);
* ``temperature``: a finite number from 0 to ``MAX_TEMPERATURE``; at or below
  ``GREEDY_TEMPERATURE`` decoding is greedy. Dividing float32 logits by a temperature near
  float32's smallest normal (about 1e-38) overflows them to infinity, which sampling cannot
  draw from; and at 1e-4 a token whose logit is 0.01 below the best one is already e^-100
  times less likely, so only exact ties could tell sampling from greedy decoding below the floor;
* ``top_k``: an integer >= 0 (0: no cut; more than the vocabulary keeps all of it);
* ``top_p``: a finite number in (0, 1];
* ``seed``: ``None`` or an integer from 0 to ``MAX_SEED``.

Booleans are not numbers here, and NaN or infinity is never a valid value. This module does
not import torch.

>>> SamplingParameters(temperature=1e-39).greedy
True
>>> SamplingParameters(top_p=float("nan"))
Traceback (most recent call last):
greenmark.generator.errors.GenerationError: top_p must be a number in (0, 1], got nan
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

from greenmark.generator.errors import GenerationError

GREEDY_TEMPERATURE = 1e-4
MAX_TEMPERATURE = 10.0
MAX_SEED = 2**32 - 1


def _is_integer(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_finite_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class SamplingParameters:
    """Checked sampling parameters of one ``generate`` call (see the module docstring for the rules)."""

    max_new_tokens: int = 200
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    seed: int | None = None

    def __post_init__(self):
        if not _is_integer(self.max_new_tokens) or self.max_new_tokens < 1:
            raise GenerationError(f"max_new_tokens must be an integer >= 1, got {self.max_new_tokens!r}")
        if not _is_finite_number(self.temperature) or not 0 <= self.temperature <= MAX_TEMPERATURE:
            raise GenerationError(
                f"temperature must be a number from 0 to {MAX_TEMPERATURE:g}, got {self.temperature!r}"
            )
        if not _is_integer(self.top_k) or self.top_k < 0:
            raise GenerationError(f"top_k must be an integer >= 0, got {self.top_k!r}")
        if not _is_finite_number(self.top_p) or not 0 < self.top_p <= 1:
            raise GenerationError(f"top_p must be a number in (0, 1], got {self.top_p!r}")
        if self.seed is not None and (not _is_integer(self.seed) or not 0 <= self.seed <= MAX_SEED):
            raise GenerationError(f"seed must be an integer from 0 to {MAX_SEED}, got {self.seed!r}")

    @property
    def greedy(self) -> bool:
        """Whether decoding is greedy: the temperature is at or below ``GREEDY_TEMPERATURE``."""
        return self.temperature <= GREEDY_TEMPERATURE
