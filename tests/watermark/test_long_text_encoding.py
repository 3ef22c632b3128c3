"""Long texts are tokenised in pieces (bounded memory) to exactly the ids and offsets of encoding them whole."""

from __future__ import annotations

import numpy as np
import pytest
from tokenizers import Tokenizer, pre_tokenizers

from greenmark.corpus import book_paths
from greenmark.watermark import TextTokenizer, default_tokenizer
from greenmark.watermark import tokenizer as tokenizer_module

# characters chosen to stress the pre-tokeniser's rules around spaces: words, digits, contractions,
# punctuation runs, several kinds of whitespace, non-Latin letters, combining marks, emoji
ALPHABET = [*"ab xyZ09_'s'll .,!?-— \t\n\r  \u00a0\u2003é漢字ё\u0301🙂", " ", " ", " "]


def whole(tokenizer: TextTokenizer, text: str) -> tuple[np.ndarray, np.ndarray]:
    encoding = tokenizer.backend.encode(text, add_special_tokens=False)
    return np.asarray(encoding.ids), np.asarray(encoding.offsets).reshape(-1, 2)


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces of about 40 characters, so a short text is cut hundreds of times."""
    monkeypatch.setattr(tokenizer_module, "PIECE_CHARS", 40)


def test_the_default_tokenizer_is_cut_into_pieces():
    assert default_tokenizer().splits_at_spaces


def test_random_text_in_pieces_equals_the_whole(small_pieces):
    tokenizer = default_tokenizer()
    rng = np.random.default_rng(0)
    texts = ["".join(rng.choice(ALPHABET, size=int(rng.integers(200, 4000)))) for _ in range(40)]
    for (ids, offsets), text in zip(tokenizer.encode_batch(texts), texts, strict=True):
        expected_ids, expected_offsets = whole(tokenizer, text)
        assert np.array_equal(ids, expected_ids) and np.array_equal(offsets, expected_offsets)


def test_a_book_in_pieces_equals_the_whole(small_pieces):
    try:
        text = book_paths("human-dev")[0].read_text(encoding="utf-8")[:200_000]
    except FileNotFoundError:
        pytest.skip("corpus absent: set GREENMARK_CORPUS or place it at ../shared/corpus")
    tokenizer = default_tokenizer()
    [(ids, offsets)] = tokenizer.encode_batch([text])
    [(fast_ids, no_offsets)] = tokenizer.encode_batch([text], offsets=False)
    expected_ids, expected_offsets = whole(tokenizer, text)
    assert np.array_equal(ids, expected_ids) and np.array_equal(offsets, expected_offsets)
    assert np.array_equal(fast_ids, ids) and no_offsets is None


def test_a_tokenizer_that_may_join_across_spaces_encodes_whole(small_pieces):
    # a Metaspace (SentencePiece-style) pre-tokeniser: the cut rule is not proven for it
    backend = Tokenizer.from_str(default_tokenizer().backend.to_str())
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer = TextTokenizer(backend)
    assert not tokenizer.splits_at_spaces
    text = "word " * 100
    assert np.array_equal(tokenizer.encode_batch([text])[0][0], whole(tokenizer, text)[0])
