"""Text canonicalisation applied before tokenising, so cosmetic Unicode edits cannot hide a watermark.

Three steps, each reported when it changed something (a change is itself a sign of tampering):

1. ``nfkc``: Unicode NFKC (fullwidth forms, ligatures, no-break and thin spaces, ...).
2. ``invisible``: zero-width characters, soft hyphens and bidirectional controls removed.
3. ``homoglyphs``: Cyrillic and Greek letters that are confusable with Latin letters
   (Unicode TR39 confusables restricted to those scripts) folded to their Latin look-alike.

>>> canonicalize("Hе\u200bllo").text      # Cyrillic "е" and a zero-width space
'Hello'
>>> canonicalize("Hе\u200bllo").normalizations
('invisible', 'homoglyphs')
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)

# Cyrillic and Greek letters whose glyphs are confusable with a Latin letter.
_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic lowercase
        "а": "a", "в": "b", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x",
        "ѕ": "s", "і": "i", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
        "ɡ": "g", "ո": "n", "ս": "u", "ց": "g", "օ": "o",
        # Cyrillic uppercase
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ԁ": "D",
        "Ԛ": "Q", "Ԝ": "W", "Ӏ": "I",
        # Greek
        "ο": "o", "ν": "v", "ι": "i", "α": "a", "ρ": "p", "κ": "k", "τ": "t", "υ": "u",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip


_HOMOGLYPH_CHARACTERS = re.compile("[" + "".join(chr(c) for c in _HOMOGLYPHS) + "]")


@dataclass(frozen=True)
class CanonicalText:
    """The canonical form of a text and the names of the steps that changed it."""

    text: str
    normalizations: tuple[str, ...]


def canonicalize(text: str) -> CanonicalText:
    """Return the canonical form of ``text`` and which normalisations changed it.

    >>> canonicalize("ｆｕｌｌ width").text
    'full width'
    """
    steps: list[str] = []
    current = text
    if not unicodedata.is_normalized("NFKC", current):
        current = unicodedata.normalize("NFKC", current)
        steps.append("nfkc")
    if _INVISIBLE.search(current):
        current = _INVISIBLE.sub("", current)
        steps.append("invisible")
    if _HOMOGLYPH_CHARACTERS.search(current):
        current = current.translate(_HOMOGLYPHS)
        steps.append("homoglyphs")
    if not steps:
        return CanonicalText(text, ())
    # Removing an invisible character can leave a base letter beside a combining mark: recompose.
    return CanonicalText(unicodedata.normalize("NFKC", current), tuple(steps))
