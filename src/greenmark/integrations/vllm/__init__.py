"""greenmark's watermark in vLLM (extra ``vllm``): per-request keys from the key store, in the engine.

A request names its key by name (never the secret) and is watermarked with that key's active
version; a request that names none is not watermarked::

    from vllm import LLM, SamplingParams
    llm = LLM(model, logits_processors=[VllmWatermarkLogitsProcessor])
    llm.generate(prompt, SamplingParams(extra_args={"greenmark": {"tenant": "acme", "key": "news"}}))

or over ``vllm serve MODEL --logits-processors greenmark.integrations.vllm:VllmWatermarkLogitsProcessor``
with ``"vllm_xargs": {"greenmark": "acme/news"}`` in the request body. An unknown tenant or key
is rejected before generation (HTTP 400).

Which token ids to detect: the request's output ids (``CompletionOutput.token_ids``), scored
after the prompt: ``Detector.detect_tokens(prompt_ids + output_ids, prompt_length=len(prompt_ids))``.
The prompt is context only; its last tokens seed the first output token's green list. Detecting
the returned text instead (``greenmark detect``) scores the output alone, so its first
``preceding_tokens`` tokens count only as context.

>>> VllmWatermarkLogitsProcessor.__name__
'VllmWatermarkLogitsProcessor'
"""

from greenmark.integrations.vllm.key_resolver import KeyResolver, shared_resolver
from greenmark.integrations.vllm.processor import VllmWatermarkLogitsProcessor
from greenmark.integrations.vllm.request_key import EXTRA_ARGS_FIELD, RequestKey, RequestKeyError, request_key

__all__ = [
    "EXTRA_ARGS_FIELD",
    "KeyResolver",
    "RequestKey",
    "RequestKeyError",
    "VllmWatermarkLogitsProcessor",
    "request_key",
    "shared_resolver",
]
