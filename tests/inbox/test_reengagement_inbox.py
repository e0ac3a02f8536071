"""The inbox after Meta accepted a reply and then failed it with 131047 (re-engagement): the
agent reads why, and the composer's window banner (what the live stream refreshes) is closed."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chatdesk.channels.whatsapp.adapter import WhatsAppAdapter
from chatdesk.core.events import read_after
from chatdesk.inbox.catalog import DE
from tests.conftest import Stack, settle
from tests.inbox.conftest import Browser, conversation_of

WS = "/w/test-shop"


@pytest.fixture
async def stack(settings, clock) -> AsyncIterator[Stack]:
    """Receipts slow enough that the failure arrives while the reply is still only accepted."""
    s = await Stack(settings, clock, sandbox_options={"status_delays": (30.0, 31.0, 32.0)}).start()
    try:
        yield s
    finally:
        await s.stop()


async def _accepted(stack: Stack, cid: int, message_id: int) -> str | None:
    """The reply's wamid, once Meta (the sandbox) accepted it."""
    found = [m for m in await stack.messages(cid) if m["id"] == message_id]
    return found[0]["provider_message_id"] if found else None


async def test_a_131047_status_shows_the_reason_and_closes_the_composer(stack: Stack, owner: Browser):
    cid = await conversation_of(stack, "31600000047", "Hi, quick question", name="Quiet Customer")
    window = await owner.get(f"{WS}/c/{cid}/window")
    assert 'data-open="true"' in window.text and "window-banner" not in window.text
    sent = await owner.post(f"{WS}/c/{cid}/messages", {"text": "Still there?", "mode": "reply"})
    assert sent.status_code == 200
    mid = int(sent.text.split('data-id="')[1].split('"')[0])
    wamid = await settle(lambda: _accepted(stack, cid, mid))
    start = (await read_after_all(stack))[-1]["id"]

    forced = await stack.sandbox.post("/_sandbox/statuses", json={"wamid": wamid, "status": "failed",
                                                                   "error_code": 131047})
    assert forced.status_code == 200, forced.text

    async def failed():
        return [m for m in await stack.messages(cid) if m["id"] == mid and m["status"] == "failed"]
    await settle(failed)
    # the live stream tells the browser the window changed (inbox.js refreshes #window-state on it)
    events = [e for e in await read_after_all(stack, start) if e["type"] == "conversation.updated"]
    assert [e["conversation_id"] for e in events] == [cid] and events[0]["window_closed_at"]

    window = await owner.get(f"{WS}/c/{cid}/window")
    assert 'data-open="false"' in window.text
    assert "WhatsApp reports the reply window closed" in window.text
    assert "Only an approved template can reach the customer" in window.text
    assert 'id="template-picker"' in window.text   # where issue 10's picker goes
    assert '<dd id="window-until"><span class="warn">closed' in window.text  # the contact pane's line
    message = await owner.get(f"{WS}/c/{cid}/m/{mid}")
    assert "Not delivered" in message.text and WhatsAppAdapter.explain(131047, None) in message.text
    german = await owner.get(f"{WS}/c/{cid}/m/{mid}", headers={"Accept-Language": "de"})
    assert "Nicht zugestellt" in german.text and DE[WhatsAppAdapter.explain(131047, None)] in german.text
    assert 'id="window-state"' in (await owner.get(f"{WS}/c/{cid}")).text

    again = await owner.post(f"{WS}/c/{cid}/messages", {"text": "Hello?", "mode": "reply"})
    assert again.status_code == 422 and 'data-code="window_closed"' in again.text
    note = await owner.post(f"{WS}/c/{cid}/messages", {"text": "They went quiet", "mode": "note"})
    assert note.status_code == 200   # private notes still work


async def read_after_all(stack: Stack, after: int = 0) -> list[dict]:
    async with stack.rt.db.reader() as session:
        return await read_after(session, stack.workspace_id, after, 1000)
