"""The shared rate limiter: senders in several processes together stay under one number's
rate, measured in every one-second window; separate numbers do not slow each other."""
from __future__ import annotations

import asyncio
import time

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
    # and it is pacing, not starving: 90 sends at 18/s (10 % headroom) take about 5 s
    assert time.monotonic() - start < 5.0 + 1.5


async def test_separate_numbers_have_separate_budgets(limiters):
    a: list[float] = []
    b: list[float] = []
    start = time.monotonic()
    await asyncio.gather(_send(limiters[0], "whatsapp:A", 10, 10, a), _send(limiters[1], "whatsapp:B", 10, 10, b))
    assert time.monotonic() - start < 1.6  # each ~1.05 s; one shared budget would take twice that


async def test_an_idle_number_sends_at_once(limiters):
    assert await limiters[0].reserve("whatsapp:idle", 5) == 0.0
    assert 0.2 < await limiters[1].reserve("whatsapp:idle", 5) <= 0.23  # the next slot, 1/(5*0.9) s on


def test_rate_and_headroom_are_checked():
    limiter = PgRateLimiter(db=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        limiter.interval(0)
    with pytest.raises(ValueError):
        PgRateLimiter(db=None, headroom=1.0)  # type: ignore[arg-type]
