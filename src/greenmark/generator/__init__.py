"""Watermarked generation with a causal LM (needs the ``[generate]`` extra: torch, transformers).

>>> from greenmark.generator import WatermarkedGenerator
>>> from greenmark.watermark import WatermarkKey
>>> WatermarkedGenerator.from_default(key=WatermarkKey.generate()).spec.vocab_size
8192
"""

from greenmark.generator.errors import GenerationError
from greenmark.generator.generator import GenerationOutput, WatermarkedGenerator
from greenmark.generator.loading import default_model_path, load_default_model, load_model
from greenmark.generator.logits_processor import WatermarkLogitsProcessor
from greenmark.generator.schemes import Sampling, TorchScheme

__all__ = [
    "GenerationError",
    "GenerationOutput",
    "Sampling",
    "TorchScheme",
    "WatermarkLogitsProcessor",
    "WatermarkedGenerator",
    "default_model_path",
    "load_default_model",
    "load_model",
]
