"""The one registry of numpy schemes, keyed by name and version.

``register_scheme`` adds a ``Scheme`` class; ``scheme_class(name, version)`` finds it (the
version registered last when ``version`` is None: the current one for new keys);
``scheme_for(spec)`` is the instance detection uses, cached per spec.

>>> scheme_class("lefthash").scheme_id()
'lefthash@gm1'
>>> "selfhash@gm1" in scheme_ids()
True
"""

from __future__ import annotations

import inspect
from functools import lru_cache
from typing import TYPE_CHECKING

from greenmark.watermark.errors import InvalidSpecError
from greenmark.watermark.schemes.base import Scheme

if TYPE_CHECKING:
    from greenmark.watermark.spec import WatermarkSpec

_SCHEMES: dict[str, dict[str, type[Scheme]]] = {}  # name -> version -> class, in registration order


def register_scheme(cls: type[Scheme]) -> type[Scheme]:
    """Register ``cls`` under ``cls.name`` and ``cls.version`` (usable as a class decorator)."""
    versions = _SCHEMES.setdefault(cls.name, {})
    registered = versions.setdefault(cls.version, cls)
    # the same class body imported a second time (a module re-imported by path) keeps the first
    if registered is not cls and not _same_definition(registered, cls):
        raise ValueError(f"scheme {cls.scheme_id()} is already registered")
    return cls


def _same_definition(first: type, second: type) -> bool:
    return first.__qualname__ == second.__qualname__ and inspect.getfile(first) == inspect.getfile(second)


def scheme_class(name: str, version: str | None = None) -> type[Scheme]:
    """The registered class of scheme ``name`` (its newest version when ``version`` is None)."""
    versions = _SCHEMES.get(name)
    if not versions:
        raise InvalidSpecError(f"unknown scheme {name!r}; expected one of {sorted(_SCHEMES)}")
    if version is None:
        return list(versions.values())[-1]
    if version not in versions:
        raise InvalidSpecError(
            f"unsupported version {version!r} of scheme {name!r}; this greenmark reads {sorted(versions)}"
        )
    return versions[version]


def scheme_names(*, imported: bool | None = None) -> list[str]:
    """Every registered scheme name, in registration order; only imported (or only native) ones when asked.

    >>> "lefthash" in scheme_names(imported=False), "lefthash" in scheme_names(imported=True)
    (True, False)
    """
    newest = {name: list(versions.values())[-1] for name, versions in _SCHEMES.items()}
    return [name for name, cls in newest.items() if imported is None or cls.imported == imported]


def scheme_ids() -> list[str]:
    """Every registered versioned id, ``name@version``."""
    return [cls.scheme_id() for versions in _SCHEMES.values() for cls in versions.values()]


@lru_cache(maxsize=256)
def scheme_for(spec: WatermarkSpec) -> Scheme:
    """The scheme instance of ``spec`` (one per distinct spec)."""
    return scheme_class(spec.scheme, spec.version)(spec)
