"""``TournamentLogitsProcessor``: SynthID-Text-style tournament sampling as a logits processor.

The processor applies temperature, top-k and top-p to the raw logits
(``KeyedSamplingProcessor``), turns them into probabilities ``p`` and plays the tournament of
``greenmark.watermark.tournament`` in closed form: for each of the m layers,
``p <- p * (1 + g_l - sum(p * g_l))`` with the g-bits of every candidate after the row's last
h tokens. It returns ``log p``; ``generate`` then samples from it with temperature 1 and no
top-k or top-p (``WatermarkedGenerator`` does so), so sampling stays random (resampling a
prompt gives new answers) and each step is non-distortionary over a random key.

>>> import torch
>>> from greenmark.watermark import WatermarkKey
>>> from greenmark.watermark.tournament import TournamentScheme
>>> processor = TournamentLogitsProcessor(TournamentScheme(vocab_size=16), WatermarkKey.from_hex("00" * 32))
>>> probabilities = processor(torch.tensor([[1, 2, 3, 4]]), torch.zeros(1, 16)).softmax(-1)
>>> round(float(probabilities.sum()), 5)
1.0
"""

from __future__ import annotations

import torch

from greenmark.generator.sampling import KeyedSamplingProcessor


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


class TournamentLogitsProcessor(KeyedSamplingProcessor):
    """Replace each row's distribution by its tournament winner's (arguments as ``KeyedSamplingProcessor``'s)."""

    def keyed_logits(self, input_ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        probabilities = logits.float().softmax(dim=-1)
        winners = tournament_probabilities(probabilities, self.hashes.row_hashes(input_ids), self.scheme.depth)
        return winners.log_().to(logits.dtype)
