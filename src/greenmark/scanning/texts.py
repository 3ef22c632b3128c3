"""Document texts as they arrive in tables: decoded to ``str`` row by row, or the reason a row cannot be scanned.

A bad row (no text, bytes that are not UTF-8, nothing but whitespace) gets an error message
instead of a text, so one bad document never aborts a scan of millions.

>>> decode_text(b"caf\\xc3\\xa9"), decode_text(b"\\xff"), decode_text("  "), decode_text(None)
(('café', None), (None, 'text is not valid UTF-8 (byte 0)'), (None, 'text is empty'), (None, 'text is missing'))
"""

from __future__ import annotations

import math

MISSING = "text is missing"
EMPTY = "text is empty"


def decode_text(value) -> tuple[str | None, str | None]:
    """``(text, None)`` for a scannable value (``str`` or UTF-8 ``bytes``), else ``(None, error message)``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, MISSING
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:  # lone surrogates, e.g. from a lenient JSON or pandas reader
            return None, f"text is not valid UTF-8 (character {error.start})"
        text = value
    elif isinstance(value, (bytes, bytearray, memoryview)):
        try:
            text = bytes(value).decode("utf-8")
        except UnicodeDecodeError as error:
            return None, f"text is not valid UTF-8 (byte {error.start})"
    else:
        return None, f"text is of type {type(value).__name__}, not a string"
    if not text.strip():
        return None, EMPTY
    return text, None
