"""Scale-out proof on PostgreSQL with real processes: 2 × ``serve --no-worker``, 2 × ``worker``
and the sandbox, set up with the CLI. PostgreSQL is the only thing they share.

- an SSE stream on web process 1 sees messages whose webhooks went to web process 2;
- 5,000 inbound messages, a fifth of them delivered twice (some to the other process, some
  re-serialised so only the message id can tell), become exactly 5,000 messages;
- 300 replies sent by both workers never exceed the number's rate at the sandbox, in any
  one-second window.
"""
from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import datetime
from pathlib import Path

import asyncpg
import httpx
import pytest

from chatdesk.core.pg_listen import asyncpg_dsn
from tests.pg import drop_database, fresh_database, is_postgres
from tests.scale.cluster import PHONE_ID, Cluster, inbound_body, signed_headers

pytestmark = pytest.mark.slow
RATE = 30.0  # the number's messages/second, at the sandbox and in chatdesk


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    server = request.config.getoption("--db")
    if not is_postgres(server):
        pytest.skip("scale-out runs on PostgreSQL only (--db postgresql+asyncpg://...)")
    url = fresh_database(server, "scale_out")
    logs = tmp_path_factory.mktemp("scale-logs")
    c = Cluster(url, data_dir=tmp_path_factory.mktemp("scale-data"), log_dir=logs)
    try:
        c.setup(rate_limit=RATE)
        webs = c.start_web(2)
        c.start_sandbox(f"{webs[0]}/webhooks/whatsapp", rate_limit=RATE)
        c.start_workers(2)
        yield c
    finally:
        c.stop()
        drop_database(server, url)
        _show_errors(logs)


def _show_errors(logs: Path) -> None:
    for log in sorted(logs.glob("*.log")):
        lines = [line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line or "ERROR" in line]
        if lines:
            print(f"{log.name}: {len(lines)} error line(s), first: {lines[0][:300]}")


async def _sql(cluster: Cluster, query: str, *args):
    conn = await asyncpg.connect(asyncpg_dsn(cluster.database_url))
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def _until(predicate, timeout: float, cluster: Cluster, interval: float = 0.2):
    end = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        cluster.check_alive()
        assert time.monotonic() < end, "condition not met in time"
        await asyncio.sleep(interval)


async def _post(client: httpx.AsyncClient, url: str, raw: bytes) -> None:
    """Deliver as Meta does: a delivery whose connection breaks (a kept-alive connection the
    server closed as it was reused, seen once under CI load) is delivered again."""
    for attempt in range(3):
        try:
            resp = await client.post(f"{url}/webhooks/whatsapp", content=raw, headers=signed_headers(raw))
            break
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError):
            if attempt == 2:
                raise
    assert resp.status_code == 200, resp.text


class EventStream:
    """``GET /api/v1/events`` read in the background; collects ``message.received`` ids."""

    def __init__(self, client: httpx.AsyncClient, url: str, token: str):
        self.created: set[int] = set()
        self.task = asyncio.create_task(self._read(client, url, token))

    async def _read(self, client: httpx.AsyncClient, url: str, token: str) -> None:
        async with client.stream("GET", f"{url}/api/v1/events", headers={"Authorization": f"Bearer {token}"},
                                 timeout=httpx.Timeout(10, read=None)) as resp:
            assert resp.status_code == 200
            async for line in resp.aiter_lines():
                if line.startswith("data: "):
                    event = json.loads(line[6:])
                    if event.get("type") == "message.received":
                        self.created.add(event["message_id"])

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def test_events_cross_processes_to_every_web_process(cluster: Cluster):
    web1, web2 = cluster.web_urls
    async with httpx.AsyncClient(timeout=30) as client:
        stream = EventStream(client, web1, cluster.token)
        try:
            # Probe until the stream is live: a message posted to web 2 shows up on web 1.
            for n in range(50):
                await _post(client, web2, inbound_body(f"wamid.SSEPROBE{n}", "4930000000001", "probe"))
                await asyncio.sleep(0.3)
                if stream.created:
                    break
            assert stream.created, "no event crossed from web 2 to web 1's stream"
            wamids = [f"wamid.SSE{n:04d}" for n in range(50)]
            for wamid in wamids:
                await _post(client, web2, inbound_body(wamid, "4930000000001", f"hello {wamid}"))

            async def all_seen():
                rows = await _sql(cluster, "SELECT id FROM messages WHERE provider_message_id = ANY($1)", wamids)
                ids = {r["id"] for r in rows}
                return len(ids) == 50 and ids <= stream.created
            await _until(all_seen, 30, cluster)
        finally:
            await stream.close()


async def test_5000_inbound_with_redeliveries_become_exactly_5000_messages(cluster: Cluster):
    rng = random.Random(5000)
    total = 5000
    bodies = [(f"wamid.SCALE{n:05d}", f"49151{n % 400:06d}", n) for n in range(total)]
    posts: list[tuple[str, bytes]] = []
    for i, (wamid, wa_id, n) in enumerate(bodies):
        raw = inbound_body(wamid, wa_id, f"message {n}", name=f"Customer {n % 400}", timestamp=1750000000 + n)
        web = cluster.web_urls[i % 2]
        posts.append((web, raw))
        if n % 5 == 0:  # a fifth delivered twice: to either process, same bytes or re-serialised
            other = cluster.web_urls[rng.randrange(2)]
            again = raw if rng.random() < 0.5 else inbound_body(
                wamid, wa_id, f"message {n}", name=f"Customer {n % 400}", timestamp=1750000000 + n, indent=1)
            posts.append((other, again))
    rng.shuffle(posts)
    assert len(posts) == 6000

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=32)) as client:
        queue: asyncio.Queue = asyncio.Queue()
        for item in posts:
            queue.put_nowait(item)

        async def sender():
            while not queue.empty():
                url, raw = queue.get_nowait()
                await _post(client, url, raw)
        await asyncio.gather(*(sender() for _ in range(32)))

    async def drained():
        rows = await _sql(cluster, "SELECT count(*) AS n FROM jobs WHERE kind = 'inbound.process'")
        return rows[0]["n"] == 0
    await _until(drained, 180, cluster, interval=0.5)
    rows = await _sql(cluster, "SELECT count(*) AS n, count(DISTINCT provider_message_id) AS d FROM messages "
                               "WHERE provider_message_id LIKE 'wamid.SCALE%'")
    assert (rows[0]["n"], rows[0]["d"]) == (5000, 5000)
    dead = await _sql(cluster, "SELECT count(*) AS n FROM jobs WHERE status = 'dead'")
    assert dead[0]["n"] == 0


async def test_outbound_burst_from_two_workers_keeps_the_numbers_rate(cluster: Cluster):
    customers = [f"4917{n:08d}" for n in range(60)]  # 5 replies each: under the per-customer limit
    async with httpx.AsyncClient(timeout=30, headers={"Authorization": f"Bearer {cluster.token}"}) as client:
        for wa_id in customers:  # through the sandbox, so Meta's side knows their service windows too
            said = await client.post(f"{cluster.sandbox_url}/_sandbox/customers/{wa_id}/messages",
                                     json={"type": "text", "text": "hi"})
            assert said.status_code == 200, said.text

        async def conversations():
            rows = await _sql(cluster, "SELECT c.id FROM conversations c JOIN contact_identities i "
                                       "ON i.contact_id = c.contact_id WHERE i.external_id = ANY($1)", customers)
            return [r["id"] for r in rows] if len(rows) == len(customers) else None
        conv_ids = await _until(conversations, 60, cluster)
        before = len((await client.get(f"{cluster.sandbox_url}/_sandbox/sent")).json()["sent"])
        sampler = asyncio.create_task(_lock_holders(cluster))
        for n in range(300):
            resp = await client.post(f"{cluster.web_urls[n % 2]}/api/v1/conversations/{conv_ids[n % 60]}/messages",
                                     json={"type": "text", "text": f"reply {n}"})
            assert resp.status_code == 202, resp.text

        async def all_sent():
            sent = (await client.get(f"{cluster.sandbox_url}/_sandbox/sent")).json()["sent"]
            return sent[before:] if len(sent) - before >= 300 else None
        sent = await _until(all_sent, 120, cluster, interval=0.5)
        sampler.cancel()
        holders = await asyncio.gather(sampler, return_exceptions=True)
        rejected = (await client.get(f"{cluster.sandbox_url}/_sandbox/rejected")).json()["rejected"]

    times = sorted(datetime.fromisoformat(s["accepted_at"]).timestamp() for s in sent
                   if s["phone_number_id"] == PHONE_ID)
    assert len(times) == 300
    worst = max(sum(1 for u in times[i:] if u < t + 1.0) for i, t in enumerate(times))
    assert worst <= RATE, f"{worst} sends in one second; the limit is {RATE}"
    assert not [r for r in rejected if r.get("code") == 130429]
    # How close to the rate the burst went is a speed, not a behaviour: a loaded machine stretched
    # the gaps past any bound (a median-gap bound failed too). That the limiter books slots at the
    # full rate, not fewer, tests/core/test_pg_ratelimit.py checks from its schedule.
    seen = holders[0] if isinstance(holders[0], set) else sampler.result()
    assert len({h.split(":")[1] for h in seen}) == 2, f"sends claimed by {seen}; expected both workers"


async def _lock_holders(cluster: Cluster, seen: set[str] | None = None) -> set[str]:
    """Which worker processes hold send jobs (sampled until cancelled)."""
    seen = set() if seen is None else seen
    try:
        while True:
            rows = await _sql(cluster, "SELECT DISTINCT locked_by FROM jobs WHERE kind = 'message.send' "
                                       "AND locked_by IS NOT NULL")
            seen.update(r["locked_by"] for r in rows)
            await asyncio.sleep(0.1)
    except asyncio.CancelledError:
        return seen
