"""Cutting and pasting token windows: cropping, and copy-paste of a text's spans into another.

``copy_paste`` replaces ``num_spans`` disjoint stretches of a host sequence, ``fraction`` of
it in all, with consecutive pieces of a source sequence, and says where they went: paste
watermarked text into human text and the spans are the ground truth a detector should
locate; paste human text into watermarked text for the reverse.

>>> pasted = copy_paste(np.zeros(100, dtype=np.int64), np.ones(50, dtype=np.int64), 0.25, 2, seed=0)
>>> int(pasted.ids.sum()), sum(end - start for start, end in pasted.spans)
(25, 25)
>>> crop(np.arange(10), 4, "middle").tolist()
[3, 4, 5, 6]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CROP_POSITIONS = ("prefix", "middle", "suffix")


@dataclass(frozen=True)
class PastedTokens:
    """The spliced ids and the ``[start, end)`` token spans that came from the source, in order."""

    ids: np.ndarray
    spans: tuple[tuple[int, int], ...]


def copy_paste(host, source, fraction: float, num_spans: int, seed) -> PastedTokens:
    """Overwrite ``num_spans`` disjoint stretches of ``host`` (``fraction`` of its tokens in all)
    with consecutive pieces of ``source``; the result is as long as ``host``."""
    rng = np.random.default_rng(seed)
    host = np.asarray(host, dtype=np.int64)
    source = np.asarray(source, dtype=np.int64)
    pasted_total = min(round(fraction * len(host)), len(source))
    if not 1 <= num_spans <= max(pasted_total, 1):
        raise ValueError(f"cannot paste {num_spans} spans of {pasted_total} tokens in all")
    lengths = np.diff(np.linspace(0, pasted_total, num_spans + 1).round().astype(np.int64))
    # split the host tokens that stay into num_spans + 1 gaps around the pasted pieces
    kept = len(host) - pasted_total
    cuts = np.sort(rng.integers(0, kept + 1, size=num_spans))
    gaps = np.diff(np.concatenate([[0], cuts, [kept]]))
    ids, spans, host_at, source_at = [], [], 0, 0
    for gap, length in zip(gaps[:-1], lengths, strict=True):
        ids.append(host[host_at : host_at + gap])
        start = host_at + gap
        ids.append(source[source_at : source_at + length])
        spans.append((int(start), int(start + length)))
        host_at, source_at = start + length, source_at + length
    ids.append(host[host_at:])
    return PastedTokens(np.concatenate(ids), tuple(spans))


def crop(ids, length: int, position: str) -> np.ndarray:
    """Keep a window of ``length`` tokens from the start (``prefix``), centre (``middle``) or end (``suffix``)."""
    if position not in CROP_POSITIONS:
        raise ValueError(f"position must be one of {CROP_POSITIONS}")
    ids = np.asarray(ids, dtype=np.int64)
    length = min(length, len(ids))
    start = {"prefix": 0, "middle": (len(ids) - length) // 2, "suffix": len(ids) - length}[position]
    return ids[start : start + length]
