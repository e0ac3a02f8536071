"""The shared outbound rate limit: one pacing row per sending number in PostgreSQL.

N worker processes send for the same number; each must know what the others just did, so
the state is a row, ``rate_buckets(key, next_at)``: the earliest time the next message may go.
``acquire`` reserves the next slot with one atomic upsert (the row lock serialises concurrent
callers) and then sleeps until that slot, holding no lock and no connection meanwhile. Time
is the database's clock (``clock_timestamp()``), so processes on hosts whose clocks differ
still agree. A reserved slot whose sender dies is simply lost: we under-send, never over-send.

Pacing is even (no burst) and runs ``headroom`` below the configured rate: the limit is
counted at the provider on arrival, and a stalled sender, receiver or network bunches
messages that left evenly spaced. 10 % headroom absorbs about 100 ms of such stalls in any
one-second window at every rate (measured: 100 ms stalls are common on a loaded 2-core host;
5 % let 31-32 sends into one second at 30/s).
"""
from __future__ import annotations

import asyncio

from sqlalchemy import Column, String, Table, text

from .db import Base, Database, UTCDateTime

# Infrastructure state (migration 0002), declared here beside the only code that uses it.
rate_buckets = Table("rate_buckets", Base.metadata,
                     Column("key", String(200), primary_key=True),
                     Column("next_at", UTCDateTime, nullable=False))

_RESERVE = text("""
INSERT INTO rate_buckets AS b (key, next_at)
VALUES (:key, clock_timestamp() + make_interval(secs => :interval))
ON CONFLICT (key) DO UPDATE
   SET next_at = GREATEST(b.next_at, clock_timestamp()) + make_interval(secs => :interval)
RETURNING GREATEST(0, EXTRACT(EPOCH FROM (b.next_at - clock_timestamp())) - :interval)::float8
""")


class PgRateLimiter:
    """``RateLimiter`` whose state is shared by every process using the same database."""

    def __init__(self, db: Database, headroom: float = 0.10):
        if not 0 <= headroom < 1:
            raise ValueError("headroom is a fraction of the rate, from 0 up to (not including) 1")
        self.db, self.headroom = db, headroom

    def interval(self, rate: float) -> float:
        """Seconds between two sends at ``rate`` messages/second, less the headroom."""
        if rate <= 0:
            raise ValueError("the rate must be above zero")
        return 1.0 / (rate * (1.0 - self.headroom))

    async def acquire(self, key: str, rate: float) -> None:
        """Wait until this caller's slot for ``key`` comes (at once if the number is idle)."""
        wait = await self.reserve(key, rate)
        if wait > 0:
            await asyncio.sleep(wait)

    async def reserve(self, key: str, rate: float) -> float:
        """Book the next slot; returns the seconds until it starts."""
        async with self.db.engine.begin() as conn:
            wait = (await conn.execute(_RESERVE, {"key": key, "interval": self.interval(rate)})).scalar_one()
        return float(wait)
