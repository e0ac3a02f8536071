"""Choosing the embedded or the scale-out implementation of each shared mechanism.

SQLite (one process): in-process event bus, wake-ups and token buckets.
PostgreSQL (many processes): the same interfaces over LISTEN/NOTIFY and shared rows, so any
web process serves any agent and N workers together keep each number's rate limit.
The PostgreSQL modules are imported only when used, so SQLite installs never load asyncpg.
"""
from __future__ import annotations

from .db import Database
from .events import EventBus, LocalBus
from .ratelimit import LocalRateLimiter, RateLimiter
from .runner import Wakeup


def make_bus(db: Database) -> EventBus:
    if db.is_postgres:
        from .pg_events import PgBus

        bus: PgBus | LocalBus = PgBus(db)
    else:
        bus = LocalBus()
    bus.attach(db)
    return bus


def make_limiter(db: Database) -> RateLimiter:
    if db.is_postgres:
        from .pg_ratelimit import PgRateLimiter

        return PgRateLimiter(db)
    return LocalRateLimiter()


def make_wakeup(db: Database) -> Wakeup:
    """What wakes idle workers: commits in this process, and on PostgreSQL in any process."""
    if db.is_postgres:
        from .pg_wakeup import PgWakeup

        return PgWakeup(db)
    return Wakeup(db)
