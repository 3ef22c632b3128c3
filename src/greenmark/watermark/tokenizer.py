"""Tokenisation for detection: a thin adapter over a Hugging Face ``tokenizers`` backend.

The fingerprint hashes what decides the token ids (normaliser, pre-tokeniser, model
vocabulary and merges, added tokens), so a spec can refuse text tokenised differently.

>>> tokenizer = default_tokenizer()
>>> ids, offsets = tokenizer.encode_batch(["Call me Ishmael."])[0]
>>> tokenizer.decode(ids)
'Call me Ishmael.'
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from greenmark.watermark.errors import WatermarkError

_FINGERPRINTED_PARTS = ("normalizer", "pre_tokenizer", "model", "added_tokens")


class TextTokenizer:
    """Encodes texts in batches (Rust, parallel) into token ids with character offsets."""

    def __init__(self, backend: Tokenizer):
        self.backend = backend
        self.vocab_size = backend.get_vocab_size(with_added_tokens=True)
        self.special_ids = frozenset(id_ for id_, token in backend.get_added_tokens_decoder().items() if token.special)
        self.fingerprint = _fingerprint(backend)

    @classmethod
    def wrap(cls, tokenizer) -> TextTokenizer:
        """Adapt a ``TextTokenizer``, a ``tokenizers.Tokenizer``, a fast transformers tokenizer,
        or a path to a ``tokenizer.json`` (or a directory holding one)."""
        if isinstance(tokenizer, TextTokenizer):
            return tokenizer
        if isinstance(tokenizer, Tokenizer):
            return cls(tokenizer)
        if isinstance(tokenizer, (str, Path)):
            path = Path(tokenizer)
            path = path / "tokenizer.json" if path.is_dir() else path
            if not path.is_file():
                raise WatermarkError(f"no tokenizer.json at {path}")
            return cls(Tokenizer.from_file(str(path)))
        backend = getattr(tokenizer, "backend_tokenizer", None)
        if isinstance(backend, Tokenizer):
            return cls(backend)
        raise WatermarkError(
            f"unsupported tokenizer {type(tokenizer).__name__}: pass a fast (Rust-backed) tokenizer or tokenizer.json"
        )

    def encode_batch(self, texts: list[str], offsets: bool = True) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """Per text: token ids (int64) and, when asked, their ``[start, end)`` character offsets (int64, [n, 2])."""
        encode = self.backend.encode_batch if offsets else self.backend.encode_batch_fast  # fast: no offsets
        encodings = encode(list(texts), add_special_tokens=False)
        return [
            (
                np.asarray(e.ids, dtype=np.int64),
                np.asarray(e.offsets, dtype=np.int64).reshape(-1, 2) if offsets else None,
            )
            for e in encodings
        ]

    def decode(self, ids) -> str:
        """Text of ``ids`` with special tokens dropped."""
        return self.backend.decode([int(i) for i in ids], skip_special_tokens=True)


def _fingerprint(backend: Tokenizer) -> str:
    description = json.loads(backend.to_str())
    parts = {name: description.get(name) for name in _FINGERPRINTED_PARTS}
    parts["added_tokens"] = [{k: t[k] for k in ("id", "content", "special")} for t in parts["added_tokens"] or []]
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return f"sha256:{digest[:32]}"


@cache
def default_tokenizer() -> TextTokenizer:
    """The embedded default model's tokenizer (byte-level BPE, 8,192 tokens), shipped in the package."""
    path = resources.files("greenmark") / "default_model" / "tokenizer.json"
    return TextTokenizer(Tokenizer.from_str(path.read_text(encoding="utf-8")))
