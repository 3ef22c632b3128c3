"""Errors of the generator.

>>> issubclass(GenerationError, ValueError)
True
"""

from greenmark.watermark.errors import WatermarkError


class GenerationError(WatermarkError):
    """Generation cannot run as asked: bad prompts, an unloadable model, a spec that does not fit."""
