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
    """A token bucket per key with capacity = one second's worth of messages.

    ``acquire`` waits (without holding anything) until a token is free, so callers are paced
    rather than refused.
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
        capacity = max(1.0, rate)
        tokens, last = self._buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / rate
