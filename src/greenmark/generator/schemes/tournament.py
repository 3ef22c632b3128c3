"""SynthID-Text-style tournament sampling in torch (``tournament@gm1``).

After temperature, top-k and top-p (``KeyedSamplingScheme``) the warped logits become
probabilities ``p`` and the tournament of ``greenmark.watermark.schemes.tournament`` is played
in closed form: for each of the m layers, ``p <- p * (1 + g_l - sum(p * g_l))``, with the
g-bits of every candidate after the row's last h tokens. The returned logits are ``log p``, so
sampling stays random (resampling a prompt gives new answers) and each step is
non-distortionary over a random key.

>>> import torch
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> from greenmark.generator.schemes import Sampling
>>> spec = WatermarkSpec(vocab_size=16, scheme="tournament", context_width=4)
>>> scheme = TorchTournamentScheme(spec, WatermarkKey.from_hex("00" * 32))
>>> winners = scheme.apply(torch.tensor([[1, 2, 3, 4]]), torch.zeros(1, 16), Sampling()).softmax(-1)
>>> round(float(winners.sum()), 5)
1.0
"""

from __future__ import annotations

import torch

from greenmark.generator.schemes.keyed_sampling import KeyedSamplingScheme
from greenmark.generator.schemes.registry import register_torch_scheme


def tournament_probabilities(probabilities: torch.Tensor, hashes: torch.Tensor, depth: int) -> torch.Tensor:
    """The winner's distribution (float32 ``[batch, vocab]``) of a 2-leaf tournament over ``depth`` layers.

    Layer l's g-value of a candidate is bit l of its pair hash. Works in place on ``probabilities``.
    """
    g = torch.empty_like(probabilities)
    bits = torch.empty_like(hashes)
    for layer in range(depth):
        g.copy_(torch.bitwise_right_shift(hashes, layer, out=bits).bitwise_and_(1))
        mass = torch.bmm(probabilities[:, None, :], g[:, :, None])[:, :, 0]  # sum(p * g) per row
        probabilities.mul_(g.sub_(mass).add_(1).clamp_(min=0))  # rounding can push sum(p * g) past 1
    return probabilities


@register_torch_scheme
class TorchTournamentScheme(KeyedSamplingScheme):
    scheme_ids = ("tournament@gm1",)

    def keyed_logits(self, input_ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        probabilities = logits.float().softmax(dim=-1)
        depth = self.numpy_scheme.depth
        return tournament_probabilities(probabilities, self.hashes.row_hashes(input_ids), depth).log_().to(logits.dtype)
