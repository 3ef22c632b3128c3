"""``WatermarkSpec``: the public parameters of a watermark; its scheme gives them meaning.

The spec names its scheme (``scheme`` and ``version``, the versioned id ``scheme@version``
of ``greenmark.watermark.schemes``), the vocabulary and the tokenizer it is pinned to.
``gamma``, ``delta`` and ``context_width`` left ``None`` take the scheme's defaults (green-list
schemes: gamma 0.25, delta 2; schemes without green lists keep them ``None``); values only
one scheme has live in ``parameters`` (a read-only mapping of JSON values). Every default is
written into the spec, and ``to_json`` omits ``parameters`` when it is empty, so specs stored
before schemes had parameters read and write unchanged.

Green-list schemes (Kirchenbauer et al. 2023, "On the Reliability of Watermarks"):

* ``lefthash`` (context width h >= 1): the seed chains the h preceding tokens.
* ``selfhash`` (h >= 2, default 4): the window is the h - 1 preceding tokens *and the
  candidate itself*; the seed is the window's minimum keyed token code (min-hash anchoring,
  robust to edits of the other window tokens). Exact over the whole vocabulary: a candidate
  whose code undercuts the context's minimum seeds itself.

>>> from greenmark.watermark import WatermarkKey
>>> spec = WatermarkSpec(vocab_size=1000, gamma=0.25)
>>> key = WatermarkKey.from_hex("00" * 32)
>>> int(spec.green_list(key, [17]).sum())
271
>>> WatermarkSpec.from_json(spec.to_json()) == spec, spec.scheme_id
(True, 'lefthash@gm1')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

import numpy as np

from greenmark.watermark.errors import InvalidSpecError, InvalidTokensError
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.schemes import Scheme, scheme_class, scheme_for
from greenmark.watermark.tokenizer import TextTokenizer

SCHEME_VERSION = "gm1"  # the version of greenmark's own schemes


@dataclass(frozen=True)
class WatermarkSpec:
    """Scheme and version, gamma (green share), delta (logit bias), context width h, vocab size, parameters.

    ``tokenizer_fingerprint`` pins the tokenizer the ids come from; detection refuses any other.
    """

    vocab_size: int
    gamma: float | None = None
    delta: float | None = None
    scheme: str = "lefthash"
    context_width: int | None = None
    tokenizer_fingerprint: str | None = None
    version: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.scheme, str):
            raise InvalidSpecError("scheme must be a scheme name such as 'lefthash'")
        cls = scheme_class(self.scheme, self.version)
        object.__setattr__(self, "version", cls.version)
        for name, value in cls.spec_defaults.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        if not isinstance(self.parameters, Mapping):
            raise InvalidSpecError("parameters must be a mapping of names to JSON values")
        unknown = set(self.parameters) - set(cls.parameter_defaults)
        if unknown:
            raise InvalidSpecError(f"{cls.scheme_id()} has no parameters {sorted(unknown)}")
        parameters = {**cls.parameter_defaults, **self.parameters}
        object.__setattr__(self, "parameters", MappingProxyType({k: _frozen(v) for k, v in sorted(parameters.items())}))
        if not isinstance(self.vocab_size, int) or not 2 <= self.vocab_size < 2**31:
            raise InvalidSpecError("vocab_size must be an integer in [2, 2**31)")
        cls.check_spec(self)

    def __hash__(self) -> int:
        return hash(self.to_json())

    def __reduce__(self):
        # pickled (for scanning workers) as its JSON: the read-only parameters mapping does not pickle
        return WatermarkSpec.from_json, (self.to_json(),)

    @property
    def scheme_id(self) -> str:
        """The versioned scheme id, ``scheme@version``."""
        return f"{self.scheme}@{self.version}"

    @property
    def watermark_scheme(self) -> Scheme:
        """The ``Scheme`` that scores this spec's watermark (one instance per distinct spec)."""
        return scheme_for(self)

    @classmethod
    def for_tokenizer(cls, tokenizer, vocab_size: int | None = None, **parameters) -> WatermarkSpec:
        """A spec pinned to ``tokenizer`` (any form ``TextTokenizer.wrap`` takes).

        ``vocab_size`` defaults to the tokenizer's size; pass the model's logits width when it
        is larger (OPT: 50,265 tokens, 50,272 logits).

        >>> from greenmark.watermark import default_tokenizer
        >>> WatermarkSpec.for_tokenizer(default_tokenizer(), gamma=0.25).vocab_size
        8192
        """
        wrapped = TextTokenizer.wrap(tokenizer)
        return cls(vocab_size=vocab_size or wrapped.vocab_size, tokenizer_fingerprint=wrapped.fingerprint, **parameters)

    @property
    def preceding_tokens(self) -> int:
        """How many tokens before a position its statistic depends on."""
        return self.watermark_scheme.preceding_tokens

    def to_json(self) -> str:
        """Canonical JSON (sorted keys) of every field; ``parameters`` only when there are any."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["parameters"] = dict(self.parameters)
        if not self.parameters:
            del values["parameters"]
        return json.dumps(values, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> WatermarkSpec:
        """Parse ``to_json`` output (also that of earlier greenmark versions); unknown fields are errors."""
        try:
            values = json.loads(text)
        except (TypeError, ValueError) as error:
            raise InvalidSpecError(f"a watermark spec must be JSON: {error}") from error
        if not isinstance(values, dict):
            raise InvalidSpecError("a watermark spec must be a JSON object")
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise InvalidSpecError(f"unknown watermark spec fields: {sorted(unknown)}")
        try:
            return cls(**values)
        except TypeError as error:
            raise InvalidSpecError(str(error)) from error

    def check_tokens(self, tokens: np.ndarray) -> np.ndarray:
        """Return ``tokens`` as int64, raising ``InvalidTokensError`` outside ``[0, vocab_size)``."""
        array = np.asarray(tokens)
        if array.size and not np.issubdtype(array.dtype, np.integer):
            raise InvalidTokensError(f"token ids must be integers, got {array.dtype}")
        array = array.astype(np.int64, copy=False)
        if array.size and (array.min() < 0 or array.max() >= self.vocab_size):
            raise InvalidTokensError(f"token ids must lie in [0, {self.vocab_size})")
        return array

    def check_pairs(self, contexts, tokens) -> tuple[np.ndarray, np.ndarray]:
        """Checked ``(contexts [N, preceding_tokens], tokens [N])``; extra leading context columns are dropped."""
        tokens = self.check_tokens(tokens).reshape(-1)
        contexts = self.check_tokens(contexts)
        width = self.preceding_tokens
        contexts = contexts.reshape(len(tokens), -1 if len(tokens) else width)
        if contexts.shape[1] < width:
            raise InvalidTokensError(f"{self.scheme} needs {width} context tokens per pair")
        return contexts[:, contexts.shape[1] - width :], tokens

    def _green_lists(self):
        scheme = self.watermark_scheme
        if not hasattr(scheme, "green_list"):
            raise InvalidSpecError(f"{self.scheme_id} has no green lists")
        return scheme

    def pair_inputs(self, key: WatermarkKey, contexts, tokens) -> np.ndarray:
        """The PRF input (uint32) of each (context, token) pair of a green-list scheme.

        ``contexts`` is ``[N, preceding_tokens]`` (oldest first; extra leading columns are
        ignored) and ``tokens`` is ``[N]``; equal inputs share a green decision.
        """
        scheme = self._green_lists()
        return scheme.prf_inputs(scheme.key_material(key), *self.check_pairs(contexts, tokens))

    def is_green(self, key: WatermarkKey, contexts, tokens) -> np.ndarray:
        """Green membership (bool[N]) of N (context, token) pairs under ``key`` (green-list schemes).

        >>> from greenmark.watermark import WatermarkKey
        >>> spec = WatermarkSpec(vocab_size=50, scheme="selfhash")
        >>> spec.is_green(WatermarkKey.from_hex("11" * 32), [[1, 2, 3]], [4]).shape
        (1,)
        """
        scheme = self._green_lists()
        return scheme.is_green(scheme.key_material(key), *self.check_pairs(contexts, tokens))

    def green_list(self, key: WatermarkKey, context_ids) -> np.ndarray:
        """bool[vocab_size]: which next tokens are green after ``context_ids`` (its last tokens count)."""
        scheme = self._green_lists()
        context = self.check_tokens(context_ids).reshape(-1)
        if len(context) < self.preceding_tokens:
            raise InvalidTokensError(f"{self.scheme} needs {self.preceding_tokens} context tokens")
        return scheme.green_list(scheme.key_material(key), context)


def _frozen(value):
    """A JSON value with lists made tuples, so specs stay hashable and compare by value."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, Mapping):
        raise InvalidSpecError("spec parameters must be scalars or lists, not objects")
    return value
