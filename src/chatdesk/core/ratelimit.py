"""Outbound rate limits per sending number (token buckets).

Embedded: buckets in this process. Scale-out: the bucket state lives in PostgreSQL so N
workers together stay under the number's limit (``PgRateLimiter`` in ``pg_ratelimit``).
"""
from __future__ import annotations

import asyncio
import time
from typing import Protocol


class RateLimiter(Protocol):
    async def acquire(self, key: str, rate: float) -> None: ...


class LocalRateLimiter:
    """Even pacing per key: one message every ``1/rate`` seconds (a token bucket of capacity 1).

    No burst allowance on purpose: the provider's own bucket starts counting when our first
    request *arrives*, later than we sent it, so a full-second burst from us can look like
    more than ``rate`` in its first second. Spacing sends evenly keeps every 1-second window
    at or under the limit, whatever the network adds. ``acquire`` waits rather than refuses.
    """

    def __init__(self, monotonic=time.monotonic):
        self._monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill time)
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, key: str, rate: float) -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            while True:
                wait = self._try_take(key, rate)
                if wait <= 0:
                    return
                await asyncio.sleep(wait)

    def _try_take(self, key: str, rate: float) -> float:
        now = self._monotonic()
        capacity = 1.0
        tokens, last = self._buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / rate
