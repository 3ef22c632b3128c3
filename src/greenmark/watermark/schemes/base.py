"""``Scheme``: what a watermark scheme supplies to detection, in numpy only.

A scheme is a class registered under a versioned id (``name@version``) and instantiated
for one ``WatermarkSpec``. It answers four questions, and nothing else in greenmark knows
which scheme it holds:

1. ``preceding_tokens``: how many earlier token ids the statistic of a position depends on.
2. ``key_material(key)``: whatever it derives from the 256-bit key once (HMAC subkeys, tables);
   detectors keep it and pass it back to ``score_pairs``.
3. ``score_pairs(material, contexts, tokens)``: for N (context, token) pairs, the keyed
   per-token statistic (float64) and the deduplication key (uint32 or uint64) of each pair.
   Pairs with equal deduplication keys share one PRF input: a document scores the first and
   skips the rest, so repeated text adds no evidence and the null stays exact.
4. ``null``: the ``NullDistribution`` of one scored token's statistic under H0.

The class also fills and checks its spec fields: ``spec_defaults`` for ``gamma``, ``delta``
and ``context_width`` left ``None``; ``parameter_defaults`` for ``spec.parameters`` (its
scheme-specific values: a tournament's m, a foreign key's constants); ``check_spec`` raises
``InvalidSpecError`` for anything else wrong. Defaults are written into the spec, so a key's
stored spec pins every value its watermark depends on.

Keys: ``key_class`` is the key type the key store rebuilds a stored secret as (``WatermarkKey``,
32 random bytes, for greenmark's own schemes); ``imported`` says that keys come from another
engine through ``greenmark keys import`` instead (see ``schemes/imported.py``); ``key_warning``
is a caveat every result matching the key carries (a publicly known secret), ``None`` here.

>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> from greenmark.watermark.schemes import scheme_for
>>> scheme = scheme_for(WatermarkSpec(vocab_size=100))
>>> material = scheme.key_material(WatermarkKey.from_hex("00" * 32))
>>> pairs = scheme.score_pairs(material, np.array([[17], [17]]), np.array([5, 5]))
>>> pairs.statistic.tolist(), bool(pairs.dedup_key[0] == pairs.dedup_key[1])
([0.0, 0.0], True)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from greenmark.watermark.errors import InvalidSpecError
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.null_distributions import NullDistribution

if TYPE_CHECKING:
    from greenmark.watermark.spec import WatermarkSpec


SHARED_FIELDS = ("gamma", "delta", "context_width")  # spec fields a scheme may use, filled from spec_defaults


@dataclass(frozen=True)
class PairScores:
    """``score_pairs``' answer for N pairs: ``statistic`` float64[N], ``dedup_key`` uint32[N] or uint64[N]."""

    statistic: np.ndarray
    dedup_key: np.ndarray


class Scheme(ABC):
    """One watermark scheme for one spec (see the module docstring for the contract).

    Subclasses set ``name`` and ``version`` and are registered with
    ``greenmark.watermark.schemes.register_scheme``.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    spec_defaults: ClassVar[Mapping[str, Any]] = {}
    parameter_defaults: ClassVar[Mapping[str, Any]] = {}
    # None: only positions with ``preceding_tokens`` real ids before them are scored. An id
    # (outside the vocabulary, e.g. -1): every position after the prompt is scored, and context
    # slots before the first id after the prompt hold it (vLLM's contexts start at the completion).
    start_padding_id: ClassVar[int | None] = None
    imported: ClassVar[bool] = False
    key_class: ClassVar[type[WatermarkKey]] = WatermarkKey

    def __init__(self, spec: WatermarkSpec):
        self.spec = spec

    @classmethod
    def scheme_id(cls) -> str:
        """The versioned id, ``name@version``: what results and key listings name."""
        return f"{cls.name}@{cls.version}"

    @classmethod
    def check_spec(cls, spec: WatermarkSpec) -> None:
        """Raise ``InvalidSpecError`` when ``spec`` (its defaults already filled) does not fit this scheme.

        This base check refuses a value for a shared field the scheme has no default for (a
        gamma for a scheme without green lists); subclasses extend it.
        """
        for name in SHARED_FIELDS:
            if name not in cls.spec_defaults and getattr(spec, name) is not None:
                raise InvalidSpecError(f"{cls.scheme_id()} has no {name}")

    @property
    @abstractmethod
    def preceding_tokens(self) -> int:
        """How many tokens before a position its statistic depends on."""

    @property
    @abstractmethod
    def null(self) -> NullDistribution:
        """The distribution of one scored token's statistic in text written without the key."""

    @abstractmethod
    def key_material(self, key: WatermarkKey) -> Any:
        """What this scheme derives from ``key`` once (subkeys, tables); passed back to ``score_pairs``."""

    @abstractmethod
    def score_pairs(self, material: Any, contexts: np.ndarray, tokens: np.ndarray) -> PairScores:
        """Statistic and deduplication key of N pairs: ``contexts`` int64[N, preceding_tokens], ``tokens`` int64[N].

        The ids are already checked (inside the vocabulary, or ``start_padding_id`` in a
        context slot before the document's start); contexts are oldest first.
        """

    def key_warning(self, key: WatermarkKey) -> str | None:
        """A caveat for every result that matched ``key`` (an engine's published default secret), else None."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec.to_json()})"
