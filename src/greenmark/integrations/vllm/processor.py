"""``VllmWatermarkLogitsProcessor``: greenmark's watermark as a vLLM V1 logits processor, one key per request.

vLLM builds one instance per engine. Each request that names a key in ``extra_args`` (see
``request_key``) gets that key's active version, resolved in the engine from the key store;
the other rows of the batch are left untouched. Per step the rows are grouped by key and each
group is biased in one vectorised call of greenmark's torch watermark processor (the same one
``WatermarkedGenerator`` uses, so vLLM and transformers output carry the same watermark).

The processor changes the argmax, so vLLM applies it to the raw float32 logits before
penalties, temperature, top-k and top-p, and greedy requests are watermarked too. Each row's
context is its prompt followed by its output so far: the first generated token is seeded by
the prompt's last tokens.

>>> from vllm import SamplingParams
>>> VllmWatermarkLogitsProcessor.validate_params(SamplingParams(max_tokens=4)) is None
True
"""

from __future__ import annotations

import logging
import weakref
from collections import defaultdict
from dataclasses import dataclass

import torch
from vllm import SamplingParams
from vllm.config import VllmConfig
from vllm.v1.sample.logits_processor import BatchUpdate, LogitsProcessor
from vllm.v1.sample.logits_processor.builtin import process_dict_updates

from greenmark.generator.logits_processor import WatermarkLogitsProcessor
from greenmark.integrations.vllm.key_resolver import shared_resolver
from greenmark.integrations.vllm.request_key import RequestKeyError, request_key

logger = logging.getLogger(__name__)

# the engine each live processor serves: loaded twice (entry point and --logits-processors), only the first acts
_PROCESSOR_OF_ENGINE: weakref.WeakValueDictionary[int, VllmWatermarkLogitsProcessor] = weakref.WeakValueDictionary()


@dataclass
class _Row:
    """One watermarked request: its key's processor, the prompt's last tokens, vLLM's live output list."""

    watermark: WatermarkLogitsProcessor
    prompt_tail: list[int]
    output_ids: list[int]

    def context(self) -> list[int] | None:
        """The tokens the next position's green list depends on, ``None`` before there are enough."""
        width = self.watermark.spec.preceding_tokens
        recent = self.output_ids[-width:]
        if len(recent) < width:
            recent = self.prompt_tail[len(self.prompt_tail) - (width - len(recent)) :] + recent
        return recent if len(recent) == width else None


class VllmWatermarkLogitsProcessor(LogitsProcessor):
    """Watermark the requests that name a greenmark key; leave the others as they are.

    Load it with ``vllm serve MODEL --logits-processors
    greenmark.integrations.vllm:VllmWatermarkLogitsProcessor`` or ``LLM(...,
    logits_processors=[VllmWatermarkLogitsProcessor])``; an installed greenmark also registers it
    in the ``vllm.logits_processors`` entry-point group, which vLLM loads by itself.
    """

    @classmethod
    def validate_params(cls, sampling_params: SamplingParams) -> None:
        """Reject a request whose key or tenant is malformed or unknown (vLLM answers HTTP 400)."""
        requested = request_key(sampling_params.extra_args)
        if requested is not None:
            shared_resolver().resolve(requested)

    def __init__(self, vllm_config: VllmConfig, device: torch.device, is_pin_memory: bool):
        self.vocab_size = vllm_config.model_config.get_vocab_size()
        self.device = device
        self.rows: dict[int, _Row] = {}
        self._watermarks: dict[str, WatermarkLogitsProcessor] = {}
        self._config = vllm_config  # keeps the id in _PROCESSOR_OF_ENGINE unique while this lives
        self.active = _PROCESSOR_OF_ENGINE.setdefault(id(vllm_config), self) is self
        if not self.active:
            logger.warning("greenmark's vLLM processor is loaded twice for one engine; only the first one acts")

    def is_argmax_invariant(self) -> bool:
        """A watermark bias moves the argmax: greedy decoding is watermarked too."""
        return False

    def update_state(self, batch_update: BatchUpdate | None) -> None:
        if self.active:
            process_dict_updates(self.rows, batch_update, self._new_row)

    def _new_row(self, params: SamplingParams, prompt_ids: list[int] | None, output_ids: list[int]) -> _Row | None:
        try:
            requested = request_key(params.extra_args)
            if requested is None:
                return None
            key, spec, metadata = shared_resolver().resolve(requested)
        except RequestKeyError as error:  # validated on arrival; gone since (deleted or retired in between)
            logger.error("request left unwatermarked: %s", error)
            return None
        if spec.vocab_size != self.vocab_size:
            logger.error(
                "request left unwatermarked: key %s is for a vocabulary of %d tokens, the model has %d",
                metadata.key_id,
                spec.vocab_size,
                self.vocab_size,
            )
            return None
        watermark = self._watermarks.get(metadata.key_id)
        if watermark is None:
            watermark = self._watermarks[metadata.key_id] = WatermarkLogitsProcessor(spec, key, device=self.device)
        return _Row(watermark, list(prompt_ids or ())[-spec.preceding_tokens :], output_ids)

    def apply(self, logits: torch.Tensor) -> torch.Tensor:
        groups: dict[WatermarkLogitsProcessor, tuple[list[int], list[list[int]]]] = defaultdict(lambda: ([], []))
        for index, row in self.rows.items():
            context = row.context()
            if context is not None:
                indices, contexts = groups[row.watermark]
                indices.append(index)
                contexts.append(context)
        for watermark, (indices, contexts) in groups.items():
            context_ids = torch.tensor(contexts, dtype=torch.long, device=logits.device)
            if indices == list(range(logits.shape[0])):
                logits = watermark(context_ids, logits)
            else:
                rows = torch.tensor(indices, dtype=torch.long, device=logits.device)
                logits[rows] = watermark(context_ids, logits[rows])
        return logits
