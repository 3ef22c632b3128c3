"""The registry of torch schemes, keyed by the numpy scheme ids they implement.

>>> from greenmark.watermark import WatermarkSpec
>>> torch_scheme_class(WatermarkSpec(vocab_size=10, scheme="selfhash")).__name__
'TorchGreenListScheme'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from greenmark.generator.errors import GenerationError

if TYPE_CHECKING:
    from greenmark.generator.schemes.base import TorchScheme
    from greenmark.watermark.spec import WatermarkSpec

_TORCH_SCHEMES: dict[str, type[TorchScheme]] = {}


def register_torch_scheme(cls: type[TorchScheme]) -> type[TorchScheme]:
    """Register ``cls`` for each id in ``cls.scheme_ids`` (usable as a class decorator)."""
    for scheme_id in cls.scheme_ids:
        if _TORCH_SCHEMES.get(scheme_id, cls) is not cls:
            raise ValueError(f"a torch scheme for {scheme_id} is already registered")
        _TORCH_SCHEMES[scheme_id] = cls
    return cls


def torch_scheme_class(spec: WatermarkSpec) -> type[TorchScheme]:
    """The torch scheme that generates ``spec``'s watermark; ``GenerationError`` when there is none."""
    cls = _TORCH_SCHEMES.get(spec.scheme_id)
    if cls is None:
        raise GenerationError(f"greenmark cannot generate {spec.scheme_id} watermarks (detection only)")
    return cls
