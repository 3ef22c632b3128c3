"""``GumbelLogitsProcessor``: Aaronson's Gumbel-max watermark as a transformers logits processor.

The processor samples itself (``KeyedSamplingProcessor``): it applies temperature, top-k and
top-p to the raw logits, turns them into probabilities ``p``, and forces the token
``argmax_t log(r_t) / p_t`` (= ``argmax_t r_t ** (1 / p_t)``), where ``r`` are the keyed
uniforms of ``greenmark.watermark.gumbel`` after the row's last h tokens. Over a random key
that choice is a sample from ``p``, so the text's distribution is unchanged; for one key it is
deterministic: the same prompt always gives the same answer. Its output logits are 0 for the
forced token and -inf elsewhere, so ``generate`` must sample with temperature 1 and no top-k or
top-p (``WatermarkedGenerator`` does so).

>>> import torch
>>> from greenmark.watermark import WatermarkKey
>>> from greenmark.watermark.gumbel import GumbelScheme
>>> processor = GumbelLogitsProcessor(GumbelScheme(vocab_size=16), WatermarkKey.from_hex("00" * 32))
>>> forced = processor(torch.tensor([[1, 2, 3, 4]]), torch.zeros(1, 16))
>>> int(torch.isfinite(forced).sum())
1
"""

from __future__ import annotations

import torch

from greenmark.generator.sampling import KeyedSamplingProcessor
from greenmark.watermark import gumbel


def keyed_uniforms(hashes: torch.Tensor) -> torch.Tensor:
    """float32 uniforms from int32 pair hashes: the top 24 bits times 2**-24 (exact, as numpy's)."""
    codes = torch.bitwise_right_shift(hashes, 32 - gumbel.UNIFORM_BITS) & ((1 << gumbel.UNIFORM_BITS) - 1)
    return codes.to(torch.float32) * gumbel.UNIFORM_SCALE


class GumbelLogitsProcessor(KeyedSamplingProcessor):
    """Force the Gumbel-max choice of each row (arguments as ``KeyedSamplingProcessor``'s)."""

    def keyed_logits(self, input_ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        probabilities = logits.float().softmax(dim=-1)
        # log(r) <= -2**-24 < 0, so a token with p = 0 scores -inf and is never chosen
        choice = (keyed_uniforms(self.hashes.row_hashes(input_ids)).log_() / probabilities).argmax(dim=-1)
        return torch.full_like(logits, float("-inf")).scatter_(1, choice[:, None], 0.0)
