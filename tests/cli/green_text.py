"""Watermarked text without a model: words drawn from a key's green lists.

Only whole-word tokens (a space and a lowercase word) that re-tokenise to themselves are
drawn, so decoding and re-tokenising the text gives back the sampled token ids.

>>> from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
>>> spec = WatermarkSpec.for_tokenizer(default_tokenizer())
>>> len(green_words_text(WatermarkKey.generate(), spec, length=5).split())
6
"""

import re
from functools import cache

import numpy as np

from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer


@cache
def word_tokens() -> np.ndarray:
    """Ids of the default tokenizer's tokens that are one space plus a lowercase word and re-tokenise to themselves."""
    tokenizer = default_tokenizer()
    pieces = {token_id: tokenizer.decode([token_id]) for token_id in range(tokenizer.vocab_size)}
    candidates = [token_id for token_id, piece in pieces.items() if re.fullmatch(r" [a-z]{2,}", piece)]
    encoded = tokenizer.encode_batch([pieces[token_id] for token_id in candidates])
    kept = [token_id for token_id, (ids, _) in zip(candidates, encoded, strict=True) if list(ids) == [token_id]]
    return np.array(kept)


def green_words_text(key: WatermarkKey, spec: WatermarkSpec, length: int = 120, seed: int = 0) -> str:
    """``length`` words, each green under ``key`` after the words before it (plus a random first context)."""
    rng = np.random.default_rng(seed)
    words = word_tokens()
    ids = [int(token) for token in rng.choice(words, spec.preceding_tokens)]
    for _ in range(length):
        ids.append(int(rng.choice(words[spec.green_list(key, ids)[words]])))
    return default_tokenizer().decode(ids).strip()
