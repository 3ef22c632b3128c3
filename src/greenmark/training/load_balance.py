"""DeepSeek-V3's auxiliary-loss-free expert load balancing (Wang et al. 2024; DeepSeek-V3 report, 2.1.2).

transformers routes with ``scores + e_score_correction_bias`` but never updates that bias, and
computes no balancing loss for this architecture, so without this one expert takes most tokens.
After each optimiser step every router's bias moves by ``update_rate`` towards under-loaded
experts: ``bias += update_rate * sign(mean_load - load)``. The bias only changes which experts
are chosen, never the gate weights, so it adds no gradient interference.

>>> import torch
>>> counts = torch.tensor([[6.0, 1.0, 1.0]])
>>> bias_step(counts, update_rate=0.1)
tensor([[-0.1000,  0.1000,  0.1000]])
"""

from __future__ import annotations

import torch
from torch import nn


def bias_step(counts: torch.Tensor, update_rate: float) -> torch.Tensor:
    """The bias change for per-layer expert token counts ``counts[layer, expert]``."""
    mean_load = counts.mean(dim=-1, keepdim=True)
    return update_rate * torch.sign(mean_load - counts)


class ExpertLoadBalancer:
    """Counts the tokens each router sends to each expert and applies the bias update."""

    def __init__(self, model: nn.Module, update_rate: float = 1e-3):
        self.routers = [m for m in model.modules() if hasattr(m, "e_score_correction_bias")]
        if not self.routers:
            raise ValueError("model has no routers with an e_score_correction_bias")
        self.update_rate = update_rate
        num_experts = self.routers[0].e_score_correction_bias.numel()
        self.counts = torch.zeros(len(self.routers), num_experts)
        for layer, router in enumerate(self.routers):
            router.register_forward_hook(self._counter(layer))

    def _counter(self, layer: int):
        def count(_module, _inputs, outputs):
            topk_indices = outputs[2]
            self.counts[layer] += torch.bincount(topk_indices.flatten(), minlength=self.counts.shape[1]).to(
                self.counts.dtype
            )

        return count

    @torch.no_grad()
    def update(self) -> None:
        """Move every router's bias towards balance, then reset the counts."""
        delta = bias_step(self.counts, self.update_rate)
        for layer, router in enumerate(self.routers):
            router.e_score_correction_bias += delta[layer].to(router.e_score_correction_bias.dtype)
        self.counts.zero_()

    def max_over_mean_load(self) -> list[float]:
        """Per layer, the busiest expert's load divided by the mean load, over the counts so far."""
        return (self.counts.max(dim=-1).values / self.counts.mean(dim=-1).clamp_min(1e-9)).tolist()
