"""Settings → Channels when the provider refuses a channel's token (190): admins see that the
channel needs re-authorisation, replies wait instead of failing, and new credentials entered
in the channel's form (checked with the provider first) send them, once each."""
from __future__ import annotations

from sqlalchemy import select

from chatdesk.conversations.models import Message
from tests.conftest import PHONE_ID, settle
from tests.inbox.conftest import conversation_of

WS = "/w/test-shop"
CUSTOMER = "31600000077"


async def _status_of(stack, text: str) -> str | None:
    async with stack.rt.db.reader() as session:
        return (await session.execute(select(Message.status).where(Message.text == text))).scalar_one_or_none()


async def _channel_status(stack, status: str) -> bool:
    return (await stack.api.get("/api/v1/channels")).json()["items"][0]["health"]["status"] == status


async def test_refused_token_is_shown_and_a_new_one_sends_what_waited(stack, owner):
    conv = await conversation_of(stack, CUSTOMER, name="Rea Auth")
    # Meta now knows the number by another token: chatdesk's answers 190
    await stack.sandbox.post("/_sandbox/numbers", json={"phone_number_id": PHONE_ID, "access_token": "rotated"})
    resp = await stack.api.post(f"/api/v1/conversations/{conv}/messages", json={"type": "text", "text": "Waits"})
    assert resp.status_code == 202
    await settle(lambda: _channel_status(stack, "reauth_required"))
    await stack.drain()
    assert await _status_of(stack, "Waits") == "queued"

    listing = await owner.get(f"{WS}/settings/channels")
    assert "Needs re-authorisation" in listing.text
    page = await owner.get(f"{WS}/settings/channels/{stack.channel_id}")
    assert 'id="reauth"' in page.text and "(190)" in page.text

    wrong = await owner.post(f"{WS}/settings/channels/{stack.channel_id}/credentials",
                             {"access_token": "still-wrong", "csrf_token": owner.csrf}, htmx=False)
    assert wrong.status_code == 303 and "refused=1" in wrong.headers["location"]
    assert await _channel_status(stack, "reauth_required")
    assert await _status_of(stack, "Waits") == "queued"

    right = await owner.post(f"{WS}/settings/channels/{stack.channel_id}/credentials",
                             {"access_token": "rotated", "csrf_token": owner.csrf}, htmx=False)
    assert right.status_code == 303 and "refused" not in right.headers["location"]
    assert await _channel_status(stack, "ok")
    await settle(lambda: _delivered(stack, "Waits"))
    texts = [r["request"]["text"]["body"] for r in await stack.sent_requests() if r["type"] == "text"]
    assert texts.count("Waits") == 1


async def _delivered(stack, text: str) -> bool:
    return await _status_of(stack, text) in ("sent", "delivered", "read")
