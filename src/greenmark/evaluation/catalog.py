"""The attacks a suite runs, each at its strengths, as uniform ``Attack`` records.

An attack of kind ``tokens`` maps a continuation's token ids to new ids; one of kind
``text`` maps its text to new text, which is then scored as raw text.

>>> from greenmark.evaluation.attacks import uniform_distribution
>>> attacks = build_attacks(AttackStrengths(token_rates=(0.1,)), uniform_distribution(10), uniform_distribution(10))
>>> [a.label for a in attacks][:2]
['token substitution (uniform) 0.1', 'token substitution (unigram) 0.1']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from greenmark.evaluation import attacks as edits


@dataclass(frozen=True)
class Attack:
    """One attack at one strength: ``apply(input, seed) -> output`` on token ids or text."""

    family: str
    strength: float | None
    kind: str
    apply: Callable

    @property
    def label(self) -> str:
        return self.family if self.strength is None else f"{self.family} {self.strength:g}"


@dataclass(frozen=True)
class AttackStrengths:
    """The strengths each family runs at (rates are per token, word or character)."""

    token_rates: tuple[float, ...] = (0.1, 0.3, 0.5)
    word_rates: tuple[float, ...] = (0.1, 0.3)
    typo_rates: tuple[float, ...] = (0.05,)
    unicode_rates: tuple[float, ...] = (0.3,)
    crop_lengths: tuple[int, ...] = (25, 50, 100)


def build_attacks(strengths: AttackStrengths, uniform: np.ndarray, unigram: np.ndarray) -> list[Attack]:
    """Every attack family at every strength; ``uniform``/``unigram`` are replacement distributions."""
    token_families = [
        ("token substitution (uniform)", lambda ids, rate, seed: edits.substitute_tokens(ids, rate, uniform, seed)),
        ("token substitution (unigram)", lambda ids, rate, seed: edits.substitute_tokens(ids, rate, unigram, seed)),
        ("token deletion", edits.delete_tokens),
        ("token insertion (unigram)", lambda ids, rate, seed: edits.insert_tokens(ids, rate, unigram, seed)),
    ]
    text_families = [
        ("word swap", edits.swap_words, strengths.word_rates),
        ("word deletion", edits.delete_words, strengths.word_rates),
        ("word duplication", edits.duplicate_words, strengths.word_rates),
        ("typos", edits.typos, strengths.typo_rates),
        ("homoglyphs", edits.homoglyphs, strengths.unicode_rates),
        ("zero-width characters", edits.zero_width, strengths.unicode_rates),
        ("unicode spaces", edits.odd_spaces, strengths.unicode_rates),
        ("fullwidth forms", edits.fullwidth, strengths.unicode_rates),
        ("bidi controls", edits.bidi_controls, strengths.unicode_rates),
    ]
    attacks = [
        Attack(family, rate, "tokens", partial(_with_rate, function, rate))
        for rate in strengths.token_rates
        for family, function in token_families
    ]
    attacks += [
        Attack(family, rate, "text", partial(_with_rate, function, rate))
        for family, function, rates in text_families
        for rate in rates
    ]
    attacks += [
        Attack("lowercase", None, "text", lambda text, seed: edits.lowercase(text)),
        Attack("re-tokenisation drift", None, "text", lambda text, seed: edits.retokenization_drift(text)),
    ]
    attacks += [
        Attack(f"crop ({position})", length, "tokens", partial(_crop, length, position))
        for position in edits.CROP_POSITIONS
        for length in strengths.crop_lengths
    ]
    return attacks


def _with_rate(function: Callable, rate: float, value, seed):
    return function(value, rate, seed)


def _crop(length: int, position: str, ids, seed):
    return edits.crop(ids, length, position)
