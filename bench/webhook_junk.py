"""Acknowledgement latency of real signed webhooks while strangers post junk, with many channels.

A real ``chatdesk serve`` (SQLite in a temp dir) with ``--channels`` WhatsApp channels (each its
own app secret). Signed webhooks for the first channel are offered at ``--rate``/s, open loop,
while ``--junk-connections`` connections post ``--junk-mb`` MB bodies signed ``sha256=000…`` as fast as
they are answered, in each of these shapes:

- ``none``: no junk (the baseline);
- ``not-json``: bytes that are not JSON (they name no channel);
- ``unknown``: a WhatsApp envelope naming a number that is not connected;
- ``known``: a WhatsApp envelope naming our number, padded to size (one signature check).

    .venv/bin/python bench/webhook_junk.py [--channels 200] [--seconds 5]

Prints p50/p99 acknowledgement latency of the real webhooks per shape and how many junk
requests were answered (with which statuses); asserts nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import Pool, percentile  # noqa: E402
from tests.scale.cluster import PHONE_ID, Cluster, inbound_body, signed_headers  # noqa: E402

HOOK = "/webhooks/whatsapp"
ZERO_SIGNATURE = {"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + "0" * 64}


def junk(shape: str, size: int) -> bytes:
    if shape == "not-json":
        return b"x" * size
    template = json.loads(inbound_body("wamid.JUNK", "491600000000", "junk"))
    if shape == "unknown":
        template["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999999999999999"
    raw = json.dumps(template).encode()
    return raw[:-1] + b', "padding": "' + b"a" * max(0, size - len(raw) - 16) + b'"}'


async def add_channels(cluster: Cluster, count: int) -> None:
    """``count`` more WhatsApp numbers in the workspace, each with its own app secret."""
    from chatdesk import admin
    from chatdesk.core.settings import Settings

    s = Settings(database_url=cluster.database_url, data_dir=cluster.data_dir, secret_key="scale-secret-key-0123456789abcdefghij")
    for i in range(count):
        await admin.add_channel(s, "whatsapp", cluster.slug, {
            "phone_number_id": f"2000000000{i:05d}", "display_phone_number": f"+1555{i:07d}",
            "waba_id": "1", "access_token": f"t{i}", "app_secret": f"secret-{i}", "verify_token": f"v{i}"},
            migrate=False)


async def run_shape(base: str, shape: str, args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    statuses: Counter[int] = Counter()
    body = junk(shape, int(args.junk_mb * 2**20)) if shape != "none" else b""

    async def junk_loop() -> None:
        pool = Pool(base, 1)
        while not stop.is_set():
            statuses[await pool.post(HOOK, body, ZERO_SIGNATURE)] += 1
        await pool.close()

    junkers = [asyncio.create_task(junk_loop()) for _ in range(args.junk_connections if shape != "none" else 0)]
    await asyncio.sleep(0.3)
    latencies: list[float] = []
    pool = Pool(base, 64)

    async def one(i: int, due: float) -> None:
        raw = inbound_body(f"wamid.{shape}{i:06d}", f"49160{i % 50:07d}", f"hello {i}")
        assert await pool.post(HOOK, raw, signed_headers(raw)) == 200
        latencies.append(time.perf_counter() - due)

    start, tasks = time.perf_counter(), []
    for i in range(int(args.rate * args.seconds)):
        due = start + i / args.rate
        if due > time.perf_counter():
            await asyncio.sleep(due - time.perf_counter())
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    stop.set()
    await asyncio.gather(*junkers)
    await pool.close()
    answered = ", ".join(f"{n}x{code}" for code, n in sorted(statuses.items())) or "-"
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    print(f"  {shape:9s} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"
          f"   junk answered: {answered}")


async def measure(base: str, args: argparse.Namespace) -> None:
    for shape in ("none", "not-json", "unknown", "known"):
        await run_shape(base, shape, args)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--channels", type=int, default=200)
    p.add_argument("--rate", type=float, default=50.0, help="real webhooks/s offered")
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--junk-connections", type=int, default=2)
    p.add_argument("--junk-mb", type=float, default=3.9, help="under the 4 MB body limit")
    args = p.parse_args()
    from bench.common import scratch_database

    with scratch_database(None, "bench_junk") as url:
        cluster = Cluster(url, log_dir=Path(tempfile.mkdtemp(prefix="chatdesk-bench-logs-")))
        try:
            cluster.setup()
            asyncio.run(add_channels(cluster, args.channels - 1))
            base = cluster.start_web(1, worker=True)[0]
            print(f"webhook junk bench: {args.channels} channels (number {PHONE_ID} first), "
                  f"{args.rate:.0f} real webhooks/s for {args.seconds:.0f} s, "
                  f"{args.junk_connections} junk connection(s) of {args.junk_mb} MB")
            asyncio.run(measure(base, args))
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
