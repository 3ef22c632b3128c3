"""Model-free, seeded attacks on watermarked text: each a small pure function, text or token ids in and out.

``seed`` is anything ``numpy.random.default_rng`` takes; the same seed gives the same output.

>>> from greenmark.evaluation.attacks import swap_words
>>> swap_words("a b c d", 0.5, seed=3) == swap_words("a b c d", 0.5, seed=3)
True
"""

from greenmark.evaluation.attacks.drift import retokenization_drift
from greenmark.evaluation.attacks.splicing import CROP_POSITIONS, PastedTokens, copy_paste, crop
from greenmark.evaluation.attacks.tokens import (
    delete_tokens,
    insert_tokens,
    substitute_tokens,
    uniform_distribution,
    unigram_distribution,
)
from greenmark.evaluation.attacks.unicode import bidi_controls, fullwidth, homoglyphs, odd_spaces, zero_width
from greenmark.evaluation.attacks.words import delete_words, duplicate_words, lowercase, swap_words, typos

__all__ = [
    "CROP_POSITIONS",
    "PastedTokens",
    "bidi_controls",
    "copy_paste",
    "crop",
    "delete_tokens",
    "delete_words",
    "duplicate_words",
    "fullwidth",
    "homoglyphs",
    "insert_tokens",
    "lowercase",
    "odd_spaces",
    "retokenization_drift",
    "substitute_tokens",
    "swap_words",
    "typos",
    "uniform_distribution",
    "unigram_distribution",
    "zero_width",
]
