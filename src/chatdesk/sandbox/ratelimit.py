"""Token buckets for the two send limits Meta enforces: throughput (130429) and pair rate (131056).

Buckets run on ``time.monotonic`` (not the injectable clock) because they model real elapsed
time; the injectable clock only moves the 24 h window, which tests jump by hours.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

PAIR_CAPACITY = 30.0
PAIR_REFILL_PER_S = 1 / 6      # one message per 6 s per (number, customer), with a burst of 30


@dataclass
class TokenBucket:
    capacity: float
    refill_per_s: float
    now: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.stamp = self.now()

    def _refill(self) -> None:
        now = self.now()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.refill_per_s)
        self.stamp = now

    def available(self) -> bool:
        self._refill()
        return self.tokens >= 1.0

    def take(self) -> None:
        self._refill()
        self.tokens -= 1.0


class SendLimiter:
    """Per-number throughput buckets (capacity = rate) and per-(number, customer) pair buckets."""

    def __init__(self) -> None:
        self._numbers: dict[str, TokenBucket] = {}
        self._pairs: dict[tuple[str, str], TokenBucket] = {}

    def reset(self) -> None:
        self._numbers.clear()
        self._pairs.clear()

    def _number(self, phone_number_id: str, mps: float) -> TokenBucket:
        bucket = self._numbers.get(phone_number_id)
        if bucket is None or bucket.refill_per_s != mps:
            bucket = self._numbers[phone_number_id] = TokenBucket(max(mps, 1.0), mps)
        return bucket

    def _pair(self, phone_number_id: str, wa_id: str) -> TokenBucket:
        key = (phone_number_id, wa_id)
        if key not in self._pairs:
            self._pairs[key] = TokenBucket(PAIR_CAPACITY, PAIR_REFILL_PER_S)
        return self._pairs[key]

    def throughput_ok(self, phone_number_id: str, mps: float) -> bool:
        return self._number(phone_number_id, mps).available()

    def pair_ok(self, phone_number_id: str, wa_id: str) -> bool:
        return self._pair(phone_number_id, wa_id).available()

    def consume(self, phone_number_id: str, mps: float, wa_id: str) -> None:
        """Called only once a send passed every check, so rejected sends cost nothing."""
        self._number(phone_number_id, mps).take()
        self._pair(phone_number_id, wa_id).take()
