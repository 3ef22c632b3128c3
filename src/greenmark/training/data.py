"""Corpus preparation for the default model: book split, canonical text, token arrays.

>>> held_out_books(["a.txt", "b.txt", "c.txt"], count=1, seed=0)
['b.txt']
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from greenmark.watermark.canonical import canonicalize


def held_out_books(names: Sequence[str], count: int, seed: int) -> list[str]:
    """A seeded choice of ``count`` books kept out of training for validation."""
    return sorted(random.Random(seed).sample(sorted(names), count))


def read_book(path: Path) -> str:
    """A book's text in the same canonical form the detector tokenises."""
    return canonicalize(path.read_text(encoding="utf-8")).text


def encode_books(tokenizer, texts: Sequence[str], separator_id: int) -> np.ndarray:
    """Concatenate the token ids of ``texts`` into one uint16 array, each followed by ``separator_id``."""
    encodings = tokenizer.backend_tokenizer.encode_batch(list(texts), add_special_tokens=False)
    pieces = []
    for encoding in encodings:
        pieces.append(np.asarray(encoding.ids, dtype=np.uint16))
        pieces.append(np.asarray([separator_id], dtype=np.uint16))
    return np.concatenate(pieces)
