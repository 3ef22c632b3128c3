"""Word- and character-level edits of text: adjacent swaps, deletions, duplications, typos, lowercasing.

A word is a run of non-space characters; whitespace between words is kept as it was.

>>> swap_words("one two three four", 1.0, seed=0)
'two one four three'
>>> duplicate_words("one two", 1.0, seed=0)
'one one two two'
>>> lowercase("Call Me")
'call me'
"""

from __future__ import annotations

import re
import string

import numpy as np

_PIECES = re.compile(r"\s+|\S+")


def _split(text: str) -> tuple[list[str], list[int]]:
    """The text's pieces (words and whitespace runs) and the indices of the words among them."""
    pieces = _PIECES.findall(text)
    return pieces, [i for i, piece in enumerate(pieces) if not piece.isspace()]


def swap_words(text: str, rate: float, seed) -> str:
    """Swap each word with the next one with probability ``rate`` (a swapped pair is not swapped again)."""
    rng = np.random.default_rng(seed)
    pieces, words = _split(text)
    chosen = rng.random(len(words)) < rate
    index = 0
    while index < len(words) - 1:
        if chosen[index]:
            a, b = words[index], words[index + 1]
            pieces[a], pieces[b] = pieces[b], pieces[a]
            index += 2
        else:
            index += 1
    return "".join(pieces)


def delete_words(text: str, rate: float, seed) -> str:
    """Delete each word (and the whitespace after it) with probability ``rate``.

    >>> delete_words("a b c", 1.0, seed=0)
    ''
    """
    rng = np.random.default_rng(seed)
    pieces, words = _split(text)
    dropped = set(np.asarray(words)[rng.random(len(words)) < rate].tolist())
    kept = []
    skip_space = False
    for index, piece in enumerate(pieces):
        if index in dropped:
            skip_space = True
            continue
        if not (skip_space and piece.isspace()):
            kept.append(piece)
        skip_space = False
    return "".join(kept)


def duplicate_words(text: str, rate: float, seed) -> str:
    """Repeat each word (``word`` -> ``word word``) with probability ``rate``."""
    rng = np.random.default_rng(seed)
    pieces, words = _split(text)
    for index in np.asarray(words)[rng.random(len(words)) < rate]:
        pieces[index] = f"{pieces[index]} {pieces[index]}"
    return "".join(pieces)


def typos(text: str, rate: float, seed) -> str:
    """Corrupt each ASCII letter with probability ``rate``: drop it, double it, replace it, or swap it with the next.

    >>> typos("watermark", 0.0, seed=0)
    'watermark'
    """
    rng = np.random.default_rng(seed)
    characters = list(text)
    hit = rng.random(len(characters)) < rate
    kinds = rng.integers(0, 4, size=len(characters))
    letters = rng.choice(list(string.ascii_lowercase), size=len(characters))
    out: list[str] = []
    index = 0
    while index < len(characters):
        character = characters[index]
        if not (hit[index] and character in string.ascii_letters):
            out.append(character)
        elif kinds[index] == 1:
            out.append(character * 2)
        elif kinds[index] == 2:
            out.append(str(letters[index]))
        elif kinds[index] == 3 and index + 1 < len(characters):
            out += [characters[index + 1], character]
            index += 1
        # kind 0 (or a swap at the very end): the letter is dropped
        index += 1
    return "".join(out)


def lowercase(text: str) -> str:
    """The whole text in lower case."""
    return text.lower()
