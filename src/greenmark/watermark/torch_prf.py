"""The green-list PRF in torch, bit-identical to ``greenmark.watermark.prf`` on any device.

torch has no full uint32 arithmetic, so values live in int32 with wrapping multiplication
and masked right shifts (logical, not arithmetic); unsigned order is compared after flipping
the sign bit. Per-vocabulary tables (token codes, selfhash self-seeds) are computed once by
the numpy implementation and moved to the device, so only the per-row seeds and one
``fmix32`` over ``[batch, vocab]`` run per generation step, with no host synchronisation.

torch is imported here only; the rest of ``greenmark.watermark`` never needs it.

>>> import torch
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> spec, key = WatermarkSpec(vocab_size=100), WatermarkKey.from_hex("00" * 32)
>>> lists = TorchGreenLists(spec, key)
>>> bool((lists.green_mask(torch.tensor([[5, 17]]))[0].numpy() == spec.green_list(key, [17])).all())
True
"""

from __future__ import annotations

import numpy as np
import torch

from greenmark.watermark import prf
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec

_SIGN = -(2**31)  # int32 with only the sign bit set


def _int32(value: int) -> int:
    """The int32 with the same bits as the uint32 ``value``."""
    return int(np.uint32(value).view(np.int32))


def _shift_right(values: torch.Tensor, bits: int) -> torch.Tensor:
    return (values >> bits) & ((1 << (32 - bits)) - 1)


def fmix32(values: torch.Tensor) -> torch.Tensor:
    """MurmurHash3's finaliser on int32 tensors holding uint32 bits."""
    h = values ^ _shift_right(values, 16)
    h = h * _int32(0x85EBCA6B)
    h = h ^ _shift_right(h, 13)
    h = h * _int32(0xC2B2AE35)
    return h ^ _shift_right(h, 16)


class TorchGreenLists:
    """Green masks over the whole vocabulary for a batch of contexts, for one key and spec."""

    def __init__(self, spec: WatermarkSpec, key: WatermarkKey, device: torch.device | str | None = None):
        self.spec = spec
        subkeys = spec.subkeys(key)
        self._words = [_int32(w) for w in subkeys.words]
        codes = prf.token_codes(subkeys, np.arange(spec.vocab_size))
        self.token_codes = torch.from_numpy(codes.view(np.int32).copy()).to(device)
        self._self_seeds = None
        if spec.scheme == "selfhash":
            self_seeds = prf.chain(subkeys, prf.initial_seed(subkeys, spec.vocab_size), codes)
            self._self_seeds = torch.from_numpy(self_seeds.view(np.int32).copy()).to(device)
        self._threshold = _int32(spec.threshold) ^ _SIGN  # compared in sign-flipped (unsigned) order

    def to(self, device) -> TorchGreenLists:
        self.token_codes = self.token_codes.to(device)
        if self._self_seeds is not None:
            self._self_seeds = self._self_seeds.to(device)
        return self

    def _chain(self, seeds: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        return fmix32((seeds ^ codes) * _int32(prf.CHAIN_MULTIPLIER) + self._words[3])

    def green_mask(self, input_ids: torch.Tensor) -> torch.Tensor:
        """bool[batch, vocab]: the green next tokens after each row of ``input_ids`` (its last tokens)."""
        width = self.spec.preceding_tokens
        context_codes = self.token_codes[input_ids[:, -width:]]  # [batch, width]
        initial = torch.full_like(context_codes[:, 0], self._words[2])
        if self.spec.scheme == "lefthash":
            seeds = initial
            for column in range(width):
                seeds = self._chain(seeds, context_codes[:, column])
            seeds = seeds[:, None]
        else:
            # unsigned minimum of the context codes = signed minimum after flipping the sign bit
            context_minimum = (context_codes ^ _SIGN).min(dim=1).values
            own_code_is_smaller = (self.token_codes ^ _SIGN)[None, :] < context_minimum[:, None]
            context_seed = self._chain(initial, context_minimum ^ _SIGN)
            seeds = torch.where(own_code_is_smaller, self._self_seeds[None, :], context_seed[:, None])
        outputs = fmix32(seeds ^ self.token_codes[None, :] ^ self._words[4])
        return (outputs ^ _SIGN) < self._threshold
