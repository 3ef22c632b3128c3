"""greenmark's watermark in vLLM (extra ``vllm``): per-request keys from the key store, in the engine.

A request names its key by name (never the secret) and is watermarked with that key's active
version; a request that names none is not watermarked::

    from vllm import LLM, SamplingParams
    llm = LLM(model, logits_processors=[VllmWatermarkLogitsProcessor])
    llm.generate(prompt, SamplingParams(extra_args={"greenmark": {"tenant": "acme", "key": "news"}}))

or over ``vllm serve MODEL --logits-processors greenmark.integrations.vllm:VllmWatermarkLogitsProcessor``
with ``"vllm_xargs": {"greenmark": "acme/news"}`` in the request body. An unknown tenant or key
is rejected before generation (HTTP 400).

Which token ids to detect: the output ids, seeded by the ids before them (the first ones by the
prompt's last tokens); the rule and its detector call are in ``watermarked_request``.

>>> VllmWatermarkLogitsProcessor.__name__
'VllmWatermarkLogitsProcessor'
"""

from greenmark.integrations.vllm.key_resolver import KeyResolver, shared_resolver
from greenmark.integrations.vllm.processor import VllmWatermarkLogitsProcessor, draw_tokens, request_sampling
from greenmark.integrations.vllm.request_key import EXTRA_ARGS_FIELD, RequestKey, RequestKeyError, request_key
from greenmark.integrations.vllm.watermarked_request import WatermarkedRequest

__all__ = [
    "EXTRA_ARGS_FIELD",
    "KeyResolver",
    "RequestKey",
    "RequestKeyError",
    "VllmWatermarkLogitsProcessor",
    "WatermarkedRequest",
    "draw_tokens",
    "request_key",
    "request_sampling",
    "shared_resolver",
]
