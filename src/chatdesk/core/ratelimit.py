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


HEADROOM = 0.10


class LocalRateLimiter:
    """Even pacing per key, 10 % under the rate (a token bucket of capacity 1).

    No burst allowance on purpose: the provider counts on *arrival*, its bucket starts when
    our first request arrives, and the network and a busy host bunch requests that left evenly
    spaced. Even spacing with headroom (the same rule as ``PgRateLimiter``) keeps every
    1-second window at the provider within the limit. ``acquire`` waits rather than refuses.
    """

    def __init__(self, monotonic=time.monotonic, headroom: float = HEADROOM):
        self._monotonic = monotonic
        self._factor = 1.0 - headroom
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
        rate *= self._factor
        now = self._monotonic()
        capacity = 1.0
        tokens, last = self._buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / rate
