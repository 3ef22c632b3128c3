"""Names fit to print and to write as JSON: a file name or id that is not valid Unicode is shown with escapes.

Python keeps the bytes of a file name that is not UTF-8 as lone surrogates (``os.fsdecode``),
and a JSON document can hold lone surrogates (``"\\ud800"``); written out as they are, they
give JSON that strict parsers reject or a crash when encoded. ``display_name`` is the one rule
every output uses: such bytes are shown as ``\\xNN`` (as Python's bytes repr shows them) and
any other lone surrogate as ``\\uNNNN``; a valid name is returned unchanged.

>>> display_name("caf\\udce9.txt"), display_name(b"caf\\xe9.txt"), display_name("x\\ud800"), display_name("café")
('caf\\\\xe9.txt', 'caf\\\\xe9.txt', 'x\\\\ud800', 'café')
"""

from __future__ import annotations


def display_name(name: str | bytes) -> str:
    """``name`` as valid Unicode: undecodable bytes as ``\\xNN`` escapes, other lone surrogates as ``\\uNNNN``."""
    if isinstance(name, bytes):
        return name.decode("utf-8", errors="backslashreplace")
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:
        return display_name(name.encode("utf-8", errors="surrogateescape"))
    except UnicodeEncodeError:  # a surrogate that stands for no byte (from a JSON escape, say)
        return name.encode("utf-8", errors="backslashreplace").decode("utf-8")
