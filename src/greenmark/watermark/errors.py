"""Exceptions raised by the watermark core; each names one kind of bad input.

>>> issubclass(TokenizerMismatchError, WatermarkError)
True
"""


class WatermarkError(ValueError):
    """Base class of every error greenmark raises for bad input."""


class InvalidKeyError(WatermarkError):
    """A watermark key is malformed (wrong type or length, bad encoding)."""


class InvalidSpecError(WatermarkError):
    """A ``WatermarkSpec`` has invalid parameters or could not be parsed."""


class InvalidTextError(WatermarkError):
    """A text to detect is empty or not a string."""


class InvalidTokensError(WatermarkError):
    """Token ids are not integers or lie outside the spec's vocabulary."""


class TokenizerMismatchError(WatermarkError):
    """The tokenizer's fingerprint differs from the one the spec was made with."""
