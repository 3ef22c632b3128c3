"""``prf.pair_hashes`` in torch for every candidate token, and the repeated-context test.

The distortion-free schemes seed from the h preceding tokens (``prf.context_seeds``) and read
their uniforms and g-bits from ``fmix32(seed ^ token_code ^ k4)``. The per-vocabulary tables
of the numpy key material (``ContextSeededMaterial``) move to the device once; per step only
the row seeds (h - 1 chained ``fmix32`` over ``[batch]``) and one ``fmix32`` over
``[batch, vocab]`` run, with no host synchronisation. Values are int32 holding uint32 bits.

>>> import numpy as np, torch
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec, prf
>>> scheme = WatermarkSpec(vocab_size=50, scheme="gumbel").watermark_scheme
>>> material = scheme.key_material(WatermarkKey.from_hex("00" * 32))
>>> hashes = TorchPairHashes(material, 4).row_hashes(torch.tensor([[1, 2, 3, 4]]))
>>> subkeys = material.subkeys
>>> expected = prf.pair_hashes(subkeys, prf.context_seeds(subkeys, np.array([[1, 2, 3, 4]] * 50)), np.arange(50))
>>> bool((hashes[0].numpy().view(np.uint32) == expected).all())
True
"""

from __future__ import annotations

import numpy as np
import torch

from greenmark.generator.torch_prf import fmix32, fmix32_
from greenmark.watermark import prf
from greenmark.watermark.schemes.context_seeded import ContextSeededMaterial


def _int32(value: int) -> int:
    """The int32 with the same bits as the uint32 ``value``."""
    return int(np.uint32(value).view(np.int32))


def _table(values: np.ndarray, device) -> torch.Tensor:
    return torch.from_numpy(values.astype(np.uint32).view(np.int32).copy()).to(device)


class TorchPairHashes:
    """Pair hashes of one key's material over its vocabulary, for contexts of ``context_width`` tokens."""

    def __init__(self, material: ContextSeededMaterial, context_width: int, device=None):
        self.context_width = context_width
        self._chain_offset = _int32(material.subkeys.words[3])
        self.token_codes = _table(material.token_codes, device)
        self.first_seeds = _table(material.first_seeds, device)
        self.final_inputs = _table(material.final_inputs, device)

    def to(self, device) -> TorchPairHashes:
        for name in ("token_codes", "first_seeds", "final_inputs"):
            setattr(self, name, getattr(self, name).to(device))
        return self

    def context_seeds(self, windows: torch.Tensor) -> torch.Tensor:
        """int32[...]: the seed of each context ``windows[..., h]`` (token ids, oldest first)."""
        seeds = self.first_seeds[windows[..., 0]]
        multiplier = _int32(prf.CHAIN_MULTIPLIER)
        for column in range(1, windows.shape[-1]):
            seeds = fmix32((seeds ^ self.token_codes[windows[..., column]]) * multiplier + self._chain_offset)
        return seeds

    def row_hashes(self, input_ids: torch.Tensor) -> torch.Tensor:
        """int32[batch, vocab]: the pair hash of every candidate after each row's last h tokens."""
        seeds = self.context_seeds(input_ids[:, -self.context_width :])
        hashes = torch.bitwise_xor(seeds[:, None], self.final_inputs)
        return fmix32_(hashes, torch.empty_like(hashes))

    def repeated_context(self, input_ids: torch.Tensor) -> torch.Tensor:
        """bool[batch]: whether each row's current context (its last h tokens) occurred earlier in the row.

        Earlier contexts are compared by seed, as the detector deduplicates them.
        """
        windows = input_ids.unfold(1, self.context_width, 1)  # [batch, length - h + 1, h]
        seeds = self.context_seeds(windows)
        return (seeds[:, :-1] == seeds[:, -1:]).any(dim=1)
