"""``GreenRowCache``: green lists that depend on one previous token, computed once each, kept as bits.

With ``lefthash`` and one context token, the green list after token ``t`` is a fixed row of a
``[vocab, vocab]`` table. Hashing the whole vocabulary for every row of every generation step
costs about 15 passes over ``[batch, vocab]`` int32; looking a stored row up costs a gather and
an unpack of ``[batch, vocab / 8]`` bytes. Rows are computed the first time their token is
seen and packed 8 to a byte, so memory grows with the distinct tokens generated after, at most
``vocab**2 / 8`` bytes (8 MiB for the default model's 8,192 tokens).

This is a CPU path: checking which rows exist reads the tensor on the host, which on an
accelerator would be a synchronisation per step.

>>> import torch
>>> cache = GreenRowCache(16, lambda rows: rows[:, None] < torch.arange(16)[None, :])
>>> cache.green_mask(torch.tensor([3, 3, 15]))[0].nonzero().flatten().tolist()
[4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import torch

MAX_VOCAB_SIZE = 32_768  # the full table is then at most 128 MiB
_SHIFTS = torch.arange(8, dtype=torch.uint8)


class GreenRowCache:
    """Green masks by previous token, from ``compute_rows`` (int64[n] tokens -> bool[n, vocab]) once per token."""

    def __init__(self, vocab_size: int, compute_rows: Callable[[torch.Tensor], torch.Tensor]):
        self.vocab_size = vocab_size
        self._compute_rows = compute_rows
        # empty, not zeros: pages of rows never computed are never touched, so never resident
        self._bits = torch.empty((vocab_size, -(-vocab_size // 8)), dtype=torch.uint8)
        self._ready = torch.zeros(vocab_size, dtype=torch.bool)
        self._lock = threading.Lock()

    def green_mask(self, previous_tokens: torch.Tensor) -> torch.Tensor:
        """bool[batch, vocab]: the green list after each of ``previous_tokens`` (int64[batch])."""
        missing = previous_tokens[~self._ready[previous_tokens]]
        if missing.numel():
            with self._lock:
                rows = missing.unique()
                self._bits[rows] = self._pack(self._compute_rows(rows))
                self._ready[rows] = True  # after the bits: a reader that sees the flag sees the row
        bits = self._bits[previous_tokens]
        unpacked = ((bits[:, :, None] >> _SHIFTS) & 1).view(len(previous_tokens), -1)
        return unpacked[:, : self.vocab_size].bool()

    def _pack(self, mask: torch.Tensor) -> torch.Tensor:
        bits = mask.to(torch.uint8)
        padding = self._bits.shape[1] * 8 - self.vocab_size
        if padding:
            bits = torch.nn.functional.pad(bits, (0, padding))
        return (bits.view(len(mask), -1, 8) << _SHIFTS).sum(dim=2, dtype=torch.uint8)
