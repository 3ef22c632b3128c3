"""``WatermarkLogitsProcessor``: the KGW soft watermark as a transformers logits processor.

Adds ``spec.delta`` to the logits of the green tokens of every row, in one vectorised
operation over ``[batch, vocab]`` with no host synchronisation. In ``model.generate`` a
processor passed as ``logits_processor=`` runs *before* the temperature, top-k and top-p
warpers, so the bias applies to the raw logits: with temperature T a green token's logit
gains ``delta / T`` after scaling, and top-k/top-p select from the biased distribution.

>>> import torch
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> spec = WatermarkSpec(vocab_size=16, delta=2.0)
>>> processor = WatermarkLogitsProcessor(spec, WatermarkKey.from_hex("00" * 32))
>>> biased = processor(torch.tensor([[3, 5]]), torch.zeros(1, 16))
>>> sorted(set(biased[0].tolist()))
[0.0, 2.0]
"""

from __future__ import annotations

import torch
from transformers import LogitsProcessor

from greenmark.watermark.errors import WatermarkError
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec
from greenmark.watermark.torch_prf import TorchGreenLists


class WatermarkLogitsProcessor(LogitsProcessor):
    """Bias green tokens by ``spec.delta``.

    Args:
        spec: the watermark parameters; ``spec.vocab_size`` must equal the logits width.
        key: the secret watermark key.
        device: where to keep the green-list tables (moved to the logits' device on first use).
    """

    def __init__(self, spec: WatermarkSpec, key: WatermarkKey, device: torch.device | str | None = None):
        self.spec = spec
        self.key_id = key.key_id
        self.green_lists = TorchGreenLists(spec, key, device)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if scores.shape[-1] != self.spec.vocab_size:
            raise WatermarkError(
                f"logits have {scores.shape[-1]} columns but the watermark spec's vocabulary is {self.spec.vocab_size}"
            )
        if input_ids.shape[1] < self.spec.preceding_tokens:
            return scores  # no full context yet: nothing the detector could score
        if self.green_lists.token_codes.device != scores.device:
            self.green_lists.to(scores.device)
        return torch.add(scores, self.green_lists.green_mask(input_ids), alpha=self.spec.delta)
