"""Signed-webhook acknowledgement latency while parallel sign-ins run (issue 12, defect 2).

``--loops`` clients sign in as fast as they can, each attempt with a new email (so the per-email
throttle never triggers), while one client posts a signed webhook every ``--interval`` seconds
and times the 200. Three rows, one process, the chatdesk app in-process over ASGI (the event
loop is what is shared, as in ``chatdesk serve``), after a baseline with no sign-ins:

1. ``hash on the loop``: argon2 run inline on the event loop, as chatdesk did before;
2. ``hash pool``: argon2 in the bounded hashing pool (the per-address throttle switched off);
3. ``hash pool + throttle``: as shipped, the address is locked after 20 failures.

    .venv/bin/python bench/login_stall.py [--seconds 5] [--loops 6]

Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from concurrent.futures import Executor, Future
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from tests.scale.cluster import inbound_body, signed_headers  # noqa: E402

SECRET = "bench-app-secret"


class _Inline(Executor):
    """Runs the hash where it is asked for: on the event loop, as before the pool."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


async def _app(data_dir: Path):  # type: ignore[no-untyped-def]
    from chatdesk.accounts import service as accounts
    from chatdesk.app import build_runtime, create_app
    from chatdesk.channels import service as channels
    from chatdesk.core.migrate import upgrade
    from chatdesk.core.settings import Settings

    settings = Settings(data_dir=data_dir, secret_key="bench-secret-key-0123456789abcdef")
    settings.ensure_data_dir()
    await asyncio.to_thread(upgrade, settings.db_url)
    rt = build_runtime(settings)
    app = create_app(runtime=rt, run_worker=False)
    async with rt.db.session() as session:
        ws = await accounts.create_workspace(session, "Bench", now=rt.clock.now())
        await channels.add_channel(session, rt.cipher, workspace_id=ws.id, kind="whatsapp",
                                   external_id="109876543210987", display="15550001111",
                                   config={"waba_id": "1", "graph_url": "http://127.0.0.1:9"},
                                   secrets={"access_token": "t", "app_secret": SECRET, "verify_token": "v"},
                                   now=rt.clock.now())
    return app, rt


async def _run(mode: str, seconds: float, loops: int, interval: float) -> None:
    from chatdesk.accounts import passwords
    from chatdesk.inbox.security import LoginThrottle

    app, rt = await _app(Path(tempfile.mkdtemp(prefix="chatdesk-bench-")))
    saved = passwords._pool
    if mode == "hash on the loop":
        passwords._pool = _Inline()
    if mode != "hash pool + throttle":
        app.state.inbox_throttle = LoginThrottle(ip_max_failures=10**9)
    transport = httpx.ASGITransport(app=app)
    end = time.monotonic() + seconds
    logins, acks = [0], []

    async def sign_ins(n: int) -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            page = await client.get("/login")
            csrf = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
            i = 0
            while time.monotonic() < end:
                i += 1
                await client.post("/login", data={"email": f"spray{n}-{i}@bench.test", "password": "guess",
                                                  "csrf_token": csrf})
                logins[0] += 1

    async def webhooks() -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            i = 0
            while time.monotonic() < end:
                i += 1
                raw = inbound_body(f"wamid.bench{mode[:4]}{i:06d}", f"49160{i:07d}", "hi")
                start = time.perf_counter()
                resp = await client.post("/webhooks/whatsapp", content=raw, headers=signed_headers(raw, SECRET))
                acks.append(time.perf_counter() - start)
                assert resp.status_code == 200, resp.text
                await asyncio.sleep(interval)

    try:
        await asyncio.gather(webhooks(), *(sign_ins(n) for n in range(loops)))
    finally:
        passwords._pool = saved
        await rt.http.aclose()
        await rt.db.dispose()
    print(f"{mode:<22} webhook ack p50 {percentile(acks, 50) * 1000:8.1f} ms  p95 "
          f"{percentile(acks, 95) * 1000:8.1f} ms  ({len(acks)} webhooks, {logins[0]} sign-in attempts)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--loops", type=int, default=6)
    parser.add_argument("--interval", type=float, default=0.05)
    args = parser.parse_args()
    asyncio.run(_run("no sign-ins", args.seconds, 0, args.interval))
    for mode in ("hash on the loop", "hash pool", "hash pool + throttle"):
        asyncio.run(_run(mode, args.seconds, args.loops, args.interval))


if __name__ == "__main__":
    main()
