"""The shared rate limiter: senders in several processes together stay under one number's
rate, measured in every one-second window; separate numbers do not slow each other."""
from __future__ import annotations

import asyncio
import time
from itertools import pairwise

import pytest

from chatdesk.core.db import Database
from chatdesk.core.pg_ratelimit import PgRateLimiter
from tests.pg import is_postgres


@pytest.fixture
async def limiters(settings):
    """Two limiters on two engines: what two worker processes have."""
    if not is_postgres(settings.db_url):
        pytest.skip("PostgreSQL only (run with --db postgresql+asyncpg://...)")
    dbs = [Database(settings.db_url), Database(settings.db_url)]
    yield [PgRateLimiter(db) for db in dbs]
    for db in dbs:
        await db.dispose()


def max_in_any_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    return max(sum(1 for u in times[i:] if u < t + window) for i, t in enumerate(times))


async def _send(limiter: PgRateLimiter, key: str, rate: float, n: int, out: list[float]) -> None:
    for _ in range(n):
        await limiter.acquire(key, rate)
        out.append(time.monotonic())


async def test_two_processes_together_never_exceed_the_rate(limiters):
    times: list[float] = []
    rate = 20.0
    start = time.monotonic()
    await asyncio.gather(*(_send(limiters[i % 2], "whatsapp:1", rate, 15, times) for i in range(6)))
    assert len(times) == 90
    assert max_in_any_window(times) <= rate
    # and it is pacing, not starving: sends follow each other 1/18 s apart (10 % headroom). The
    # median gap says so whatever a stall of this machine adds to a few gaps (no elapsed time).
    gaps = sorted(b - a for a, b in pairwise(sorted(times)))
    assert gaps[len(gaps) // 2] <= 1.5 / (rate * 0.9)
    assert max(times) - start > 80 / (rate * 0.9)  # and never faster than the rate allows


async def test_separate_numbers_have_separate_budgets(limiters):
    start = time.monotonic()
    for _ in range(10):  # number A books ten slots: its next is about 1.1 s away
        await limiters[0].reserve("whatsapp:A", 10)
    assert await limiters[1].reserve("whatsapp:B", 10) == 0.0  # B's first goes at once all the same
    a_next = await limiters[1].reserve("whatsapp:A", 10)
    booked = 10 * limiters[0].interval(10)
    # A's slot waits for A's ten, less what time passed meanwhile (however long a stall made it)
    assert booked - (time.monotonic() - start) - 0.01 <= a_next <= booked + 0.01


async def test_an_idle_number_sends_at_once(limiters):
    start = time.monotonic()
    assert await limiters[0].reserve("whatsapp:idle", 5) == 0.0
    then = await limiters[1].reserve("whatsapp:idle", 5)  # the next slot, 1/(5*0.9) s after the first
    step = limiters[1].interval(5)
    assert step - (time.monotonic() - start) - 0.01 <= then <= step + 0.01


def test_rate_and_headroom_are_checked():
    limiter = PgRateLimiter(db=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        limiter.interval(0)
    with pytest.raises(ValueError):
        PgRateLimiter(db=None, headroom=1.0)  # type: ignore[arg-type]
