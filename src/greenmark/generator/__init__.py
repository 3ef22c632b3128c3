"""Watermarked generation with a causal LM (needs the ``[generate]`` extra: torch, transformers).

>>> from greenmark.generator import WatermarkedGenerator
>>> from greenmark.watermark import WatermarkKey
>>> WatermarkedGenerator.from_default(key=WatermarkKey.generate()).spec.vocab_size
8192
"""

from greenmark.generator.chat import Conversation
from greenmark.generator.errors import GenerationError
from greenmark.generator.generator import GenerationOutput, WatermarkedGenerator, logits_width
from greenmark.generator.loading import (
    MODEL_ALIASES,
    ModelSource,
    default_model_path,
    load_default_model,
    load_logits_width,
    load_model,
    load_model_spec,
    load_tokenizer,
    smollm2_path,
)
from greenmark.generator.logits_processor import WatermarkLogitsProcessor
from greenmark.generator.schemes import Sampling, TorchScheme

__all__ = [
    "MODEL_ALIASES",
    "Conversation",
    "GenerationError",
    "GenerationOutput",
    "ModelSource",
    "Sampling",
    "TorchScheme",
    "WatermarkLogitsProcessor",
    "WatermarkedGenerator",
    "default_model_path",
    "load_default_model",
    "load_logits_width",
    "load_model",
    "load_model_spec",
    "load_tokenizer",
    "logits_width",
    "smollm2_path",
]
