"""Inbound webhook throughput and acknowledgement latency of a real ``chatdesk serve``.

Two figures, each beside a bare ASGI endpoint (a trivial app under the same uvicorn, answering
200) measured in the same run, so the ratio says what chatdesk itself costs on this machine:

1. sustained end-to-end rate: ``--messages`` signed webhooks sent as fast as ``--concurrency``
   connections allow, timed until every one is stored as a message (not just acknowledged);
2. acknowledgement latency p50/p99 at a fixed offered rate (``--rate`` webhooks/s, open loop:
   requests leave on schedule whether or not earlier ones were answered).

    .venv/bin/python bench/ingest.py                       # SQLite in a temp dir, in-process worker
    .venv/bin/python bench/ingest.py --workers 2 --database-url postgresql+asyncpg://u:p@host/postgres

With a PostgreSQL URL a fresh database is created on that server for the run and dropped after.
Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import Pool, count_messages, percentile  # noqa: E402
from tests.scale.cluster import Cluster, free_port, inbound_body, signed_headers, wait_http  # noqa: E402

HOOK = "/webhooks/whatsapp"
BARE_APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
"""


def bodies(prefix: str, n: int) -> list[bytes]:
    """``n`` distinct webhooks from 500 customers (so conversations are reused, as in life)."""
    return [inbound_body(f"wamid.{prefix}{i:07d}", f"49160{i % 500:07d}", f"message {i}",
                         name=f"Customer {i % 500}", timestamp=1750000000 + i) for i in range(n)]


async def blast(base: str, raws: list[bytes], concurrency: int) -> float:
    """POST all as fast as ``concurrency`` connections allow; returns seconds taken."""
    queue = list(reversed(raws))
    pool = Pool(base, concurrency)

    async def worker() -> None:
        while queue:
            raw = queue.pop()
            status = await pool.post(HOOK, raw, signed_headers(raw))
            assert status == 200, status
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    await pool.close()
    return elapsed


async def paced(base: str, raws: list[bytes], rate: float) -> list[float]:
    """Open loop at ``rate``/s; returns each request's latency in seconds (from its scheduled
    start, so a client that fell behind counts against the server, not in its favour)."""
    latencies: list[float] = []
    pool = Pool(base, 256)

    async def one(raw: bytes, due: float) -> None:
        status = await pool.post(HOOK, raw, signed_headers(raw))
        assert status == 200, status
        latencies.append(time.perf_counter() - due)
    start, tasks = time.perf_counter(), []
    for i, raw in enumerate(raws):
        due = start + i / rate
        if due > time.perf_counter():
            await asyncio.sleep(due - time.perf_counter())
        tasks.append(asyncio.create_task(one(raw, due)))
    await asyncio.gather(*tasks)
    await pool.close()
    return latencies


async def end_to_end(cluster: Cluster, url: str, raws: list[bytes], concurrency: int) -> tuple[float, float]:
    """(seconds to acknowledge all, seconds until all are messages) for one batch."""
    base = await count_messages(cluster.database_url)
    start = time.perf_counter()
    acked = await blast(url, raws, concurrency)
    while await count_messages(cluster.database_url) < base + len(raws):
        cluster.check_alive()
        await asyncio.sleep(0.05)
    return acked, time.perf_counter() - start


def start_bare(log_dir: Path) -> tuple[subprocess.Popen, str]:
    app_dir = Path(tempfile.mkdtemp(prefix="bare-asgi-"))
    (app_dir / "bare_app.py").write_text(BARE_APP)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "bare_app:app", "--host", "127.0.0.1", "--port",
                             str(port), "--log-level", "warning", "--no-access-log"], cwd=app_dir,
                            stdout=open(log_dir / "bare.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_http(url)
    return proc, url


def summary(name: str, lat: list[float]) -> str:
    return f"{name:10s} p50 {percentile(lat, 50) * 1000:6.1f} ms   p99 {percentile(lat, 99) * 1000:6.1f} ms"


async def measure(cluster: Cluster, bare_url: str, args: argparse.Namespace) -> None:
    hook = cluster.web_urls[0]
    await end_to_end(cluster, hook, bodies("WARM", 500), args.concurrency)  # JIT-free, but caches and pools
    acked, total = await end_to_end(cluster, hook, bodies("E2E", args.messages), args.concurrency)
    bare_s = await blast(bare_url, bodies("BARE", args.messages), args.concurrency)
    n = args.messages
    print(f"\nsustained, {n} webhooks x 1 message, {args.concurrency} connections")
    print(f"  chatdesk  acknowledged {n / acked:7.0f}/s   stored as messages {n / total:7.0f}/s end to end")
    print(f"  bare ASGI answered     {n / bare_s:7.0f}/s   ratio chatdesk e2e / bare = {bare_s / total:.2f}")
    count = int(args.rate * args.seconds)
    lat = await paced(hook, bodies("LAT", count), args.rate)
    bare = await paced(bare_url, bodies("LATB", count), args.rate)
    print(f"\nacknowledgement latency at {args.rate:.0f} webhooks/s offered for {args.seconds:.0f} s")
    print("  " + summary("chatdesk", lat))
    print("  " + summary("bare ASGI", bare))
    print(f"  ratio p99 chatdesk / bare = {percentile(lat, 99) / percentile(bare, 99):.1f}")
    await asyncio.sleep(0)


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    p.add_argument("--workers", type=int, default=0, help="0: serve's in-process worker; N: serve --no-worker + N workers")
    p.add_argument("--messages", type=int, default=10000)
    p.add_argument("--rate", type=float, default=500.0, help="offered webhooks/s for the latency figure")
    p.add_argument("--seconds", type=float, default=10.0, help="how long the latency run offers load")
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--logs", type=Path, default=None, help="keep the processes' logs here")
    return p.parse_args()


def main() -> None:
    args = parse()
    from bench.common import scratch_database

    log_dir = args.logs or Path(tempfile.mkdtemp(prefix="chatdesk-bench-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    with scratch_database(args.database_url, "bench_ingest") as url:
        cluster = Cluster(url, log_dir=log_dir)
        bare_proc = None
        try:
            cluster.setup()
            if args.workers:
                cluster.start_web(1)
                cluster.start_workers(args.workers)
            else:
                cluster.start_web(1, worker=True)
            bare_proc, bare_url = start_bare(log_dir)
            shape = f"serve --no-worker + {args.workers} worker(s)" if args.workers else "serve (in-process worker)"
            print(f"chatdesk ingest bench: {url.split('://')[0]}, {shape}, {os.cpu_count()} CPUs, logs in {log_dir}")
            asyncio.run(measure(cluster, bare_url, args))
        finally:
            cluster.stop()
            if bare_proc:
                bare_proc.terminate()
                bare_proc.wait()


if __name__ == "__main__":
    main()
