"""Tokenisation for detection: a thin adapter over a Hugging Face ``tokenizers`` backend.

The fingerprint hashes what decides the token ids (normaliser, pre-tokeniser, model
vocabulary and merges, added tokens), so a spec can refuse text tokenised differently.

Long texts are encoded in pieces of about ``PIECE_CHARS`` characters, a few at a time, so that
the backend's per-token objects never exist for the whole text at once (they take some 250
bytes a token). The ids are exactly those of encoding the whole text: a piece ends just before
a space that follows a letter, digit or underscore, and a byte-level pre-tokeniser (GPT-2's
regular expression) always splits there, on either side of which the pieces are matched as in
the whole text. Tokenizers for which that is not certain (another pre-tokeniser, a normaliser,
added tokens holding spaces or stripping their neighbours) encode every text whole.

>>> tokenizer = default_tokenizer()
>>> ids, offsets = tokenizer.encode_batch(["Call me Ishmael."])[0]
>>> tokenizer.decode(ids)
'Call me Ishmael.'
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from greenmark.watermark.errors import WatermarkError

_FINGERPRINTED_PARTS = ("normalizer", "pre_tokenizer", "model", "added_tokens")
PIECE_CHARS = 25_000
PIECES_PER_CALL = 8  # encoded in parallel, then turned into arrays
_PIECE_END = re.compile(r"(?<=\w) ")


class TextTokenizer:
    """Encodes texts in batches (Rust, parallel) into token ids with character offsets."""

    def __init__(self, backend: Tokenizer):
        self.backend = backend
        self.vocab_size = backend.get_vocab_size(with_added_tokens=True)
        self.special_ids = frozenset(id_ for id_, token in backend.get_added_tokens_decoder().items() if token.special)
        self.fingerprint = _fingerprint(backend)
        self.splits_at_spaces = _splits_at_spaces(backend)

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
        texts = list(texts)
        encoded: list = [None] * len(texts)
        long = {i for i, text in enumerate(texts) if len(text) > PIECE_CHARS and self.splits_at_spaces}
        short = [i for i in range(len(texts)) if i not in long]
        for i, result in zip(short, self._encode([texts[i] for i in short], offsets), strict=True):
            encoded[i] = result
        for i in sorted(long):
            encoded[i] = self._encode_in_pieces(texts[i], offsets)
        return encoded

    def _encode(self, texts: list[str], offsets: bool) -> list[tuple[np.ndarray, np.ndarray | None]]:
        encode = self.backend.encode_batch if offsets else self.backend.encode_batch_fast  # fast: no offsets
        return [
            (
                np.asarray(e.ids, dtype=np.int64),
                np.asarray(e.offsets, dtype=np.int64).reshape(-1, 2) if offsets else None,
            )
            for e in encode(texts, add_special_tokens=False)
        ]

    def _encode_in_pieces(self, text: str, offsets: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """One long text, encoded piece by piece; the same ids and offsets as encoding it whole."""
        starts = _piece_starts(text)
        pieces = list(zip(starts, [*starts[1:], len(text)], strict=True))
        ids, spans = [], []
        for first in range(0, len(pieces), PIECES_PER_CALL):
            group = pieces[first : first + PIECES_PER_CALL]
            for (start, _), (piece_ids, piece_offsets) in zip(
                group, self._encode([text[start:end] for start, end in group], offsets), strict=True
            ):
                ids.append(piece_ids)
                spans.append(piece_offsets + start if offsets else None)
        return np.concatenate(ids), np.concatenate(spans) if offsets else None

    def decode(self, ids) -> str:
        """Text of ``ids`` with special tokens dropped."""
        return self.backend.decode([int(i) for i in ids], skip_special_tokens=True)


def _piece_starts(text: str) -> list[int]:
    """Where the pieces of ``text`` start: 0, then the first split point at or after every ``PIECE_CHARS``."""
    starts = [0]
    while (found := _PIECE_END.search(text, starts[-1] + PIECE_CHARS)) is not None:
        starts.append(found.start())
    return starts


def _splits_at_spaces(backend: Tokenizer) -> bool:
    """Whether the backend's token ids are certain to split before a space that follows a word character."""
    description = json.loads(backend.to_str())
    pre_tokenizer = description.get("pre_tokenizer") or {}
    byte_level = pre_tokenizer.get("type") == "ByteLevel" and pre_tokenizer.get("use_regex", True)
    added = description.get("added_tokens") or []
    plain_added = not any(t.get("lstrip") or t.get("rstrip") or re.search(r"\s", t["content"]) for t in added)
    return (
        description.get("normalizer") is None
        and byte_level
        and not pre_tokenizer.get("add_prefix_space")
        and plain_added
    )


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
