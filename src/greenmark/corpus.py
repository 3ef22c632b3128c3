"""Where the shared public-domain corpus lives at run time (it is never copied into the project).

``GREENMARK_CORPUS`` overrides the location; otherwise ``../shared/corpus`` beside the
repository (or the current directory) is used.

>>> from greenmark.corpus import find_corpus
>>> find_corpus() is None or (find_corpus() / "train").is_dir()
True
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]


def find_corpus() -> Path | None:
    """Return the corpus directory, or ``None`` when it is absent."""
    override = os.environ.get("GREENMARK_CORPUS")
    candidates = [Path(override)] if override else []
    candidates += [
        _REPO_ROOT.parent / "shared" / "corpus",
        Path.cwd().parent / "shared" / "corpus",
    ]
    for candidate in candidates:
        if (candidate / "train").is_dir():
            return candidate
    return None


def book_paths(split: str, corpus: Path | None = None) -> list[Path]:
    """The books of one split (``train`` or ``human-dev``), sorted by file name.

    Raises ``FileNotFoundError`` when the corpus is absent.
    """
    root = corpus or find_corpus()
    if root is None:
        raise FileNotFoundError("corpus not found: set GREENMARK_CORPUS or place it at ../shared/corpus")
    return sorted((root / split).glob("*.txt"))
