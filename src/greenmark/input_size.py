"""The size limit per input (a file, stdin, a JSONL line, a Parquet text): read at most that much, never more.

One limit for every command that reads documents (``greenmark detect``, ``highlight``,
``scan``): an input larger than ``DEFAULT_MAX_INPUT_BYTES`` (10 MB) is refused (``detect``) or
becomes an error row (``scan``), without reading more than the limit plus one byte, so
``/dev/zero`` or a runaway pipe cannot exhaust memory. ``--max-input-bytes`` raises it.

>>> import io
>>> read_at_most(io.BytesIO(b"12345"), 5)
b'12345'
>>> try:
...     read_at_most(io.BytesIO(b"123456"), 5)
... except InputTooLargeError as error:
...     print(error)
larger than 5 bytes (the limit per input)
"""

from __future__ import annotations

from typing import BinaryIO

DEFAULT_MAX_INPUT_BYTES = 10_000_000


class InputTooLargeError(ValueError):
    """An input holds more bytes than the limit."""


def too_large_message(limit: int) -> str:
    """The reason given for an input over ``limit`` bytes.

    >>> too_large_message(10_000_000)
    'larger than 10,000,000 bytes (the limit per input)'
    """
    return f"larger than {limit:,} bytes (the limit per input)"


def read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """Everything ``stream`` holds, or ``InputTooLargeError`` after reading ``limit + 1`` bytes of it."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputTooLargeError(too_large_message(limit))
    return data
