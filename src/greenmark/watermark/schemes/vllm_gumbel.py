"""vLLM 0.32's native watermarks, ``gumbel`` and ``dual_key_gumbel``, detected with imported keys.

vLLM samples ``argmax(logits + G)`` with Gumbel noise ``G = -log(-log u)`` from its Philox PRF
(``greenmark.watermark.philox``), keyed by the 64-bit ``key`` of ``--watermark-config`` and fed
the ``context_width`` (default 4) preceding *completion* ids: a context reaching back before the
completion holds -1 there (``start_padding_id``), never prompt ids. A context already seen in
the request is sampled without the watermark (``deduplicate_contexts``), so detection scores
the first occurrence of each context only; its deduplication key is 64 bits of the PRF's
context state (two contexts collide with probability 2**-64).

* ``vllm-gumbel``: each scored token adds ``-log(1 - u)``; over n contexts the sum is
  Gamma(n, 1) under H0 (``GammaNull``), the null of vLLM's ``GumbelWatermarkDetector``.
* ``vllm-dual-key-gumbel``: keys A and B are SHA-256 derivations of the key (``derived_key``);
  a token is sampled under B with probability ``alpha`` (default 0.1), else under A. Each
  scored token adds ``(1 - alpha) (-log(1 - u_A)) + alpha (-log(1 - u_B))``, vLLM's weighting;
  the null is that weighted sum's exact tail (``WeightedGammaNull``). vLLM's own detector
  matches its first two moments with a Gamma instead, exact only at alpha 0, 1/2 and 1; at
  0.1 its far tail is too light (p-values too small).

The uniforms are ``((w >> 8) + 1) / (2**24 + 1)`` rounded to float32: a grid of 2**24 values, so
each term's tail exceeds Exp(1)'s by at most a factor 1 + 2**-24; the Gamma null is that of
the reference, exact up to this discretisation.

>>> import numpy as np
>>> from greenmark.watermark import WatermarkSpec
>>> scheme = WatermarkSpec(vocab_size=8192, scheme="vllm-gumbel").watermark_scheme
>>> pairs = scheme.score_pairs(scheme.material_from_secret("42"), np.array([[-1, -1, 5, 6]] * 2), np.array([7, 8]))
>>> scheme.preceding_tokens, bool(pairs.dedup_key[0] == pairs.dedup_key[1]), scheme.null
(4, True, GammaNull())
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any, ClassVar

import numpy as np

from greenmark.watermark import philox
from greenmark.watermark.errors import InvalidSpecError
from greenmark.watermark.null_distributions import GammaNull, NullDistribution, WeightedGammaNull
from greenmark.watermark.schemes.base import PairScores
from greenmark.watermark.schemes.imported import ImportedScheme, integer_secret
from greenmark.watermark.schemes.registry import register_scheme

PRF_VERSION = "philox4x32-10-v1"  # vLLM's PhiloxPRF.version: the scheme version of both
DEFAULT_CONTEXT_WIDTH = 4
MAX_CONTEXT_WIDTH = 256
BEFORE_COMPLETION = -1  # vLLM's context id for positions before the completion's first token
KEY_BITS = 64

IMPORT_HELP = (
    "vLLM's --watermark-config JSON (or LLM(watermark_config=...)) holds the secret as 'key' "
    "(an integer below 2**64) and the context width as 'context_width' (default 4: "
    "--param context_width=N when it differs). Detect the completion alone (or pass the prompt "
    "length): vLLM's contexts never include prompt tokens. Any 'deduplicate_contexts' setting "
    "is detected; greenmark always scores each context once."
)


def derived_key(key: int, label: bytes) -> int:
    """vLLM's ``derive_watermark_key``: the first 8 bytes (big-endian) of SHA-256(label || key as 8 big-endian bytes).

    >>> derived_key(42, b"key_a") != derived_key(42, b"key_b")
    True
    """
    digest = hashlib.sha256(label + key.to_bytes(8, "big")).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True)
class PhiloxKeys:
    """The 64-bit Philox key(s) one imported secret scores with, and each key's weight in the statistic."""

    keys: tuple[int, ...]
    weights: tuple[float, ...]


class VllmGumbelBase(ImportedScheme):
    """Shared by both vLLM schemes: Philox uniforms after the completion's preceding ids, one score per context."""

    version = PRF_VERSION
    engine = "vLLM 0.32 native watermark"
    spec_defaults: ClassVar[Mapping[str, Any]] = {"context_width": DEFAULT_CONTEXT_WIDTH}
    start_padding_id: ClassVar[int] = BEFORE_COMPLETION

    @classmethod
    def check_spec(cls, spec) -> None:
        super().check_spec(spec)
        width = spec.context_width
        if not isinstance(width, int) or isinstance(width, bool) or not 1 <= width <= MAX_CONTEXT_WIDTH:
            raise InvalidSpecError(f"{cls.name} needs an integer context_width in [1, {MAX_CONTEXT_WIDTH}]")

    def canonical_secret(self, text: str) -> str:
        return integer_secret(text, bits=KEY_BITS)

    @property
    def preceding_tokens(self) -> int:
        return self.spec.context_width

    def score_pairs(self, material: PhiloxKeys, contexts: np.ndarray, tokens: np.ndarray) -> PairScores:
        statistic = np.zeros(len(tokens), dtype=np.float64)
        dedup_key = None
        for key, weight in zip(material.keys, material.weights, strict=True):
            states = philox.context_states(key, contexts)
            if dedup_key is None:
                dedup_key = states[0].astype(np.uint64) << np.uint64(32) | states[1]
            uniform = philox.words_to_uniforms(philox.token_words(key, states, tokens))
            statistic += weight * -np.log1p(-uniform.astype(np.float64))
        return PairScores(statistic=statistic, dedup_key=dedup_key)


@register_scheme
class VllmGumbel(VllmGumbelBase):
    """``--watermark-config '{"algorithm": "gumbel", "key": K}'``: one Philox key, a Gamma(n, 1) null."""

    name = "vllm-gumbel"
    import_help = IMPORT_HELP

    @property
    def null(self) -> GammaNull:
        return GammaNull()

    def material_from_secret(self, secret: str) -> PhiloxKeys:
        return PhiloxKeys(keys=(int(secret),), weights=(1.0,))


@register_scheme
class VllmDualKeyGumbel(VllmGumbelBase):
    """``{"algorithm": "dual_key_gumbel", "key": K, "alpha": a}``: keys A and B, B weighted ``alpha``."""

    name = "vllm-dual-key-gumbel"
    parameter_defaults: ClassVar[Mapping[str, Any]] = {"alpha": 0.1}
    import_help = IMPORT_HELP + " Its 'alpha' (default 0.1, the share sampled under key B) is --param alpha=A."

    @classmethod
    def check_spec(cls, spec) -> None:
        super().check_spec(spec)
        alpha = spec.parameters["alpha"]
        if not isinstance(alpha, Real) or isinstance(alpha, bool) or not 0 <= alpha <= 1:
            raise InvalidSpecError(f"{cls.name} needs a number alpha in [0, 1]")

    @property
    def null(self) -> NullDistribution:
        return WeightedGammaNull(self.spec.parameters["alpha"])

    def material_from_secret(self, secret: str) -> PhiloxKeys:
        key, alpha = int(secret), float(self.spec.parameters["alpha"])
        return PhiloxKeys(keys=(derived_key(key, b"key_a"), derived_key(key, b"key_b")), weights=(1 - alpha, alpha))
