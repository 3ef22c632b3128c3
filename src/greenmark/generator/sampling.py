"""Processors that replace the sampling step, and the settings they sample with.

The distortion-free processors (Gumbel-max, tournament) must see the final sampling
distribution, so they apply temperature, top-k and top-p (transformers' own warpers, in
``generate``'s order) themselves; generation then samples from their output unchanged
(temperature 1, no top-k, no top-p). ``KeyedSamplingProcessor`` holds what they share: the
vocabulary check, the warping, and the rows left unwatermarked (no full context yet, or a
context that occurred earlier in the row: the detector skips those positions too). Greedy
decoding (temperature 0) has no randomness to replace and is left unwatermarked.

>>> import torch
>>> warped = SamplingSettings(temperature=0.5, top_k=2).warp(torch.tensor([[0]]), torch.tensor([[1.0, 2.0, 3.0]]))
>>> warped.tolist()
[[-inf, 4.0, 6.0]]
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from transformers import (
    LogitsProcessor,
    LogitsProcessorList,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from greenmark.generator.torch_pair_hash import TorchPairHashes
from greenmark.watermark.errors import WatermarkError
from greenmark.watermark.key import WatermarkKey


@dataclass(frozen=True)
class SamplingSettings:
    """``temperature`` (0: greedy), ``top_k`` (0: no cut) and ``top_p`` (1: no cut), applied in that order."""

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def warp(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        """The logits the sampler would draw from (as transformers' ``generate`` warps them)."""
        warpers = LogitsProcessorList()
        if self.temperature not in (0, 1):
            warpers.append(TemperatureLogitsWarper(float(self.temperature)))
        if self.top_k > 0:
            warpers.append(TopKLogitsWarper(top_k=int(self.top_k)))
        if self.top_p < 1:
            warpers.append(TopPLogitsWarper(top_p=float(self.top_p)))
        return warpers(input_ids, scores)


class KeyedSamplingProcessor(LogitsProcessor):
    """Base of the processors that sample themselves from keyed pair hashes.

    Args:
        scheme: the numpy scheme (``vocab_size``, ``context_width``, ``subkeys(key)``).
        key: the secret watermark key.
        sampling: temperature, top-k and top-p, applied here before the keyed step.
        device: where to keep the per-vocabulary table (moved to the logits' device on first use).
    """

    samples_itself = True

    def __init__(self, scheme, key: WatermarkKey, sampling: SamplingSettings | None = None, device=None):
        self.scheme = scheme
        self.key_id = key.key_id
        self.sampling = sampling or SamplingSettings()
        self.hashes = TorchPairHashes(scheme.subkeys(key), scheme.vocab_size, scheme.context_width, device)

    def with_sampling(self, sampling: SamplingSettings) -> KeyedSamplingProcessor:
        """The same processor (tables shared) sampling with other settings."""
        clone = copy.copy(self)
        clone.sampling = sampling
        return clone

    def keyed_logits(self, input_ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """The watermarked logits of every row, from the warped ``logits``."""
        raise NotImplementedError

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if scores.shape[-1] != self.scheme.vocab_size:
            raise WatermarkError(
                f"logits have {scores.shape[-1]} columns but the watermark's vocabulary is {self.scheme.vocab_size}"
            )
        if self.sampling.greedy:
            return scores
        logits = self.sampling.warp(input_ids, scores)
        if input_ids.shape[1] < self.scheme.context_width:
            return logits
        if self.hashes.final_inputs.device != scores.device:
            self.hashes.to(scores.device)
        keyed = self.keyed_logits(input_ids, logits)
        return torch.where(self.hashes.repeated_context(input_ids)[:, None], logits, keyed)
