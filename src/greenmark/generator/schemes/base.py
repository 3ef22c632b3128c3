"""``TorchScheme``: what a watermark scheme supplies to generation, in torch, on any device.

A torch scheme is built once per (spec, key, device): it derives its tables from the numpy
scheme (``spec.watermark_scheme``) so both sides compute bit-identical values. Per step,
``apply(input_ids, scores, sampling)`` turns a ``[batch, vocab]`` logits tensor into the
watermarked one, vectorised over the batch and without host synchronisation.

Two kinds:

* ``owns_sampling = False`` (green lists): ``apply`` biases the raw logits; the caller's
  temperature, top-k and top-p come after it, as usual.
* ``owns_sampling = True`` (Gumbel-max, tournament): ``apply`` applies ``sampling``
  (``Sampling.warp``) itself and returns logits that the caller samples *as they are*
  (temperature 1, no top-k or top-p; greedy when ``sampling.temperature`` is 0).
  ``WatermarkedGenerator`` and the vLLM plug-in switch their own warpers off for these.

>>> import torch
>>> Sampling(temperature=0.5, top_k=2).warp(torch.tensor([[1.0, 3.0, 2.0]])).tolist()
[[-inf, 6.0, 4.0]]
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import torch

from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec


@dataclass(frozen=True)
class Sampling:
    """How the caller samples: temperature (0: greedy), top-k (0: no cut) and top-p (1: no cut)."""

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0

    def warp(self, scores: torch.Tensor) -> torch.Tensor:
        """``scores`` scaled by the temperature, with tokens outside top-k and top-p at ``-inf`` (a new tensor).

        Greedy (temperature 0) keeps only each row's largest logit, at 0.
        """
        if self.temperature == 0:
            kept = torch.full_like(scores, -torch.inf)
            return kept.scatter_(1, scores.argmax(dim=1, keepdim=True), 0.0)
        warped = scores / self.temperature
        if 0 < self.top_k < warped.shape[1]:
            cutoff = torch.topk(warped, self.top_k, dim=1).values[:, -1:]
            warped = warped.masked_fill(warped < cutoff, -torch.inf)
        if self.top_p < 1:
            ordered, order = torch.sort(warped, dim=1, descending=True)
            cumulative = ordered.softmax(dim=1).cumsum(dim=1)
            # drop a token once the tokens before it already hold top_p of the mass (keep at least one)
            dropped = (cumulative - ordered.softmax(dim=1)) >= self.top_p
            warped = warped.masked_fill(torch.zeros_like(dropped).scatter_(1, order, dropped), -torch.inf)
        return warped


class TorchScheme(ABC):
    """One watermark scheme's generation side for one spec and key (see the module docstring).

    Subclasses list the numpy scheme ids they implement in ``scheme_ids`` and are registered
    with ``greenmark.generator.schemes.register_torch_scheme``.
    """

    scheme_ids: ClassVar[tuple[str, ...]]
    owns_sampling: ClassVar[bool] = False

    def __init__(self, spec: WatermarkSpec, key: WatermarkKey, device: torch.device | str | None = None):
        self.spec = spec
        self.key_id = key.key_id

    @property
    @abstractmethod
    def device(self) -> torch.device:
        """Where the scheme's tables are."""

    @abstractmethod
    def to(self, device: torch.device | str) -> TorchScheme:
        """Move the tables to ``device`` (in place); returns self."""

    @abstractmethod
    def apply(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, sampling: Sampling) -> torch.FloatTensor:
        """The watermarked logits for ``scores`` ``[batch, vocab]`` after ``input_ids`` ``[batch, length]``.

        ``input_ids`` is each row's sequence so far, prompt included (a scheme may read only its
        last ``spec.preceding_tokens`` columns; one that skips contexts already seen reads more).
        Rows without a full context are left unwatermarked (an owning scheme still applies
        ``sampling`` to them). The result may be ``scores`` modified in place or a new tensor.
        """
