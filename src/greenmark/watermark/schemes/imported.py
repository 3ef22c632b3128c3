"""``ImportedScheme``: a watermark another engine emits, detected with keys imported from that engine.

The contract an imported (foreign) scheme fulfils, on top of ``Scheme``'s:

* It subclasses ``ImportedScheme`` (``imported = True``) and is registered like any scheme;
  ``engine`` names what emits it and ``import_help`` says, in a few lines, where the secret and
  each parameter sit in that engine's configuration (``greenmark keys import --help`` shows it:
  a parameter that differs from the generating configuration cannot be noticed from text).
* ``canonical_secret(text)`` turns the ``--secret`` text into one canonical ASCII string (it
  may check the secret against the spec, e.g. one key per g-function), raising
  ``InvalidKeyError`` with a one-line reason when it is malformed; the helpers
  ``integer_secret`` and ``integer_list_secret`` below cover integers and lists of them.
* The canonical string travels in an ``ImportedKey`` (``greenmark.watermark.imported_key``):
  salted, encrypted by the key store exactly like a native key's 32 bytes (same column, same
  AES-GCM associated data; no schema change), and the key store rebuilds the key through
  ``Scheme.key_class`` of the stored spec.
* ``key_material(key)`` accepts only an ``ImportedKey`` and calls ``material_from_secret(text)``
  with its canonical secret; everything else (``score_pairs``, ``null``, ``preceding_tokens``)
  is a scheme like any other, so detection, the keyring's family-wise correction, spans, the
  store, CLI, API and scans need nothing new.
* ``public_secrets`` maps canonical secrets that are published (an engine's default key) to
  a warning; ``key_warning(key)`` returns it, and every result that matched such a key carries
  it in ``DetectionResult.key_warnings``.
* Its parameters are ordinary spec values: ``gamma``, ``delta``, ``context_width`` where they
  apply (``spec_defaults``) and the rest in ``spec.parameters`` (``parameter_defaults``),
  checked by ``check_spec``. ``spec_fields(["gamma=0.5", "ngram_len=5"])`` turns the CLI's
  ``--param NAME=VALUE`` assignments into ``WatermarkSpec`` keyword arguments for any scheme.
* Greenmark need not generate it: without a registered ``TorchScheme`` generation refuses the
  key ("detection only"); the tests make watermarked text with the engine's own code.

>>> integer_secret(" 42 ", bits=64), integer_list_secret("[654, 400, 836]", bits=64)
('42', '654,400,836')
>>> spec_fields(["gamma=0.5", "seeding_scheme=selfhash", "keys=[1,2]"])
{'gamma': 0.5, 'parameters': {'seeding_scheme': 'selfhash', 'keys': [1, 2]}}
"""

from __future__ import annotations

import json
import re
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from greenmark.watermark.errors import InvalidKeyError, InvalidSpecError
from greenmark.watermark.imported_key import ImportedKey
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.schemes.base import SHARED_FIELDS, Scheme

_INTEGER = re.compile(r"^[+-]?\d+$")
MAX_LIST_LENGTH = 256


class ImportedScheme(Scheme):
    """A foreign engine's watermark: keys come from ``greenmark keys import``, never from greenmark."""

    imported: ClassVar[bool] = True
    key_class: ClassVar[type[WatermarkKey]] = ImportedKey
    engine: ClassVar[str]
    import_help: ClassVar[str]
    public_secrets: ClassVar[Mapping[str, str]] = {}

    @abstractmethod
    def canonical_secret(self, text: str) -> str:
        """The canonical form of the ``--secret`` text; ``InvalidKeyError`` (one line) when it is malformed."""

    @abstractmethod
    def material_from_secret(self, secret: str) -> Any:
        """What detection keeps for one key, from its canonical secret (tables, integers)."""

    def key_material(self, key: WatermarkKey) -> Any:
        if not isinstance(key, ImportedKey):
            raise InvalidKeyError(f"{self.scheme_id()} detects imported keys only: use greenmark keys import")
        return self.material_from_secret(self.canonical_secret(key.imported_secret))

    def key_warning(self, key: WatermarkKey) -> str | None:
        if isinstance(key, ImportedKey):
            return self.public_secrets.get(key.imported_secret)
        return None


def integer_secret(text: str, *, bits: int, signed: bool = False) -> str:
    """The canonical decimal of an integer secret that fits ``bits`` (unsigned unless ``signed``).

    >>> integer_secret("0x2a", bits=64)
    Traceback (most recent call last):
    ...
    greenmark.watermark.errors.InvalidKeyError: the secret must be a decimal integer, got '0x2a'
    """
    value = _integer(text, bits=bits, signed=signed, what="the secret")
    return str(value)


def integer_list_secret(text: str, *, bits: int, signed: bool = False) -> str:
    """The canonical comma-separated form of a list of integers (``1,2,3`` or JSON ``[1, 2, 3]``)."""
    if not isinstance(text, str):
        raise InvalidKeyError("the secret must be text")
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    items = [item.strip() for item in body.split(",")]
    if not body.strip() or not all(items):
        raise InvalidKeyError("the secret must be a list of integers such as 654,400,836")
    if len(items) > MAX_LIST_LENGTH:
        raise InvalidKeyError(f"the secret lists {len(items)} integers; at most {MAX_LIST_LENGTH} are accepted")
    return ",".join(str(_integer(item, bits=bits, signed=signed, what="each listed key")) for item in items)


def _integer(text: str, *, bits: int, signed: bool, what: str) -> int:
    if not isinstance(text, str) or not _INTEGER.match(text.strip()):
        raise InvalidKeyError(f"{what} must be a decimal integer, got {text!r}")
    value = int(text.strip())
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    if not low <= value <= high:
        raise InvalidKeyError(f"{what} must lie in [{low}, {high}], got {value}")
    return value


def spec_fields(assignments: Iterable[str]) -> dict[str, Any]:
    """``WatermarkSpec`` keyword arguments from ``NAME=VALUE`` texts (``--param``): JSON values, else strings.

    ``gamma``, ``delta`` and ``context_width`` become spec fields, any other name a scheme parameter.
    """
    fields: dict[str, Any] = {}
    parameters: dict[str, Any] = {}
    for assignment in assignments:
        name, separator, text = assignment.partition("=")
        name = name.strip()
        if not separator or not name:
            raise InvalidSpecError(f"a parameter is NAME=VALUE, got {assignment!r}")
        try:
            value = json.loads(text)
        except ValueError:
            value = text.strip()
        target = fields if name in SHARED_FIELDS else parameters
        if name in target:
            raise InvalidSpecError(f"parameter {name!r} is given twice")
        target[name] = value
    if parameters:
        fields["parameters"] = parameters
    return fields


def import_help(schemes: Sequence[type[Scheme]]) -> str:
    """The ``keys import --help`` text of ``schemes``: per imported scheme, its engine and where its values sit."""
    lines = []
    for cls in schemes:
        if cls.imported:
            lines.append(f"{cls.name} ({cls.engine}): {' '.join(cls.import_help.split())}")
    return "\n\n".join(lines)
