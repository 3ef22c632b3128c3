"""Span localisation: find watermarked stretches pasted into longer (human) text.

Windows of several sizes slide over the document (stride a quarter of the size); each is an
exact binomial test, and the detector corrects for all of them. Overlapping significant
windows of one key merge into a region; inside it the span is the segment with the largest
z-score (the scan statistic), searched on a grid of at most ``GRID`` boundaries.

>>> import numpy as np
>>> scored = np.ones(300, dtype=bool)
>>> green = np.zeros(300, dtype=bool); green[100:200] = True
>>> scan = scan_windows(scored, green, gamma=0.25)
>>> bool(scan.p_values.min() < 1e-30)
True
>>> best_segment(scored, green, 0, 300, gamma=0.25)[:2]
(100, 200)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from greenmark.watermark.statistics import binomial_test

WINDOW_SIZES = (32, 64, 128, 256)
GRID = 256
MIN_SPAN_TOKENS = 16


@dataclass(frozen=True)
class WindowScan:
    """Every window tested in one document under one key: ``[starts, ends)`` and p-values."""

    starts: np.ndarray
    ends: np.ndarray
    p_values: np.ndarray


def scan_windows(scored: np.ndarray, green: np.ndarray, gamma: float, sizes=WINDOW_SIZES) -> WindowScan:
    """Test every window shorter than the document; ``scored``/``green`` are per-token indicators."""
    length = len(scored)
    scored_sum = np.concatenate([[0], np.cumsum(scored)])
    green_sum = np.concatenate([[0], np.cumsum(green)])
    starts = []
    for size in sizes:
        if size >= length:
            break
        positions = np.arange(0, length - size + 1, size // 4)
        if positions[-1] != length - size:
            positions = np.append(positions, length - size)
        starts.append(np.stack([positions, positions + size]))
    if not starts:
        empty = np.zeros(0, dtype=np.int64)
        return WindowScan(empty, empty, np.zeros(0))
    bounds = np.concatenate(starts, axis=1)
    totals = scored_sum[bounds[1]] - scored_sum[bounds[0]]
    greens = green_sum[bounds[1]] - green_sum[bounds[0]]
    return WindowScan(bounds[0], bounds[1], binomial_test(greens, totals, gamma).p_value)


def merge_windows(starts: np.ndarray, ends: np.ndarray) -> list[tuple[int, int, np.ndarray]]:
    """Group overlapping windows: ``(region_start, region_end, member indices)`` per region."""
    order = np.argsort(starts, kind="stable")
    regions: list[tuple[int, int, list[int]]] = []
    for index in order:
        start, end = int(starts[index]), int(ends[index])
        if regions and start < regions[-1][1]:
            region_start, region_end, members = regions[-1]
            members.append(int(index))
            regions[-1] = (region_start, max(region_end, end), members)
        else:
            regions.append((start, end, [int(index)]))
    return [(start, end, np.array(members)) for start, end, members in regions]


def best_segment(scored: np.ndarray, green: np.ndarray, start: int, end: int, gamma: float):
    """``(seg_start, seg_end, z_score, scored, green)`` of the max-z segment inside ``[start, end)``."""
    step = max(1, (end - start) // GRID)
    cuts = np.unique(np.append(np.arange(start, end, step), end))
    scored_sum = np.concatenate([[0], np.cumsum(scored)])[cuts]
    green_sum = np.concatenate([[0], np.cumsum(green)])[cuts]
    totals = scored_sum[None, :] - scored_sum[:, None]
    greens = green_sum[None, :] - green_sum[:, None]
    valid = totals >= MIN_SPAN_TOKENS
    z_scores = np.where(
        valid,
        (greens - gamma * totals) / np.sqrt(np.maximum(totals, 1) * gamma * (1 - gamma)),
        -np.inf,
    )
    i, j = np.unravel_index(np.argmax(z_scores), z_scores.shape)
    if not np.isfinite(z_scores[i, j]):
        i, j = 0, len(cuts) - 1
    return (
        int(cuts[i]),
        int(cuts[j]),
        float(z_scores[i, j]),
        int(totals[i, j]),
        int(greens[i, j]),
    )
