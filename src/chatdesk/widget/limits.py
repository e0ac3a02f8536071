"""Request limits for the visitor API, per visitor and per client address: a sliding window
counted in this process (like the inbox's login throttling, N web processes allow N times the rate)."""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from ..core.errors import Problem

MAX_KEYS = 50_000  # a flood of addresses must not grow the table without bound


class Window:
    def __init__(self, limit: int, seconds: float, monotonic: Callable[[], float] = time.monotonic):
        self.limit, self.seconds, self._now = limit, seconds, monotonic
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> bool:
        """Count one request; False when the key is over its limit (not counted then)."""
        now = self._now()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= MAX_KEYS:
                self._hits.clear()
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True


class VisitorLimits:
    """Writes (messages, uploads, sessions) per visitor and per address; reads are cheap."""

    def __init__(self, per_visitor: int = 20, per_address: int = 60, seconds: float = 60.0,
                 monotonic: Callable[[], float] = time.monotonic):
        self.visitor = Window(per_visitor, seconds, monotonic)
        self.address = Window(per_address, seconds, monotonic)

    def check(self, address: str, visitor: str | None = None) -> None:
        if not self.address.hit(address) or (visitor is not None and not self.visitor.hit(visitor)):
            raise Problem(429, "rate_limited", "Too many messages; wait a minute and try again")
