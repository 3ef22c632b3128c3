"""Rate limiting: a token bucket per key (an API key, or a client address for failed authentication).

Each key's bucket holds up to ``burst`` requests and refills at ``rate`` per second; a request
spends one. Buckets live in the worker, so with N workers a key can reach N times the rate
(and a restart forgets them): a guard against runaway clients, password guessing and oracle
probing, not a billing meter. At most ``max_keys`` buckets are kept (the oldest dropped first).
Used from the event loop only, so it needs no lock.

>>> clock = iter([0.0, 0.0, 0.0, 0.0, 0.5]).__next__
>>> limiter = TokenBucketLimiter(rate=2.0, burst=2, clock=clock)
>>> [limiter.acquire("k"), limiter.acquire("k"), limiter.wait("k"), limiter.acquire("k"), limiter.acquire("k")]
[0.0, 0.0, 0.5, 0.5, 0.0]
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucketLimiter:
    """``acquire(key)`` spends one token of ``key``'s bucket, or says how long until one is available."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate, self.burst, self.max_keys, self._clock = float(rate), float(burst), max_keys, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, time of last update)

    def _tokens(self, key: str, now: float) -> float:
        tokens, updated = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - updated) * self.rate)

    def wait(self, key: str) -> float:
        """The seconds until ``key`` has a token (0.0: it has one now); spends nothing."""
        tokens = self._tokens(key, self._clock())
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def acquire(self, key: str) -> float:
        """0.0 when the request may proceed (one token spent), else the seconds to wait before retrying."""
        now = self._clock()
        tokens = self._tokens(key, now)
        spent = tokens >= 1
        self._buckets.pop(key, None)
        while len(self._buckets) >= self.max_keys:
            del self._buckets[next(iter(self._buckets))]
        self._buckets[key] = (tokens - 1 if spent else tokens, now)
        return 0.0 if spent else (1 - tokens) / self.rate
