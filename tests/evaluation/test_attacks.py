"""Each attack keeps its invariants: the rate is respected, the same seed gives the same output, the output is valid."""

import numpy as np
import pytest

from greenmark.evaluation import attacks
from greenmark.watermark import canonicalize, default_tokenizer

VOCAB = 8192
IDS = np.random.default_rng(0).integers(2, VOCAB, size=20_000)
TEXT = " ".join(["The quick brown fox jumps over the lazy dog, said Mr. Smith."] * 200)
UNIFORM = attacks.uniform_distribution(VOCAB, exclude=[0, 1])


def test_uniform_distribution_never_draws_excluded_tokens():
    assert UNIFORM[[0, 1]].sum() == 0 and np.isclose(UNIFORM.sum(), 1)


def test_unigram_distribution_follows_frequencies():
    distribution = attacks.unigram_distribution([5] * 99 + [6], vocab_size=8)
    assert distribution[5] > 40 * distribution[6] > 0


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5])
def test_substitution_changes_the_expected_share_of_tokens(rate):
    attacked = attacks.substitute_tokens(IDS, rate, UNIFORM, seed=1)
    assert len(attacked) == len(IDS)
    assert abs((attacked != IDS).mean() - rate) < 0.02


def test_unigram_substitution_still_changes_every_chosen_token():
    frequent = attacks.unigram_distribution([7] * 1000 + [8], VOCAB)
    attacked = attacks.substitute_tokens(np.full(5000, 7), 0.3, frequent, seed=2)
    assert abs((attacked != 7).mean() - 0.3) < 0.03


@pytest.mark.parametrize("rate", [0.1, 0.3])
def test_deletion_removes_the_expected_share_in_order(rate):
    attacked = attacks.delete_tokens(np.arange(20_000), rate, seed=1)
    assert abs(1 - len(attacked) / 20_000 - rate) < 0.02
    assert (np.diff(attacked) > 0).all()


@pytest.mark.parametrize("rate", [0.1, 0.3])
def test_insertion_adds_the_expected_share_and_keeps_the_original_in_order(rate):
    original = np.arange(2, 20_002)
    attacked = attacks.insert_tokens(original, rate, attacks.uniform_distribution(1, exclude=[]), seed=1)
    assert abs(len(attacked) / len(original) - 1 - rate) < 0.02
    np.testing.assert_array_equal(attacked[attacked != 0], original)


@pytest.mark.parametrize(
    "attack",
    [
        lambda value, seed: attacks.substitute_tokens(value, 0.3, UNIFORM, seed),
        lambda value, seed: attacks.delete_tokens(value, 0.3, seed),
        lambda value, seed: attacks.insert_tokens(value, 0.3, UNIFORM, seed),
    ],
)
def test_token_attacks_are_seeded_and_stay_in_the_vocabulary(attack):
    first, again, other = attack(IDS, 5), attack(IDS, 5), attack(IDS, 6)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.min() >= 2 and first.max() < VOCAB
    assert isinstance(default_tokenizer().decode(first[:50]), str)


TEXT_ATTACKS = {
    "swap_words": attacks.swap_words,
    "delete_words": attacks.delete_words,
    "duplicate_words": attacks.duplicate_words,
    "typos": attacks.typos,
    "homoglyphs": attacks.homoglyphs,
    "zero_width": attacks.zero_width,
    "odd_spaces": attacks.odd_spaces,
    "fullwidth": attacks.fullwidth,
    "bidi_controls": attacks.bidi_controls,
}


@pytest.mark.parametrize("name", sorted(TEXT_ATTACKS))
def test_text_attacks_are_seeded_valid_and_do_something(name):
    attack = TEXT_ATTACKS[name]
    first = attack(TEXT, 0.2, seed=3)
    assert first == attack(TEXT, 0.2, seed=3)
    assert first != attack(TEXT, 0.2, seed=4)
    assert first != TEXT and attack(TEXT, 0.0, seed=3) == TEXT
    first.encode("utf-8")  # valid text: no lone surrogates


def test_word_swap_keeps_the_words_and_moves_about_the_rate():
    words = [f"w{i}" for i in range(10_000)]
    swapped = attacks.swap_words(" ".join(words), 0.2, seed=0).split()
    assert sorted(swapped) == sorted(words)
    moved = np.mean([a != b for a, b in zip(swapped, words, strict=True)])
    # a word starts a swap with probability 0.2 unless its left neighbour did; both words move
    assert 0.25 < moved < 0.4


def test_word_deletion_and_duplication_respect_the_rate():
    text = " ".join(f"w{i}" for i in range(10_000))
    assert abs(len(attacks.delete_words(text, 0.3, seed=0).split()) / 10_000 - 0.7) < 0.02
    assert abs(len(attacks.duplicate_words(text, 0.3, seed=0).split()) / 10_000 - 1.3) < 0.02


def test_typos_touch_about_the_rate_of_letters():
    text = "a" * 20_000
    attacked = attacks.typos(text, 0.1, seed=0)
    changed = sum(1 for a, b in zip(text, attacked, strict=False) if a != b) + abs(len(text) - len(attacked))
    assert 0.01 < changed / len(text) < 0.15
    assert set(attacked) <= set("abcdefghijklmnopqrstuvwxyz")


def test_lowercase():
    assert attacks.lowercase("Call Me ISHMAEL") == "call me ishmael"


@pytest.mark.parametrize("name", ["homoglyphs", "zero_width", "odd_spaces", "fullwidth", "bidi_controls"])
def test_unicode_attacks_are_undone_by_canonicalisation(name):
    text = "The quick brown fox, Mr. Smith, jumps over 3 lazy dogs."
    attacked = TEXT_ATTACKS[name](text, 1.0, seed=0)
    assert attacked != text
    assert canonicalize(attacked).text == text


def test_retokenization_drift_changes_the_token_ids_but_not_the_words():
    text = "“Well ,” he said — and   stopped…"
    drifted = attacks.retokenization_drift(text)
    assert drifted == '"Well," he said - and stopped...'
    tokenizer = default_tokenizer()
    (before, _), (after, _) = tokenizer.encode_batch([text, drifted])
    assert before.tolist() != after.tolist()


@pytest.mark.parametrize("num_spans", [1, 3, 5])
def test_copy_paste_places_the_source_where_it_says(num_spans):
    host, source = np.zeros(800, dtype=np.int64), np.arange(1, 301)
    pasted = attacks.copy_paste(host, source, 0.25, num_spans, seed=num_spans)
    assert len(pasted.ids) == 800 and len(pasted.spans) == num_spans
    assert sum(end - start for start, end in pasted.spans) == 200
    inside = np.zeros(800, dtype=bool)
    for start, end in pasted.spans:
        inside[start:end] = True
    np.testing.assert_array_equal(pasted.ids[inside], source[:200])  # consecutive pieces of the source, in order
    assert (pasted.ids[~inside] == 0).all()


def test_copy_paste_is_seeded_and_limited_by_the_source():
    host, source = np.zeros(800, dtype=np.int64), np.arange(1, 101)
    first = attacks.copy_paste(host, source, 0.25, 2, seed=1)
    assert first.spans == attacks.copy_paste(host, source, 0.25, 2, seed=1).spans
    assert sum(end - start for start, end in first.spans) == 100
    with pytest.raises(ValueError):
        attacks.copy_paste(host, source, 0.25, 0, seed=1)


@pytest.mark.parametrize(
    ("position", "expected"), [("prefix", [0, 1, 2]), ("middle", [3, 4, 5]), ("suffix", [7, 8, 9])]
)
def test_crop_windows(position, expected):
    assert attacks.crop(np.arange(10), 3, position).tolist() == expected
    assert len(attacks.crop(np.arange(10), 50, position)) == 10
