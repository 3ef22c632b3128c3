"""Token-level edits at rate p: substitution, deletion, insertion (each position independently).

Replacements are drawn from a distribution over the vocabulary: ``uniform_distribution``
(every ordinary token alike) or ``unigram_distribution`` (as often as in a reference text,
so edits look like ordinary words rather than rare tokens).

>>> ids = np.arange(10, 20)
>>> distribution = uniform_distribution(100)
>>> len(delete_tokens(ids, 0.0, seed=1)), len(insert_tokens(ids, 1.0, distribution, seed=1))
(10, 20)
>>> bool((substitute_tokens(ids, 1.0, distribution, seed=1) != ids).all())
True
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def uniform_distribution(vocab_size: int, exclude: Iterable[int] = ()) -> np.ndarray:
    """Equal probability for every token id except ``exclude`` (special tokens).

    >>> uniform_distribution(4, exclude=[0]).tolist()
    [0.0, 0.3333333333333333, 0.3333333333333333, 0.3333333333333333]
    """
    weights = np.ones(vocab_size)
    weights[list(exclude)] = 0.0
    return weights / weights.sum()


def unigram_distribution(token_stream, vocab_size: int, exclude: Iterable[int] = ()) -> np.ndarray:
    """Token frequencies of ``token_stream`` (add-one smoothed), ``exclude`` never drawn.

    >>> unigram_distribution([1, 1, 1, 2], vocab_size=3, exclude=[0]).round(3).tolist()
    [0.0, 0.667, 0.333]
    """
    weights = np.bincount(np.asarray(token_stream, dtype=np.int64), minlength=vocab_size)[:vocab_size] + 1.0
    weights[list(exclude)] = 0.0
    return weights / weights.sum()


def substitute_tokens(ids, rate: float, distribution: np.ndarray, seed) -> np.ndarray:
    """Replace each token with probability ``rate`` by a *different* token drawn from ``distribution``."""
    rng = np.random.default_rng(seed)
    ids = np.asarray(ids, dtype=np.int64).copy()
    positions = np.flatnonzero(rng.random(len(ids)) < rate)
    replacements = rng.choice(len(distribution), size=len(positions), p=distribution)
    unchanged = replacements == ids[positions]
    while unchanged.any():  # redraw collisions so that every chosen position really changes
        replacements[unchanged] = rng.choice(len(distribution), size=int(unchanged.sum()), p=distribution)
        unchanged = replacements == ids[positions]
    ids[positions] = replacements
    return ids


def delete_tokens(ids, rate: float, seed) -> np.ndarray:
    """Drop each token with probability ``rate``."""
    rng = np.random.default_rng(seed)
    ids = np.asarray(ids, dtype=np.int64)
    return ids[rng.random(len(ids)) >= rate]


def insert_tokens(ids, rate: float, distribution: np.ndarray, seed) -> np.ndarray:
    """After each token, with probability ``rate``, insert one token drawn from ``distribution``."""
    rng = np.random.default_rng(seed)
    ids = np.asarray(ids, dtype=np.int64)
    inserted = rng.random(len(ids)) < rate
    extra = rng.choice(len(distribution), size=int(inserted.sum()), p=distribution)
    out = np.empty(len(ids) + len(extra), dtype=np.int64)
    # each token moves right by the number of insertions before it
    positions = np.arange(len(ids)) + np.concatenate([[0], np.cumsum(inserted)[:-1]])
    out[positions] = ids
    out[positions[inserted] + 1] = extra
    return out
