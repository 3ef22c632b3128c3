"""Re-tokenisation drift: tidy whitespace and punctuation the way an editor or a web form would,
so that re-encoding the text yields different token boundaries than the generator produced.

>>> retokenization_drift("“Hello ,  world” — he said…")
'"Hello, world" - he said...'
"""

from __future__ import annotations

import re

_PUNCTUATION = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "…": "..."})
_SPACE_RUNS = re.compile(r"\s+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" +([,.;:!?])")


def retokenization_drift(text: str) -> str:
    """Straighten quotes, simplify dashes and ellipses, collapse whitespace runs to one space,
    and drop spaces before punctuation."""
    text = _SPACE_RUNS.sub(" ", text.translate(_PUNCTUATION)).strip()
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)
