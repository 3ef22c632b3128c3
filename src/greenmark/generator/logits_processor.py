"""``WatermarkLogitsProcessor``: any scheme's watermark as a transformers logits processor.

It wraps the spec's ``TorchScheme`` (``greenmark.generator.schemes``): one vectorised
operation over ``[batch, vocab]`` per step, no host synchronisation. In ``model.generate`` a
processor passed as ``logits_processor=`` runs *before* the temperature, top-k and top-p
warpers. For green-list schemes the bias therefore applies to the raw logits (with
temperature T a green token's logit gains ``delta / T``); a scheme that ``owns_sampling``
applies ``sampling`` itself, and the caller must then sample its output as it is
(``WatermarkedGenerator`` does).

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

from greenmark.generator.schemes import Sampling, TorchScheme, build_torch_scheme
from greenmark.watermark.errors import WatermarkError
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec


class WatermarkLogitsProcessor(LogitsProcessor):
    """Watermark the logits of every row with ``key`` under ``spec``.

    Args:
        spec: the watermark parameters; ``spec.vocab_size`` must equal the logits width.
        key: the secret watermark key.
        device: where to keep the scheme's tables (moved to the logits' device on first use).
        sampling: the caller's temperature, top-k and top-p, for schemes that apply them itself.
    """

    def __init__(
        self,
        spec: WatermarkSpec,
        key: WatermarkKey,
        device: torch.device | str | None = None,
        sampling: Sampling | None = None,
        *,
        scheme: TorchScheme | None = None,
    ):
        self.spec = spec
        self.key_id = key.key_id
        self.key = key
        self.scheme = scheme or build_torch_scheme(spec, key, device)
        self.sampling = sampling or Sampling()

    @property
    def owns_sampling(self) -> bool:
        """Whether this processor applies temperature, top-k and top-p itself (sample its output as it is)."""
        return self.scheme.owns_sampling

    def with_sampling(self, sampling: Sampling) -> WatermarkLogitsProcessor:
        """A processor sharing this one's tables, for a generation call with ``sampling``."""
        return WatermarkLogitsProcessor(self.spec, self.key, sampling=sampling, scheme=self.scheme)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if scores.shape[-1] != self.spec.vocab_size:
            raise WatermarkError(
                f"logits have {scores.shape[-1]} columns but the watermark spec's vocabulary is {self.spec.vocab_size}"
            )
        if self.scheme.device != scores.device:
            self.scheme.to(scores.device)
        return self.scheme.apply(input_ids, scores, self.sampling)
