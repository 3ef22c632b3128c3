"""Span localisation: find watermarked stretches pasted into longer (human) text.

Windows of several sizes slide over the document (stride a quarter of the size); each is an
exact binomial test, and the detector corrects for all of them. Overlapping significant
windows of one key merge into a region. A region may hold several pasted spans with human
text between them (long windows bridge the gaps), so ``watermarked_segments`` splits it: the
labelling of its tokens as watermarked or not that maximises the log-likelihood ratio of a
watermarked green rate against gamma, less ``SEGMENT_PENALTY`` per watermarked stretch. The
largest-z segment (the scan statistic, on a grid of at most ``GRID`` boundaries) is the
fallback when no stretch is long enough.

>>> import numpy as np
>>> scored = np.ones(300, dtype=bool)
>>> green = np.zeros(300, dtype=bool); green[100:200] = True
>>> scan = scan_windows(scored, green, gamma=0.25)
>>> bool(scan.p_values.min() < 1e-30)
True
>>> best_segment(scored, green, 0, 300, gamma=0.25)[:2]
(100, 200)
>>> green[220:260] = True  # a second stretch, 20 human tokens after the first
>>> watermarked_segments(scored, green, 0, 300, gamma=0.25)
[(100, 200), (220, 260)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from greenmark.watermark.statistics import binomial_test

WINDOW_SIZES = (32, 64, 128, 256)
GRID = 256
MIN_SPAN_TOKENS = 16
SEGMENT_PENALTY = math.log(1e4)  # the log-likelihood ratio a stretch must gain to be a span of its own
SEGMENT_ROUNDS = 3  # re-estimates of the watermarked green rate from the stretches found
# the estimate's cap: near 1 a few red tokens (retokenised boundaries, repeats) would split a span
MAX_GREEN_RATE = 0.9


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


def watermarked_segments(scored: np.ndarray, green: np.ndarray, start: int, end: int, gamma: float):
    """The watermarked stretches ``[(seg_start, seg_end), ...]`` inside ``[start, end)``, each with at
    least ``MIN_SPAN_TOKENS`` scored tokens; the green rate of watermarked text is estimated from the
    region (first its largest-z segment, then the stretches found)."""
    positions = start + np.flatnonzero(scored[start:end])
    is_green = green[positions]
    seg_start, seg_end = best_segment(scored, green, start, end, gamma)[:2]
    labels = (positions >= seg_start) & (positions < seg_end)
    for _ in range(SEGMENT_ROUNDS):
        rate = float(np.clip(is_green[labels].mean() if labels.any() else 1.0, gamma + 0.05, MAX_GREEN_RATE))
        gains = np.where(is_green, math.log(rate / gamma), math.log((1 - rate) / (1 - gamma)))
        updated = _best_labelling(gains, SEGMENT_PENALTY)
        if np.array_equal(updated, labels):
            break
        labels = updated
    segments = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], labels.astype(np.int8), [0]])))
    for first, last in zip(edges[::2], edges[1::2], strict=True):  # runs [first, last) of watermarked positions
        if last - first >= MIN_SPAN_TOKENS:
            segments.append((int(positions[first]), int(positions[last - 1]) + 1))
    return segments


def _best_labelling(gains: np.ndarray, penalty: float) -> np.ndarray:
    """bool per position: the labelling maximising the gains of watermarked positions less
    ``penalty`` per watermarked run (Viterbi over two states)."""
    count = len(gains)
    from_watermarked = np.zeros(count, dtype=bool)  # watermarked at i continues a run (else starts one)
    human_after_run = np.zeros(count, dtype=bool)  # human at i follows a watermarked position
    human, watermarked = 0.0, -math.inf
    for i, gain in enumerate(gains.tolist()):
        from_watermarked[i] = watermarked >= human - penalty
        human_after_run[i] = watermarked > human
        human, watermarked = max(human, watermarked), max(watermarked, human - penalty) + gain
    labels = np.zeros(count, dtype=bool)
    in_run = watermarked > human
    for i in range(count - 1, -1, -1):
        labels[i] = in_run
        in_run = from_watermarked[i] if in_run else human_after_run[i]
    return labels
