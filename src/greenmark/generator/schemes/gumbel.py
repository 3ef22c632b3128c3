"""Aaronson's Gumbel-max watermark in torch (``gumbel@gm1``).

After temperature, top-k and top-p (``KeyedSamplingScheme``) the warped logits become
probabilities ``p`` and the row is forced to ``argmax_t log(r_t) / p_t``
(= ``argmax_t r_t ** (1 / p_t)``), ``r`` being the keyed uniforms of
``greenmark.watermark.schemes.gumbel`` for every candidate after the row's last h tokens.
Over a random key that choice is a sample from ``p``; for one key it is deterministic (the
same prompt always gives the same answer). The returned logits are 0 for the forced token and
-inf elsewhere.

>>> import torch
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> from greenmark.generator.schemes import Sampling
>>> spec = WatermarkSpec(vocab_size=16, scheme="gumbel", context_width=4)
>>> scheme = TorchGumbelScheme(spec, WatermarkKey.from_hex("00" * 32))
>>> row, logits = torch.tensor([[1, 2, 3, 4]]), torch.randn(1, 16)
>>> len({int(scheme.apply(row, logits, Sampling()).argmax()) for _ in range(5)})  # the same every time
1
"""

from __future__ import annotations

import torch

from greenmark.generator.schemes.keyed_sampling import KeyedSamplingScheme
from greenmark.generator.schemes.registry import register_torch_scheme
from greenmark.watermark.schemes.gumbel import UNIFORM_BITS, UNIFORM_SCALE


def keyed_uniforms(hashes: torch.Tensor) -> torch.Tensor:
    """float32 uniforms from int32 pair hashes: the top 24 bits times 2**-24 (exact, as numpy's)."""
    codes = torch.bitwise_right_shift(hashes, 32 - UNIFORM_BITS) & ((1 << UNIFORM_BITS) - 1)
    return codes.to(torch.float32) * UNIFORM_SCALE


@register_torch_scheme
class TorchGumbelScheme(KeyedSamplingScheme):
    scheme_ids = ("gumbel@gm1",)

    def keyed_logits(self, input_ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        probabilities = logits.float().softmax(dim=-1)
        # log(r) <= -2**-24 < 0, so a token with p = 0 scores -inf and is never chosen
        choice = (keyed_uniforms(self.hashes.row_hashes(input_ids)).log_() / probabilities).argmax(dim=-1)
        return torch.full_like(logits, float("-inf")).scatter_(1, choice[:, None], 0.0)
