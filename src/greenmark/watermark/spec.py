"""``WatermarkSpec``: the public parameters of a watermark, and the green lists they define.

Two seeding schemes (Kirchenbauer et al. 2023, "On the Reliability of Watermarks"):

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
>>> WatermarkSpec.from_json(spec.to_json()) == spec
True
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np

from greenmark.watermark import prf
from greenmark.watermark.errors import InvalidSpecError, InvalidTokensError
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.tokenizer import TextTokenizer

SCHEME_VERSION = "gm1"
SCHEMES = ("lefthash", "selfhash")
DEFAULT_CONTEXT_WIDTH = {"lefthash": 1, "selfhash": 4}


@dataclass(frozen=True)
class WatermarkSpec:
    """Scheme, version, gamma (green share), delta (logit bias), context width h, vocab size.

    ``tokenizer_fingerprint`` pins the tokenizer the ids come from; detection refuses any other.
    """

    vocab_size: int
    gamma: float = 0.25
    delta: float = 2.0
    scheme: str = "lefthash"
    context_width: int | None = None
    tokenizer_fingerprint: str | None = None
    version: str = field(default=SCHEME_VERSION)

    def __post_init__(self):
        if self.scheme not in SCHEMES:
            raise InvalidSpecError(f"unknown scheme {self.scheme!r}; expected one of {SCHEMES}")
        if self.version != SCHEME_VERSION:
            raise InvalidSpecError(
                f"unsupported scheme version {self.version!r}; this greenmark reads {SCHEME_VERSION}"
            )
        if self.context_width is None:
            object.__setattr__(self, "context_width", DEFAULT_CONTEXT_WIDTH[self.scheme])
        minimum_width = 2 if self.scheme == "selfhash" else 1
        if not isinstance(self.context_width, int) or not minimum_width <= self.context_width <= 16:
            raise InvalidSpecError(f"{self.scheme} needs an integer context width in [{minimum_width}, 16]")
        if not isinstance(self.vocab_size, int) or not 2 <= self.vocab_size < 2**31:
            raise InvalidSpecError("vocab_size must be an integer in [2, 2**31)")
        if not isinstance(self.gamma, (int, float)) or not 0 < self.gamma < 1:
            raise InvalidSpecError("gamma (the green share) must lie strictly between 0 and 1")
        if not isinstance(self.delta, (int, float)) or not 0 <= self.delta <= 100:
            raise InvalidSpecError("delta (the green logit bias) must lie in [0, 100]")

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
        """How many tokens before a position its green decision depends on."""
        return self.context_width if self.scheme == "lefthash" else self.context_width - 1

    @property
    def threshold(self) -> int:
        """A PRF output below this is green: ``floor(gamma * 2**32)``."""
        return int(self.gamma * 2**32)

    def subkeys(self, key: WatermarkKey) -> prf.Subkeys:
        """The scheme's key material: HMAC subkeys labelled with version, scheme and width."""
        return prf.Subkeys.derive(key, f"{self.version}/{self.scheme}/{self.context_width}")

    def to_json(self) -> str:
        """Canonical JSON (sorted keys) of every field."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> WatermarkSpec:
        """Parse ``to_json`` output; unknown or missing fields are errors."""
        try:
            fields = json.loads(text)
        except (TypeError, ValueError) as error:
            raise InvalidSpecError(f"a watermark spec must be JSON: {error}") from error
        if not isinstance(fields, dict):
            raise InvalidSpecError("a watermark spec must be a JSON object")
        unknown = set(fields) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidSpecError(f"unknown watermark spec fields: {sorted(unknown)}")
        try:
            return cls(**fields)
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

    def pair_inputs(self, key: WatermarkKey, contexts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """The PRF input (uint32) of each (context, token) pair; equal inputs share a green decision.

        ``contexts`` is ``[N, preceding_tokens]`` (oldest first; extra leading columns are
        ignored) and ``tokens`` is ``[N]``.
        """
        tokens = self.check_tokens(tokens).reshape(-1)
        contexts = self.check_tokens(contexts)
        contexts = contexts.reshape(len(tokens), -1 if len(tokens) else self.preceding_tokens)
        if contexts.shape[1] < self.preceding_tokens:
            raise InvalidTokensError(f"{self.scheme} needs {self.preceding_tokens} context tokens per pair")
        return self.prf_inputs(self.subkeys(key), contexts[:, contexts.shape[1] - self.preceding_tokens :], tokens)

    def prf_inputs(self, subkeys: prf.Subkeys, contexts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """``pair_inputs`` for ids already checked: ``contexts`` exactly ``[N, preceding_tokens]``."""
        token_codes = prf.token_codes(subkeys, tokens)
        if self.scheme == "lefthash":
            return prf.context_seeds(subkeys, contexts) ^ token_codes
        anchors = np.minimum(prf.token_codes(subkeys, contexts).min(axis=1), token_codes)
        return prf.chain(subkeys, prf.initial_seed(subkeys, len(tokens)), anchors) ^ token_codes

    def is_green(self, key: WatermarkKey, contexts, tokens) -> np.ndarray:
        """Green membership (bool[N]) of N (context, token) pairs under ``key``.

        >>> from greenmark.watermark import WatermarkKey
        >>> spec = WatermarkSpec(vocab_size=50, scheme="selfhash")
        >>> spec.is_green(WatermarkKey.from_hex("11" * 32), [[1, 2, 3]], [4]).shape
        (1,)
        """
        return prf.is_green_input(self.subkeys(key), self.pair_inputs(key, contexts, tokens), self.threshold)

    def green_list(self, key: WatermarkKey, context_ids) -> np.ndarray:
        """bool[vocab_size]: which next tokens are green after ``context_ids`` (its last tokens count)."""
        context = self.check_tokens(context_ids).reshape(-1)
        if len(context) < self.preceding_tokens:
            raise InvalidTokensError(f"{self.scheme} needs {self.preceding_tokens} context tokens")
        vocabulary = np.arange(self.vocab_size)
        tiled = np.broadcast_to(
            context[len(context) - self.preceding_tokens :],
            (self.vocab_size, self.preceding_tokens),
        )
        return self.is_green(key, tiled, vocabulary)
