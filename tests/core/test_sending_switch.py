"""The sending switch as operations see it: /readyz stays ready and says sending is paused and
why; ``chatdesk_sending_paused`` is read from the database, so a worker's /metrics and a web
process's agree; ``CHATDESK_SENDING_PAUSED=true`` pauses at start."""
from __future__ import annotations

import httpx

from chatdesk import admin
from chatdesk.core.db import Database
from chatdesk.core.metrics import Metrics, serve
from chatdesk.core.sending_pause import START_PAUSED_REASON, PauseSwitch
from chatdesk.server import start_paused_if_set


async def test_readyz_stays_ready_and_says_sending_is_paused_and_why(bare):
    ready = await bare.api.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    await admin.sending(bare.settings, "pause", by="ops@host", reason="restored copy", migrate=False)
    ready = await bare.api.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["sending_paused"] is True
    assert body["sending_paused_reason"] == "restored copy" and body["sending_paused_by"] == "ops@host"


async def _gauge(client: httpx.AsyncClient, url: str) -> str:
    lines = (await client.get(url)).text.splitlines()
    return next(line for line in lines if line.startswith("chatdesk_sending_paused "))


async def test_worker_and_web_metrics_report_the_switch_from_the_database(bare, settings, clock):
    worker_db = Database(settings.db_url)  # the worker process's own connection pool
    server = await serve(Metrics(), worker_db, clock.now, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/metrics"
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            assert await _gauge(client, url) == await _gauge(bare.api, "/metrics") == "chatdesk_sending_paused 0.0"
            await admin.sending(settings, "pause", by="ops@host", migrate=False)  # a third process
            assert await _gauge(client, url) == await _gauge(bare.api, "/metrics") == "chatdesk_sending_paused 1.0"
            await admin.sending(settings, "resume", by="ops@host", migrate=False)
            assert await _gauge(client, url) == await _gauge(bare.api, "/metrics") == "chatdesk_sending_paused 0.0"
    finally:
        server.close()
        await worker_db.dispose()


async def test_sending_paused_setting_pauses_at_start_and_keeps_an_earlier_reason(settings):
    switch = PauseSwitch(Database(settings.db_url))
    try:
        await start_paused_if_set(settings, "chatdesk worker")  # the setting is off: nothing changes
        assert not await switch.paused()
        paused = settings.model_copy(update={"sending_paused": True})
        await start_paused_if_set(paused, "chatdesk worker")
        switch.ttl = 0
        state = await switch.state()
        assert state.paused and state.reason == START_PAUSED_REASON and "chatdesk worker" in (state.by or "")
        await start_paused_if_set(paused, "chatdesk serve")  # a second process: the first pause stands
        assert (await switch.state()).by == state.by
    finally:
        await switch.db.dispose()
