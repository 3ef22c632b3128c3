"""The green-list PRF in torch, bit-identical to ``greenmark.watermark.prf`` on any device.

torch has no full uint32 arithmetic, so values live in int32 with wrapping multiplication
and masked right shifts (logical, not arithmetic); unsigned order is compared after flipping
the sign bit. Per-vocabulary tables (token codes, one-token seeds) are computed once by the
numpy implementation and moved to the device, so only the per-row seeds and one in-place
``fmix32`` over ``[batch, vocab]`` run per generation step, with no host synchronisation.

It lives on the generator side: ``greenmark.watermark`` never imports torch.

>>> import torch
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> spec, key = WatermarkSpec(vocab_size=100), WatermarkKey.from_hex("00" * 32)
>>> lists = TorchGreenLists(spec, key)
>>> bool((lists.green_mask(torch.tensor([[5, 17]]))[0].numpy() == spec.green_list(key, [17])).all())
True
"""

from __future__ import annotations

import threading

import numpy as np
import torch

from greenmark.generator.green_row_cache import MAX_VOCAB_SIZE, GreenRowCache
from greenmark.watermark import prf
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec

_SIGN = -(2**31)  # int32 with only the sign bit set


def _int32(value: int) -> int:
    """The int32 with the same bits as the uint32 ``value``."""
    return int(np.uint32(value).view(np.int32))


def fmix32(values: torch.Tensor) -> torch.Tensor:
    """MurmurHash3's finaliser on int32 tensors holding uint32 bits."""
    return fmix32_(values.clone(), torch.empty_like(values))


def fmix32_(h: torch.Tensor, scratch: torch.Tensor) -> torch.Tensor:
    """``fmix32`` in place on ``h``, using ``scratch`` (same shape) as its only temporary.

    In place because over ``[batch, vocab]`` every fresh temporary costs more than the
    arithmetic (the memory is new to the process each step).
    """
    for shift, multiplier in ((16, 0x85EBCA6B), (13, 0xC2B2AE35), (16, None)):
        torch.bitwise_right_shift(h, shift, out=scratch)
        scratch &= (1 << (32 - shift)) - 1  # logical, not arithmetic, shift
        h ^= scratch
        if multiplier is not None:
            h *= _int32(multiplier)
    return h


class TorchGreenLists:
    """Green masks over the whole vocabulary for a batch of contexts, for one key and spec.

    Per step the cost is one gather for the seed of each row (``lefthash`` with h = 1, and
    ``selfhash``: both seed from a single token, looked up in a per-vocabulary table), then
    one ``fmix32`` over ``[batch, vocab]`` done in place in buffers reused by each thread.
    On CPU, ``lefthash`` with h = 1 and a vocabulary of at most 32,768 tokens keeps each
    previous token's green list once computed (``GreenRowCache``) and looks it up instead.
    """

    def __init__(self, spec: WatermarkSpec, key: WatermarkKey, device: torch.device | str | None = None):
        self.spec = spec
        scheme = spec.watermark_scheme
        subkeys = scheme.key_material(key)
        self._words = [_int32(w) for w in subkeys.words]
        codes = prf.token_codes(subkeys, np.arange(spec.vocab_size))
        # the seed after chaining in one token, for every token: the whole lefthash h=1 seed
        first_seeds = prf.chain(subkeys, prf.initial_seed(subkeys, spec.vocab_size), codes)
        tables = {
            "token_codes": codes,
            "first_seeds": first_seeds,
            "codes_unsigned_order": codes ^ np.uint32(1 << 31),  # compare as int32 = unsigned order
            "final_inputs": codes ^ np.uint32(subkeys.words[4]),
        }
        for name, table in tables.items():
            setattr(self, name, torch.from_numpy(table.view(np.int32).copy()).to(device))
        self._threshold = _int32(scheme.threshold) ^ _SIGN  # compared in sign-flipped (unsigned) order
        self._workspaces = threading.local()
        self._row_cache = None
        if spec.scheme == "lefthash" and spec.preceding_tokens == 1 and spec.vocab_size <= MAX_VOCAB_SIZE:
            self._row_cache = GreenRowCache(spec.vocab_size, lambda rows: self._computed_mask(rows[:, None]))

    def to(self, device) -> TorchGreenLists:
        for name in ("token_codes", "first_seeds", "codes_unsigned_order", "final_inputs"):
            setattr(self, name, getattr(self, name).to(device))
        return self

    def _chain(self, seeds: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        return fmix32((seeds ^ codes) * _int32(prf.CHAIN_MULTIPLIER) + self._words[3])

    def _write_pair_inputs(self, input_ids: torch.Tensor, out: torch.Tensor) -> None:
        """Write each row's seed for every candidate token, xor its code: int32[batch, vocab]."""
        width = self.spec.preceding_tokens
        if self.spec.scheme == "lefthash":
            seeds = self.first_seeds[input_ids[:, -width]]
            for column in range(1 - width, 0):
                seeds = self._chain(seeds, self.token_codes[input_ids[:, column]])
            torch.bitwise_xor(seeds[:, None], self.final_inputs, out=out)
            return
        # selfhash: the window's seed comes from its minimum code (unsigned order); a candidate
        # whose own code is smaller than every context code seeds from itself instead
        context = input_ids[:, -width:]
        position = self.codes_unsigned_order[context].argmin(dim=1, keepdim=True)
        minimum_token = context.gather(1, position)[:, 0]
        own_code_is_smaller = self.codes_unsigned_order[None, :] < self.codes_unsigned_order[minimum_token][:, None]
        torch.where(own_code_is_smaller, self.first_seeds[None, :], self.first_seeds[minimum_token][:, None], out=out)
        out ^= self.final_inputs

    def _workspace(self, shape: tuple[int, int], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """Two int32 buffers of ``shape``, kept per thread: fresh ones each step cost page faults."""
        buffers = getattr(self._workspaces, "buffers", None)
        if buffers is None or buffers[0].shape != shape or buffers[0].device != device:
            buffers = tuple(torch.empty(shape, dtype=torch.int32, device=device) for _ in range(2))
            self._workspaces.buffers = buffers
        return buffers

    def green_mask(self, input_ids: torch.Tensor) -> torch.Tensor:
        """bool[batch, vocab]: the green next tokens after each row of ``input_ids`` (its last tokens)."""
        if self._row_cache is not None and input_ids.device.type == "cpu" and self.final_inputs.device.type == "cpu":
            return self._row_cache.green_mask(input_ids[:, -1])
        return self._computed_mask(input_ids)

    def _computed_mask(self, input_ids: torch.Tensor) -> torch.Tensor:
        mixed, scratch = self._workspace((input_ids.shape[0], self.spec.vocab_size), input_ids.device)
        self._write_pair_inputs(input_ids, mixed)
        fmix32_(mixed, scratch)
        mixed ^= _SIGN
        return mixed < self._threshold
