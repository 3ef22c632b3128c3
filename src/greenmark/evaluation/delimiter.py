"""The emoji (delimiter) attack of Kirchenbauer et al. (2023): make the model write a delimiter
after every token while it generates, then delete the delimiters.

With a context width of one, every content token was generated with the delimiter as its
context; once the delimiters are gone each token's context is a different token, so its
green list at detection time is unrelated to the one it was sampled from.

>>> import torch
>>> processor = ForceDelimiter(delimiter_id=2)
>>> processor(torch.tensor([[5]]), torch.zeros(1, 4)).argmax().item()
2
>>> strip_delimiter([5, 2, 6, 2], 2).tolist()
[5, 6]
"""

from __future__ import annotations

import numpy as np
import torch
from transformers import LogitsProcessor

DELIMITER_TEXT = " *"


class ForceDelimiter(LogitsProcessor):
    """After any token but the delimiter, allow only the delimiter; after the delimiter, forbid it.

    Args:
        delimiter_id: the token id to interleave (one token, e.g. ``" *"``).
    """

    def __init__(self, delimiter_id: int):
        self.delimiter_id = delimiter_id

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        after_delimiter = (input_ids[:, -1] == self.delimiter_id)[:, None]
        free = scores.clone()
        free[:, self.delimiter_id] = -torch.inf
        forced = torch.full_like(scores, -torch.inf)
        forced[:, self.delimiter_id] = 0.0
        return torch.where(after_delimiter, free, forced)


def delimiter_id(tokenizer, text: str = DELIMITER_TEXT) -> int:
    """The id of ``text``, which must be one token of the (transformers) ``tokenizer``."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if len(ids) != 1:
        raise ValueError(f"{text!r} is {len(ids)} tokens, not one")
    return ids[0]


def strip_delimiter(ids, delimiter: int) -> np.ndarray:
    """``ids`` without the delimiter."""
    ids = np.asarray(ids, dtype=np.int64)
    return ids[ids != delimiter]
