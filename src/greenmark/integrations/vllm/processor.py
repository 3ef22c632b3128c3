"""``VllmWatermarkLogitsProcessor``: greenmark's watermark as a vLLM V1 logits processor, one key per request.

vLLM builds one instance per engine. Each request that names a key in ``extra_args`` (see
``request_key``) gets that key's active version, resolved in the engine from the key store;
the other rows of the batch are left untouched. Per step the rows are grouped by key (and, for
schemes that own sampling, by sampling parameters) and each group goes through its scheme's
``TorchScheme.apply`` in one vectorised call: the same code ``WatermarkedGenerator`` runs, so
vLLM and transformers output carry the same watermark and detect the same way.

vLLM applies the processor to the float32 logits before penalties, temperature, top-k and
top-p. Green-list schemes (lefthash, selfhash) bias them there, so greedy requests are
watermarked too. Schemes that own sampling (gumbel, tournament) warp the logits with the
request's temperature, top-k and top-p themselves, pick the token (keyed, or drawn from the
request's own random stream, seeded by ``SamplingParams.seed``) and force it: the row leaves
with 0 for that token and -inf elsewhere, which vLLM's own sampling keeps. vLLM's penalties
and ``min_p`` come after the processor, so they do not change such a request's tokens;
returned logprobs stay the model's (vLLM takes them before any processor).

Which ids the watermark covers is ``WatermarkedRequest``'s rule: the output ids, each seeded by
the ``preceding_tokens`` ids before it, the first ones by the prompt's last tokens.

>>> from vllm.sampling_params import SamplingParams
>>> VllmWatermarkLogitsProcessor.validate_params(SamplingParams(max_tokens=4)) is None
True
"""

from __future__ import annotations

import logging
import random
import weakref
from collections import defaultdict

import torch
from vllm.config import VllmConfig
from vllm.exceptions import VLLMValidationError
from vllm.sampling_params import SamplingParams
from vllm.v1.sample.logits_processor import BatchUpdate, LogitsProcessor
from vllm.v1.sample.logits_processor.builtin import process_dict_updates

from greenmark.generator.sampling import GREEDY_TEMPERATURE
from greenmark.generator.schemes import Sampling, TorchScheme, build_torch_scheme
from greenmark.integrations.vllm.key_resolver import shared_resolver
from greenmark.integrations.vllm.request_key import EXTRA_ARGS_FIELD, RequestKeyError, request_key
from greenmark.integrations.vllm.watermarked_request import WatermarkedRequest
from greenmark.store import StoreError

logger = logging.getLogger(__name__)

# the engine each live processor serves: loaded twice (entry point and --logits-processors), only the first acts
_PROCESSOR_OF_ENGINE: weakref.WeakValueDictionary[int, VllmWatermarkLogitsProcessor] = weakref.WeakValueDictionary()


def request_sampling(params: SamplingParams) -> Sampling:
    """The request's temperature, top-k and top-p as greenmark's ``Sampling`` (greenmark's greedy floor).

    >>> request_sampling(SamplingParams(temperature=0.7, top_k=-1, top_p=0.9))
    Sampling(temperature=0.7, top_k=0, top_p=0.9)
    """
    temperature = 0.0 if params.temperature <= GREEDY_TEMPERATURE else params.temperature
    return Sampling(temperature=temperature, top_k=max(params.top_k, 0), top_p=params.top_p)


def draw_tokens(logits: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """One token per row of ``logits``, drawn from its softmax by inverse transform of ``uniforms`` in [0, 1).

    >>> draw_tokens(torch.tensor([[0.0, -torch.inf, 0.0], [-torch.inf, 0.0, -torch.inf]]), torch.tensor([0.7, 0.2]))
    tensor([2, 1])
    """
    probabilities = logits.softmax(dim=-1)
    cumulative = probabilities.cumsum(dim=-1)
    targets = uniforms.to(cumulative)[:, None] * cumulative[:, -1:]
    drawn = torch.searchsorted(cumulative, targets, right=True)[:, 0].clamp_(max=logits.shape[1] - 1)
    # rounding can land the last draw past the final non-zero probability: take the likeliest token there
    possible = probabilities.gather(1, drawn[:, None])[:, 0] > 0
    return torch.where(possible, drawn, probabilities.argmax(dim=-1))


class VllmWatermarkLogitsProcessor(LogitsProcessor):
    """Watermark the requests that name a greenmark key; leave the others as they are.

    Load it with ``vllm serve MODEL --logits-processors
    greenmark.integrations.vllm:VllmWatermarkLogitsProcessor`` or ``LLM(...,
    logits_processors=[VllmWatermarkLogitsProcessor])``; an installed greenmark also registers it
    in the ``vllm.logits_processors`` entry-point group, which vLLM loads by itself.
    """

    @classmethod
    def validate_params(cls, sampling_params: SamplingParams) -> None:
        """Reject a request whose key or tenant is malformed or unknown (vLLM answers HTTP 400).

        A key store that cannot be opened or read is the server's fault, not the request's:
        its ``StoreError`` passes through (HTTP 500).
        """
        try:
            requested = request_key(sampling_params.extra_args)
            if requested is not None:
                shared_resolver().resolve(requested)
        except RequestKeyError as error:
            raise VLLMValidationError(str(error), parameter=f"extra_args.{EXTRA_ARGS_FIELD}") from error

    def __init__(self, vllm_config: VllmConfig, device: torch.device, is_pin_memory: bool):
        self.vocab_size = vllm_config.model_config.get_vocab_size()
        self.device = device
        self.requests: dict[int, WatermarkedRequest] = {}
        self._schemes: dict[str, TorchScheme] = {}
        self._config = vllm_config  # keeps the id in _PROCESSOR_OF_ENGINE unique while this lives
        self.active = _PROCESSOR_OF_ENGINE.setdefault(id(vllm_config), self) is self
        if not self.active:
            logger.info("greenmark's vLLM processor is loaded twice for one engine; only the first one acts")

    def is_argmax_invariant(self) -> bool:
        """A watermark moves the argmax: greedy decoding is watermarked too."""
        return False

    def update_state(self, batch_update: BatchUpdate | None) -> None:
        """Follow the batch: requests added (with their key), removed, and moved between rows."""
        if self.active:
            process_dict_updates(self.requests, batch_update, self._new_request)

    def _new_request(
        self, params: SamplingParams, prompt_ids: list[int] | None, output_ids: list[int]
    ) -> WatermarkedRequest | None:
        try:
            requested = request_key(params.extra_args)
            if requested is None:
                return None
            key, spec, metadata = shared_resolver().resolve(requested)
        except (RequestKeyError, StoreError) as error:  # validated on arrival; retired or unreachable since
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
        scheme = self._schemes.get(metadata.key_id)
        if scheme is None:
            scheme = self._schemes[metadata.key_id] = build_torch_scheme(spec, key, self.device)
        return WatermarkedRequest(
            scheme,
            request_sampling(params),
            prompt_ids or [],
            output_ids,
            random.Random(params.seed),
        )

    def apply(self, logits: torch.Tensor) -> torch.Tensor:
        """Watermark the rows of keyed requests in place: one scheme call per (key, sampling) group."""
        groups: dict[tuple[TorchScheme | None, Sampling | None], tuple[list[int], list[list[int]]]] = defaultdict(
            lambda: ([], [])
        )
        for index, request in sorted(self.requests.items()):
            context = request.next_context()
            owns_sampling = request.scheme.owns_sampling
            if context is None and not owns_sampling:
                continue  # a green list needs a full context; without one the row is sampled as it is
            rows, contexts = groups[
                (request.scheme if context is not None else None, request.sampling if owns_sampling else None)
            ]
            rows.append(index)
            contexts.append(context)
        for (scheme, sampling), (rows, contexts) in groups.items():
            if len(rows) == logits.shape[0]:  # the whole batch (rows in order): no gather and scatter
                logits = self._watermarked(logits, scheme, sampling, rows, contexts)
            else:
                logits[rows] = self._watermarked(logits[rows], scheme, sampling, rows, contexts)
        return logits

    def _watermarked(self, block, scheme, sampling, rows, contexts) -> torch.Tensor:
        if scheme is None:  # owns sampling, but the context is missing or already used: sample normally
            keyed = sampling.warp(block)
        else:
            context_ids = torch.tensor(contexts, dtype=torch.long, device=block.device)
            keyed = scheme.apply(context_ids, block, sampling or Sampling())
        if sampling is None:
            return keyed
        uniforms = torch.tensor([self.requests[index].random.random() for index in rows], dtype=torch.float64)
        chosen = draw_tokens(keyed, uniforms.to(block.device))
        forced = torch.full_like(block, -torch.inf)
        return forced.scatter_(1, chosen[:, None], 0.0)
