"""Replies through the REST API: outbox, the sandbox over HTTP, statuses, window, failures."""
from __future__ import annotations

import asyncio
import json
from sqlalchemy import select

from chatdesk.conversations.models import SendAttempt
from tests.conftest import settle

CUSTOMER = "31612000111"


async def open_conversation(stack, wa_id: str = CUSTOMER, text: str = "Waar blijft mijn bestelling?") -> dict:
    await stack.customer_says(wa_id, type="text", text=text)
    convs = await settle(lambda: _conv_of(stack, wa_id))
    return convs


async def _conv_of(stack, wa_id):
    for conv in await stack.conversations():
        if conv["contact"]["phone"] == f"+{wa_id}":
            return conv
    return None


async def reply(stack, conv_id: int, **body):
    return await stack.api.post(f"/api/v1/conversations/{conv_id}/messages", json=body)


async def last_out(stack, conv_id: int) -> dict:
    return [m for m in await stack.messages(conv_id) if m["direction"] == "out"][-1]


async def test_reply_reaches_the_customer_and_ticks_move_to_read(stack):
    conv = await open_conversation(stack)
    resp = await reply(stack, conv["id"], type="text", text="Uw pakket is onderweg!")
    assert resp.status_code == 202
    assert resp.json()["status"] == "queued"
    msg = await settle(lambda: _with_status(stack, conv["id"], "read"))
    assert msg["provider_message_id"].startswith("wamid.")
    received = await stack.inbox_of(CUSTOMER)
    assert any("Uw pakket is onderweg!" in json.dumps(m) for m in received)
    assert msg["cost_category"] == "service"


async def _with_status(stack, conv_id, *statuses):
    msg = await last_out(stack, conv_id)
    return msg if msg["status"] in statuses else None


async def test_free_form_reply_outside_the_window_is_refused(stack, clock):
    conv = await open_conversation(stack)
    clock.advance(hours=24, seconds=1)
    resp = await reply(stack, conv["id"], type="text", text="Sorry for the wait")
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["code"] == "window_closed"
    assert [m for m in await stack.messages(conv["id"]) if m["direction"] == "out"] == []


async def test_window_is_counted_from_the_customers_last_message(stack, clock):
    conv = await open_conversation(stack)
    clock.advance(hours=23, minutes=59)
    assert (await reply(stack, conv["id"], type="text", text="Still in time")).status_code == 202


async def test_note_never_leaves_chatdesk(stack):
    conv = await open_conversation(stack)
    resp = await reply(stack, conv["id"], type="note", text="Customer is VIP, refund without questions")
    assert resp.status_code == 202
    assert resp.json()["type"] == "note"
    await stack.drain()
    await asyncio.sleep(0.1)
    assert not any("VIP" in json.dumps(m) for m in await stack.inbox_of(CUSTOMER))
    assert not any("VIP" in json.dumps(s) for s in await stack.sent_requests())


async def test_text_too_long_is_refused_with_the_limit(stack):
    conv = await open_conversation(stack)
    resp = await reply(stack, conv["id"], type="text", text="x" * 4097)
    assert resp.status_code == 422
    assert resp.json()["code"] == "text_too_long"
    assert "4096" in resp.json()["detail"]


async def test_bad_request_bodies_are_problems(stack):
    conv = await open_conversation(stack)
    for body in ({"type": "fax", "text": "x"}, {"type": "location"}, {"type": "text", "text": "x", "evil": 1}):
        resp = await reply(stack, conv["id"], **body)
        assert resp.status_code == 422, body
        assert resp.json()["code"] == "invalid_message"
    bad_json = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages", content=b"{",
                                    headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 422


async def test_transient_failures_are_retried_then_sent(stack, clock):
    conv = await open_conversation(stack)
    await stack.sandbox.post("/_sandbox/faults", json={"count": 2, "http_status": 500, "error_code": 131000})
    await reply(stack, conv["id"], type="text", text="Try, try again")
    for tried in (1, 2):
        await settle(lambda tried=tried: _attempts(stack, "retry", at_least=tried))
        # the attempt is recorded before its job is put back: a jump while the job still runs
        # would run out its lease (a second run) or land in its backoff (ten minutes more)
        await stack.drain()
        clock.advance(minutes=10)  # past any backoff
        stack.worker.wakeup.set()
    msg = await settle(lambda: _with_status(stack, conv["id"], "delivered", "read"))
    assert msg["error"] is None
    assert await _attempts(stack, "accepted", at_least=1)


async def _attempts(stack, outcome: str, at_least: int) -> bool:
    async with stack.rt.db.reader() as s:
        rows = (await s.execute(select(SendAttempt).where(SendAttempt.outcome == outcome))).scalars().all()
    return len(rows) >= at_least


async def test_permanent_failure_marks_the_message_failed_with_a_reason(stack):
    conv = await open_conversation(stack)
    await stack.sandbox.post("/_sandbox/faults", json={"count": 1, "error_code": 131026})
    await reply(stack, conv["id"], type="text", text="Will not arrive")
    msg = await settle(lambda: _with_status(stack, conv["id"], "failed"))
    assert msg["error"]["code"] == 131026
    assert "could not be delivered" in msg["error"]["detail"]


async def test_async_failure_status_from_the_provider_fails_the_message(stack):
    conv = await open_conversation(stack)
    await reply(stack, conv["id"], type="text", text="Hello")
    msg = await settle(lambda: _with_status(stack, conv["id"], "read"))
    # a failure after read does not undo the read
    await stack.sandbox.post("/_sandbox/statuses", json={"wamid": msg["provider_message_id"], "status": "failed",
                                                         "error_code": 131026})
    await asyncio.sleep(0.2)
    await stack.drain()
    assert (await last_out(stack, conv["id"]))["status"] == "read"


async def test_mark_read_sends_a_read_receipt_and_clears_unread(stack):
    conv = await open_conversation(stack)
    assert conv["unread"] == 1
    assert (await stack.api.post(f"/api/v1/conversations/{conv['id']}/read")).status_code == 204
    await stack.drain()
    again = (await stack.api.get(f"/api/v1/conversations/{conv['id']}")).json()
    assert again["unread"] == 0
    async def receipt():
        data = (await stack.sandbox.get(f"/_sandbox/customers/{CUSTOMER}/inbox")).json()
        return data["all_read_by_business"]
    await settle(receipt)


async def test_location_and_reaction_replies(stack):
    conv = await open_conversation(stack)
    first = (await stack.messages(conv["id"]))[0]
    r1 = await reply(stack, conv["id"], type="location", latitude=52.37, longitude=4.89, name="Store",
                     address="Damrak 1, Amsterdam")
    r2 = await reply(stack, conv["id"], type="reaction", message_id=first["id"], emoji="👍")
    assert r1.status_code == r2.status_code == 202
    await settle(lambda: _all_accepted(stack, conv["id"], 2))
    sent = json.dumps(await stack.sent_requests())
    assert "Damrak 1, Amsterdam" in sent and first["provider_message_id"] in sent


async def _all_accepted(stack, conv_id, n):
    outs = [m for m in await stack.messages(conv_id) if m["direction"] == "out"]
    return len(outs) == n and all(m["provider_message_id"] for m in outs)


async def test_image_upload_is_sent_through_the_media_endpoint(stack):
    conv = await open_conversation(stack)
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000100055fe2dc0000000049454e44ae426082")
    resp = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages",
                                data={"type": "image", "text": "Your receipt"},
                                files={"file": ("receipt.png", png, "image/png")})
    assert resp.status_code == 202, resp.text
    msg = await settle(lambda: _all_accepted(stack, conv["id"], 1))
    assert msg
    sent = await stack.sent_requests()
    image = [s for s in sent if "image" in json.dumps(s)][-1]
    assert "Your receipt" in json.dumps(image)

