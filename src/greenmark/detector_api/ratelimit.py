"""Per-API-key rate limiting: a token bucket per key, in the memory of one worker process.

Each key's bucket holds up to ``burst`` requests and refills at ``rate`` per second; a request
spends one. Buckets live in the worker, so with N workers a key can reach N times the rate
(and a restart forgets them): a guard against runaway clients and oracle probing, not a
billing meter. Used from the event loop only, so it needs no lock.

>>> clock = iter([0.0, 0.0, 0.0, 0.5]).__next__
>>> limiter = TokenBucketLimiter(rate=2.0, burst=2, clock=clock)
>>> [limiter.acquire("k"), limiter.acquire("k"), limiter.acquire("k"), limiter.acquire("k")]
[0.0, 0.0, 0.5, 0.0]
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucketLimiter:
    """``acquire(key)`` spends one token of ``key``'s bucket, or says how long until one is available."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate, self.burst, self._clock = float(rate), float(burst), clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, time of last update)

    def acquire(self, key: str) -> float:
        """0.0 when the request may proceed (one token spent), else the seconds to wait before retrying."""
        now = self._clock()
        tokens, updated = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - updated) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate
