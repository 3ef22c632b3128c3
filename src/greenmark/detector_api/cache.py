"""A small time-to-live cache: API-key lookups and tenants' detectors are reused for a few seconds.

>>> now = [0.0]
>>> cache = TtlCache(seconds=5, clock=lambda: now[0])
>>> cache.put("tenant", "detector")
>>> cache.get("tenant")
'detector'
>>> now[0] = 6.0
>>> cache.get("tenant") is None
True
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any


class TtlCache:
    """Maps keys to values for ``seconds`` after they were put; at most ``max_entries`` (oldest dropped first)."""

    def __init__(self, seconds: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.max_entries, self._clock = seconds, max_entries, clock
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable) -> Any | None:
        """The value put under ``key`` less than ``seconds`` ago, else ``None``."""
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self._clock():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        """Remember ``value`` under ``key`` (a zero ``seconds`` remembers nothing)."""
        if self.seconds <= 0:
            return
        self._entries.pop(key, None)
        while len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (self._clock() + self.seconds, value)
