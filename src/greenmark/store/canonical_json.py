"""``flat_canonical_json``: RFC 8785 canonical JSON of a flat record, three times faster than ``rfc8785.dumps``.

The audit log hashes one record per detection the API answers, and ``rfc8785.dumps`` (pure
Python) takes about 27 µs for one. For an object with ASCII keys whose values are strings,
booleans, ``None``, integers and floats, the standard library's C encoder (sorted keys, no
whitespace, no ASCII escaping) writes every member exactly as RFC 8785 does except floats,
whose ECMAScript number form ``rfc8785`` writes; this takes about 8 µs. Anything else (nested
values, non-ASCII keys, integers beyond 2**53, lone surrogates) goes to ``rfc8785.dumps``,
which also raises its errors. ``tests/store/test_canonical_json.py`` checks it against
``rfc8785.dumps`` on generated records.

>>> flat_canonical_json({"b": 1.5e-5, "a": "x", "c": None}).decode()
'{"a":"x","b":0.000015,"c":null}'
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_SAFE_INTEGER = 2**53 - 1  # RFC 8785 numbers are IEEE doubles: larger integers are not exact
_SCALARS = (str, bool, type(None), float)


def flat_canonical_json(fields: dict[str, Any]) -> bytes:
    """The RFC 8785 (JCS) UTF-8 serialisation of ``fields``, identical to ``rfc8785.dumps(fields)``."""
    if not all(_is_fast(name, value) for name, value in fields.items()):
        return rfc8785.dumps(fields)
    members = ",".join(
        f"{_ENCODE(name)}:{rfc8785.dumps(value).decode() if type(value) is float else _ENCODE(value)}"
        for name, value in sorted(fields.items())
    )
    try:
        return ("{" + members + "}").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: rfc8785 names the error
        return rfc8785.dumps(fields)


def _is_fast(name: Any, value: Any) -> bool:
    """ASCII keys sort the same by UTF-16 code units (RFC 8785) and by code points (``sorted``)."""
    if not (type(name) is str and name.isascii()):
        return False
    if type(value) is int:
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    return type(value) in _SCALARS
