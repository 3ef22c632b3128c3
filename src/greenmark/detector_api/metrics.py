"""Prometheus metrics of the API: requests, latency, texts and tokens scored, decisions.

With several worker processes set ``PROMETHEUS_MULTIPROC_DIR`` (``greenmark serve`` does so
for ``--workers`` > 1) and every scrape of ``/metrics`` aggregates all workers.

>>> observe_detections(["watermarked", "not_watermarked"], num_scored_tokens=[200, 180])
>>> b"greenmark_api_texts_scored_total" in render()[0]
True
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter("greenmark_api_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "greenmark_api_request_duration_seconds",
    "Time from receiving a request to finishing its response",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TEXTS_SCORED = Counter("greenmark_api_texts_scored", "Texts tested for watermarks")
TOKENS_SCORED = Counter("greenmark_api_tokens_scored", "Distinct (context, token) pairs scored")
DECISIONS = Counter("greenmark_api_decisions", "Detection decisions", ["decision"])


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request under its route template (never the raw path)."""
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def observe_detections(decisions: Iterable[str], num_scored_tokens: Iterable[int]) -> None:
    """Count the texts of one detection request, their scored tokens and decisions."""
    decisions = list(decisions)
    TEXTS_SCORED.inc(len(decisions))
    TOKENS_SCORED.inc(sum(num_scored_tokens))
    for decision in decisions:
        DECISIONS.labels(decision).inc()


def render() -> tuple[bytes, str]:
    """The exposition text of every metric (of all workers in multiprocess mode) and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
