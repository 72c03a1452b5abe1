"""A token bucket per client, in memory (one process): enough to blunt scripted abuse of the
public citizen endpoints. Behind several servers, rate-limit at the reverse proxy as well."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """``capacity`` requests at once, refilled at ``per_second``; buckets idle long enough to be
    full again are forgotten, so memory stays bounded by the recent clients."""

    capacity: float
    per_second: float
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.per_second)
            if len(self._buckets) > 10_000:
                self._forget_full(now)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            return True

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again."""
        tokens, _last = self._buckets.get(key, (self.capacity, 0.0))
        return max(1, int((1 - tokens) / self.per_second) + 1)

    def _forget_full(self, now: float) -> None:
        refill = self.capacity / self.per_second
        for key, (_tokens, last) in list(self._buckets.items()):
            if now - last > refill:
                del self._buckets[key]
