"""The watermark scheme and its detector; needs numpy and scipy, never torch or a model.

>>> from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec
>>> key = WatermarkKey.generate()
>>> detector = Detector(WatermarkSpec(vocab_size=100), keys=[key])
>>> detector.detect_tokens(list(range(100))).decision
'not_watermarked'
"""

from greenmark.watermark.canonical import CanonicalText, canonicalize
from greenmark.watermark.detector import (
    DEFAULT_ALPHA,
    MIN_SCORED_TOKENS,
    DetectionResult,
    Detector,
    Span,
)
from greenmark.watermark.errors import (
    InvalidKeyError,
    InvalidSpecError,
    InvalidTextError,
    InvalidTokensError,
    TokenizerMismatchError,
    WatermarkError,
)
from greenmark.watermark.imported_key import ImportedKey
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec
from greenmark.watermark.token_scores import TokenScores
from greenmark.watermark.tokenizer import TextTokenizer, default_tokenizer

__all__ = [
    "DEFAULT_ALPHA",
    "MIN_SCORED_TOKENS",
    "CanonicalText",
    "DetectionResult",
    "Detector",
    "ImportedKey",
    "InvalidKeyError",
    "InvalidSpecError",
    "InvalidTextError",
    "InvalidTokensError",
    "Span",
    "TextTokenizer",
    "TokenScores",
    "TokenizerMismatchError",
    "WatermarkError",
    "WatermarkKey",
    "WatermarkSpec",
    "canonicalize",
    "default_tokenizer",
]
