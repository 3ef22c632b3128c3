"""Unicode disguises that leave text looking the same: homoglyphs, invisible characters, odd spaces,
fullwidth forms, bidirectional controls. They are scored on the raw text, so the detector's
canonicalisation has to undo them.

>>> fullwidth("abc", 1.0, seed=0)
'ａｂｃ'
>>> len(zero_width("ab", 1.0, seed=0))
4
"""

from __future__ import annotations

import numpy as np

# Latin letters and a Cyrillic or Greek look-alike
HOMOGLYPHS = {
    "a": "а", "c": "с", "e": "е", "i": "і", "j": "ј", "o": "о", "p": "р", "s": "ѕ", "x": "х", "y": "у",
    "A": "Α", "B": "В", "C": "С", "E": "Е", "H": "Н", "I": "І", "K": "К", "M": "М", "N": "Ν", "O": "О",
    "P": "Р", "T": "Т", "X": "Х", "Y": "Υ", "Z": "Ζ",
}  # fmt: skip
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
ODD_SPACES = ("\u00a0", "\u2009", "\u202f", "\u2002", "\u2003")
BIDI_CONTROLS = ("\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e")


def _replace_characters(text: str, rate: float, seed, replace) -> str:
    rng = np.random.default_rng(seed)
    hit = rng.random(len(text)) < rate
    picks = rng.integers(0, 1 << 30, size=len(text))
    return "".join(replace(ch, int(pick)) if chosen else ch for ch, chosen, pick in zip(text, hit, picks, strict=True))


def homoglyphs(text: str, rate: float, seed) -> str:
    """Replace each Latin letter that has a Cyrillic/Greek look-alike with it, with probability ``rate``.

    >>> homoglyphs("ace", 1.0, seed=0) == "асе"
    True
    """
    return _replace_characters(text, rate, seed, lambda ch, _: HOMOGLYPHS.get(ch, ch))


def zero_width(text: str, rate: float, seed) -> str:
    """After each character, with probability ``rate``, insert a zero-width character."""
    return _replace_characters(text, rate, seed, lambda ch, pick: ch + ZERO_WIDTH[pick % len(ZERO_WIDTH)])


def odd_spaces(text: str, rate: float, seed) -> str:
    """Replace each ordinary space with a no-break, thin or other Unicode space with probability ``rate``.

    >>> odd_spaces("a b", 1.0, seed=0) != "a b"
    True
    """
    return _replace_characters(
        text, rate, seed, lambda ch, pick: ODD_SPACES[pick % len(ODD_SPACES)] if ch == " " else ch
    )


def fullwidth(text: str, rate: float, seed) -> str:
    """Replace each printable ASCII character with its fullwidth form (U+FF01-U+FF5E) with probability ``rate``."""
    return _replace_characters(text, rate, seed, lambda ch, _: chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch)


def bidi_controls(text: str, rate: float, seed) -> str:
    """After each character, with probability ``rate``, insert a bidirectional control (LRM, RLO, PDF, ...)."""
    return _replace_characters(text, rate, seed, lambda ch, pick: ch + BIDI_CONTROLS[pick % len(BIDI_CONTROLS)])
