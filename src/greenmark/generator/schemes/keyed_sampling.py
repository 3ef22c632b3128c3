"""``KeyedSamplingScheme``: the torch base of the distortion-free schemes, which own sampling.

Gumbel-max and the tournament replace the sampling step, so they must see the final sampling
distribution: ``apply`` warps the raw logits with the caller's ``Sampling`` (temperature,
top-k, top-p, in ``generate``'s order), then lets the subclass turn the warped logits into
keyed ones. Rows without h tokens yet, and rows whose current context occurred earlier in the
row, get the warped logits back and are sampled normally: the detector skips those positions
(it scores each context once). Greedy decoding (temperature 0) warps to a one-hot row, which
both schemes return unchanged: there is no randomness to replace.

>>> import torch
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> from greenmark.generator.schemes import Sampling, build_torch_scheme
>>> spec = WatermarkSpec(vocab_size=16, scheme="gumbel", context_width=4)
>>> scheme = build_torch_scheme(spec, WatermarkKey.from_hex("00" * 32))
>>> forced = scheme.apply(torch.tensor([[1, 2, 3, 4]]), torch.zeros(1, 16), Sampling())
>>> scheme.owns_sampling, int(torch.isfinite(forced).sum())
(True, 1)
"""

from __future__ import annotations

import torch

from greenmark.generator.schemes.base import Sampling, TorchScheme
from greenmark.generator.schemes.pair_hashes import TorchPairHashes
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec


class KeyedSamplingScheme(TorchScheme):
    """A scheme that samples from keyed pair hashes after ``spec.context_width`` tokens."""

    owns_sampling = True

    def __init__(self, spec: WatermarkSpec, key: WatermarkKey, device: torch.device | str | None = None):
        super().__init__(spec, key, device)
        self.numpy_scheme = spec.watermark_scheme
        material = self.numpy_scheme.key_material(key)
        self.hashes = TorchPairHashes(material, spec.context_width, device)

    @property
    def device(self) -> torch.device:
        return self.hashes.final_inputs.device

    def to(self, device) -> KeyedSamplingScheme:
        self.hashes.to(device)
        return self

    def keyed_logits(self, input_ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """The watermarked logits of every row, from the warped ``logits`` (sampled as they are)."""
        raise NotImplementedError

    def apply(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, sampling: Sampling) -> torch.FloatTensor:
        logits = sampling.warp(scores)
        if input_ids.shape[1] < self.spec.context_width:
            return logits
        keyed = self.keyed_logits(input_ids, logits)
        return torch.where(self.hashes.repeated_context(input_ids)[:, None], logits, keyed)
