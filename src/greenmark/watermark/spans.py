"""Span localisation: find watermarked stretches pasted into longer (human) text.

Everything here reads one document's ``TokenScores`` under one key, so it works the same
for every scheme. Windows of several sizes slide over the document (stride a quarter of the
size); each is an exact test under the scheme's null, and the detector corrects for all of
them. Overlapping significant windows merge into a region. A region may hold several pasted
spans with human text between them (long windows bridge the gaps), so
``watermarked_segments`` splits it: the labelling of its scored tokens as watermarked or not
that maximises the log-likelihood ratio of a watermarked alternative against the null, less
``SEGMENT_PENALTY`` per watermarked stretch. The largest-z segment (the scan statistic, on a
grid of at most ``GRID`` boundaries) is the fallback when no stretch is long enough.

>>> import numpy as np
>>> from greenmark.watermark.null_distributions import BinomialNull
>>> green = np.zeros(300); green[100:200] = 1
>>> scores = TokenScores.of_statistics(green, BinomialNull(0.25))
>>> bool(scan_windows(scores).p_values.min() < 1e-30)
True
>>> best_segment(scores, 0, 300)[:2]
(100, 200)
>>> green[220:260] = 1  # a second stretch, 20 human tokens after the first
>>> watermarked_segments(TokenScores.of_statistics(green, BinomialNull(0.25)), 0, 300)
[(100, 200), (220, 260)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from greenmark.watermark.token_scores import TokenScores

WINDOW_SIZES = (32, 64, 128, 256)
GRID = 256
MIN_SPAN_TOKENS = 16
SEGMENT_PENALTY = math.log(1e4)  # the log-likelihood ratio a stretch must gain to be a span of its own
SEGMENT_ROUNDS = 3  # re-estimates of the watermarked mean statistic from the stretches found


@dataclass(frozen=True)
class Span:
    """A located watermarked stretch: token indices ``[start_token, end_token)`` into the scored ids,
    and character offsets into the canonical text when a text was given."""

    start_token: int
    end_token: int
    start_char: int | None
    end_char: int | None
    p_value: float
    z_score: float
    num_scored_tokens: int
    num_green_tokens: int
    key_id: str


@dataclass(frozen=True)
class WindowScan:
    """Every window tested in one document under one key: ``[starts, ends)`` and uncorrected p-values."""

    starts: np.ndarray
    ends: np.ndarray
    p_values: np.ndarray


def scan_windows(scores: TokenScores, sizes=WINDOW_SIZES) -> WindowScan:
    """Test every window shorter than the (single) document of ``scores``."""
    length = len(scores.scored)
    bounds = []
    for size in sizes:
        if size >= length:
            break
        positions = np.arange(0, length - size + 1, size // 4)
        if positions[-1] != length - size:
            positions = np.append(positions, length - size)
        bounds.append(np.stack([positions, positions + size]))
    if not bounds:
        empty = np.zeros(0, dtype=np.int64)
        return WindowScan(empty, empty, np.zeros(0))
    starts, ends = np.concatenate(bounds, axis=1)
    return WindowScan(starts, ends, scores.window_test(starts, ends).p_value)


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


def best_segment(scores: TokenScores, start: int, end: int) -> tuple[int, int, float]:
    """``(seg_start, seg_end, z_score)`` of the max-z segment inside ``[start, end)`` (on a grid)."""
    step = max(1, (end - start) // GRID)
    cuts = np.unique(np.append(np.arange(start, end, step), end))
    scored_sum = np.concatenate([[0], np.cumsum(scores.scored)])[cuts]
    statistic_sum = np.concatenate([[0.0], np.cumsum(np.where(scores.scored, scores.statistic, 0.0))])[cuts]
    counts = scored_sum[None, :] - scored_sum[:, None]
    z_scores = np.where(
        counts >= MIN_SPAN_TOKENS,
        scores.null.z_scores(statistic_sum[None, :] - statistic_sum[:, None], counts),
        -np.inf,
    )
    i, j = np.unravel_index(np.argmax(z_scores), z_scores.shape)
    if not np.isfinite(z_scores[i, j]):
        i, j = 0, len(cuts) - 1
    return int(cuts[i]), int(cuts[j]), float(z_scores[i, j])


def watermarked_segments(scores: TokenScores, start: int, end: int) -> list[tuple[int, int]]:
    """The watermarked stretches ``[(seg_start, seg_end), ...]`` inside ``[start, end)``, each with at
    least ``MIN_SPAN_TOKENS`` scored tokens; the watermarked mean statistic is estimated from the
    region (first its largest-z segment, then the stretches found)."""
    positions = start + np.flatnonzero(scores.scored[start:end])
    statistics = scores.statistic[positions]
    seg_start, seg_end = best_segment(scores, start, end)[:2]
    labels = (positions >= seg_start) & (positions < seg_end)
    for _ in range(SEGMENT_ROUNDS):
        mean = float(statistics[labels].mean()) if labels.any() else math.inf
        updated = _best_labelling(scores.null.log_likelihood_ratios(statistics, mean), SEGMENT_PENALTY)
        if np.array_equal(updated, labels):
            break
        labels = updated
    segments = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], labels.astype(np.int8), [0]])))
    for first, last in zip(edges[::2], edges[1::2], strict=True):  # runs [first, last) of watermarked positions
        if last - first >= MIN_SPAN_TOKENS:
            segments.append((int(positions[first]), int(positions[last - 1]) + 1))
    return segments


def locate_spans(scores: TokenScores, scan: WindowScan, hypotheses: int, alpha: float, key_id: str) -> list[Span]:
    """The spans of one document under one key: each stretch of a region of significant windows
    (corrected for ``hypotheses``), claimed with the best significant window centred in it; a
    region without such a stretch is claimed by its largest-z segment."""
    significant = np.flatnonzero(scan.p_values * hypotheses < alpha)
    centres = (scan.starts + scan.ends) // 2
    located = []
    for region_start, region_end, members in merge_windows(scan.starts[significant], scan.ends[significant]):
        members = significant[members]
        claimed = []
        for start, end in watermarked_segments(scores, region_start, region_end):
            inside = members[(centres[members] >= start) & (centres[members] < end)]
            if inside.size:
                claimed.append((start, end, float(scan.p_values[inside].min())))
        if not claimed:
            start, end = best_segment(scores, region_start, region_end)[:2]
            claimed.append((start, end, float(scan.p_values[members].min())))
        located += [
            _span(scores, start, end, min(1.0, p_value * hypotheses), key_id) for start, end, p_value in claimed
        ]
    return located


def _span(scores: TokenScores, start: int, end: int, p_value: float, key_id: str) -> Span:
    part = slice(start, end)
    count = int(scores.scored[part].sum())
    total = float(scores.statistic[part][scores.scored[part]].sum())
    return Span(
        start_token=start,
        end_token=end,
        start_char=int(scores.offsets[start][0]) if scores.offsets is not None else None,
        end_char=int(scores.offsets[end - 1][1]) if scores.offsets is not None else None,
        p_value=p_value,
        z_score=float(scores.null.z_scores([total], [count])[0]),
        num_scored_tokens=count,
        num_green_tokens=int((scores.scored[part] & scores.green[part]).sum()),
        key_id=key_id,
    )


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
