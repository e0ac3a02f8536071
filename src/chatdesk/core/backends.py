"""Choosing the embedded or the scale-out implementation of each shared mechanism.

SQLite (one process): in-process event bus, wake-ups and token buckets.
PostgreSQL (many processes): the same interfaces over LISTEN/NOTIFY and shared rows.
"""
from __future__ import annotations

from .db import Database
from .events import EventBus, LocalBus
from .ratelimit import LocalRateLimiter, RateLimiter


def make_bus(db: Database) -> EventBus:
    bus = LocalBus()
    bus.attach(db)
    return bus


def make_limiter(db: Database) -> RateLimiter:
    return LocalRateLimiter()
