"""The scanning tests' corpus: human text chunks mixed with model-free watermarked documents from two tenants.

Watermarked documents are words drawn, one at a time, from the key's green list after the
words before them (any scheme: membership comes from ``spec.is_green``), as a watermarked
generator with a strong bias would write them. Only whole-word tokens that re-tokenise to
themselves are used (``tests.cli.green_text.word_tokens``), so the detector sees the ids drawn.
"""

from __future__ import annotations

import numpy as np

from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
from tests.cli.green_text import word_tokens

VOCABULARY = 300


def green_documents(key: WatermarkKey, spec: WatermarkSpec, count: int, words: int, seed: int) -> list[str]:
    """``count`` documents of ``words`` green words under ``key`` and ``spec``, each after a random start."""
    rng = np.random.default_rng(seed)
    vocabulary = rng.choice(word_tokens(), VOCABULARY, replace=False)  # a small vocabulary: fast, still varied
    ids = rng.choice(vocabulary, (count, spec.preceding_tokens))
    for _ in range(words):
        contexts = np.repeat(ids[:, ids.shape[1] - spec.preceding_tokens :], len(vocabulary), axis=0)
        green = spec.is_green(key, contexts, np.tile(vocabulary, count)).reshape(count, len(vocabulary))
        choice = np.argmax(np.where(green, rng.random(green.shape), -1.0), axis=1)  # a random green word per row
        ids = np.concatenate([ids, vocabulary[choice][:, None]], axis=1)
    tokenizer = default_tokenizer()
    return [tokenizer.decode(row).strip() for row in ids]


def human_chunks(texts: list[str], count: int, characters: int) -> list[str]:
    """``count`` consecutive chunks of about ``characters`` characters, cut at spaces, from the texts in turn."""
    chunks = []
    for text in texts:
        start = 0
        while len(chunks) < count and start + characters < len(text):
            end = text.rfind(" ", start, start + characters)
            chunks.append(text[start:end].strip())
            start = end
    if len(chunks) < count:
        raise ValueError(f"the texts hold fewer than {count} chunks of {characters} characters")
    return chunks
