"""Outbound sends under the sandbox's fault modes: how long ``--messages`` replies take to be
accepted by the sandbox, with no fault and with a fraction of Graph calls failing, and whether
each went out exactly once.

chatdesk (app + worker) and the sandbox run in one process over in-process HTTP (the test
stack, ``tests/conftest.py``) on the real clock, so retries wait their real backoff (1 s, 2 s,
4 s ... with jitter). The figures are chatdesk's send path and retry policy, not a network.

    .venv/bin/python bench/faults.py                      # 0 %, 10 % and 30 % error rates, SQLite
    .venv/bin/python bench/faults.py --messages 500 --error-rates 0 0.1

Prints figures; asserts only that nothing was lost or doubled.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from chatdesk.core.settings import Settings  # noqa: E402


def run(messages: int, error_rate: float, rate_limit: float) -> dict[str, float]:
    from chatdesk.core.migrate import upgrade
    from chatdesk.core.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
                            secret_key="bench-secret-key-0123456789abcdefghij")
        settings.ensure_data_dir()
        upgrade(settings.db_url)  # before the event loop: migrations run their own
        return asyncio.run(measure(settings, messages, error_rate, rate_limit))


async def measure(settings: Settings, messages: int, error_rate: float, rate_limit: float) -> dict[str, float]:
    from sqlalchemy import select

    from chatdesk.conversations.models import Message
    from chatdesk.core.clock import SystemClock
    from tests.conftest import Stack

    stack = await Stack(settings, SystemClock(), rate_limit=rate_limit,  # type: ignore[arg-type]
                        sandbox_options={"rate_limit_mps": rate_limit}).start()
    try:
        customers = [f"4916{n:07d}" for n in range(20)]
        for wa_id in customers:
            await stack.customer_says(wa_id, type="text", text="hello")
        while len(convs := await stack.conversations(per_page=100)) < len(customers):
            await asyncio.sleep(0.05)
        await stack.sandbox.post("/_sandbox/fault-modes", json={"error_rate": error_rate})
        started = time.monotonic()
        for i in range(messages):
            resp = await stack.api.post(f"/api/v1/conversations/{convs[i % len(convs)]['id']}/messages",
                                        json={"type": "text", "text": f"reply {i}"})
            assert resp.status_code == 202, resp.text
        queued = time.monotonic() - started
        latencies: dict[int, float] = {}
        while len(latencies) < messages:
            async with stack.rt.db.reader() as session:
                rows = (await session.execute(select(Message.id, Message.created_at, Message.sent_at).where(
                    Message.direction == "out", Message.sent_at.is_not(None)))).all()
            for mid, created, sent in rows:
                latencies.setdefault(mid, (sent - created).total_seconds())
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        sent = Counter(r["request"]["text"]["body"] for r in await stack.sent_requests() if r["type"] == "text")
        assert sent == Counter({f"reply {i}": 1 for i in range(messages)}), "lost or doubled"
        rejected = len((await stack.sandbox.get("/_sandbox/rejected")).json()["rejected"])
    finally:
        await stack.stop()
    values = sorted(latencies.values())
    return {"rate": messages / elapsed, "queue_rate": messages / queued, "p50": percentile(values, 50),
            "p99": percentile(values, 99), "max": values[-1], "rejected": rejected}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--error-rates", type=float, nargs="+", default=[0.0, 0.1, 0.3])
    parser.add_argument("--rate-limit", type=float, default=1000.0, help="the number's messages/second")
    args = parser.parse_args()
    print(f"{args.messages} replies, rate limit {args.rate_limit:g}/s, SQLite, in-process")
    print(f"{'error rate':>10} {'posted/s':>9} {'sent/s':>8} {'refused':>8} {'p50 s':>7} {'p99 s':>7} {'max s':>7}")
    for error_rate in args.error_rates:
        r = run(args.messages, error_rate, args.rate_limit)
        print(f"{error_rate:>10.0%} {r['queue_rate']:>9.1f} {r['rate']:>8.1f} {r['rejected']:>8.0f} "
              f"{r['p50']:>7.2f} {r['p99']:>7.2f} {r['max']:>7.2f}")


if __name__ == "__main__":
    main()
