"""Watermarked generation with a causal LM (needs the ``[generate]`` extra: torch, transformers).

Names are imported on first use, so ``greenmark.generator.sampling`` (the sampling-parameter
rule, which the API's request schema publishes) and ``GenerationError`` need no torch.

>>> from greenmark.generator import WatermarkedGenerator
>>> from greenmark.watermark import WatermarkKey
>>> WatermarkedGenerator.from_default(key=WatermarkKey.generate()).spec.vocab_size
8192
"""

from importlib import import_module

_MODULE_OF = {
    "GenerationError": "errors",
    "GenerationOutput": "generator",
    "WatermarkedGenerator": "generator",
    "Sampling": "schemes",
    "SamplingParameters": "sampling",
    "TorchScheme": "schemes",
    "WatermarkLogitsProcessor": "logits_processor",
    "Conversation": "chat",
    "render_prompt": "chat",
    "logits_width": "generator",
    "MODEL_ALIASES": "loading",
    "ModelSource": "loading",
    "load_logits_width": "loading",
    "load_model_spec": "loading",
    "load_tokenizer": "loading",
    "smollm2_path": "loading",
    "default_model_path": "loading",
    "load_default_model": "loading",
    "load_model": "loading",
}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
