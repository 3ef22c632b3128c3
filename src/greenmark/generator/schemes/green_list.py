"""The KGW soft watermark in torch: add ``delta`` to the logits of the green tokens.

One vectorised add over ``[batch, vocab]`` with the green masks of ``TorchGreenLists``
(bit-identical to the numpy scheme). The bias applies to the raw logits, before the
caller's temperature, top-k and top-p: with temperature T a green token's logit gains
``delta / T`` after scaling, and top-k/top-p select from the biased distribution.

>>> import torch
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> scheme = TorchGreenListScheme(WatermarkSpec(vocab_size=16, delta=2.0), WatermarkKey.from_hex("00" * 32))
>>> sorted(set(scheme.apply(torch.tensor([[3, 5]]), torch.zeros(1, 16), Sampling())[0].tolist()))
[0.0, 2.0]
"""

from __future__ import annotations

import torch

from greenmark.generator.schemes.base import Sampling, TorchScheme
from greenmark.generator.schemes.registry import register_torch_scheme
from greenmark.generator.torch_prf import TorchGreenLists
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec


@register_torch_scheme
class TorchGreenListScheme(TorchScheme):
    scheme_ids = ("lefthash@gm1", "selfhash@gm1")

    def __init__(self, spec: WatermarkSpec, key: WatermarkKey, device: torch.device | str | None = None):
        super().__init__(spec, key, device)
        self.green_lists = TorchGreenLists(spec, key, device)

    @property
    def device(self) -> torch.device:
        return self.green_lists.token_codes.device

    def to(self, device) -> TorchGreenListScheme:
        self.green_lists.to(device)
        return self

    def apply(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, sampling: Sampling) -> torch.FloatTensor:
        if input_ids.shape[1] < self.spec.preceding_tokens:
            return scores  # no full context yet: nothing the detector could score
        return torch.add(scores, self.green_lists.green_mask(input_ids), alpha=self.spec.delta)
