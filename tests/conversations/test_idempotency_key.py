"""Issue 12, defect 9: ``Idempotency-Key`` on REST sends. A client retrying after a lost answer
gets the first answer and the customer gets one message."""
from __future__ import annotations

import asyncio

from tests.conversations.test_outbound import CUSTOMER, open_conversation


def _post(stack, conv_id: int, key: str | None, **body):
    headers = {"Idempotency-Key": key} if key else {}
    return stack.api.post(f"/api/v1/conversations/{conv_id}/messages", json=body, headers=headers)


async def _outbound(stack, conv_id: int) -> list[dict]:
    return [m for m in await stack.messages(conv_id) if m["direction"] == "out"]


async def test_a_retry_with_the_same_key_answers_the_first_time_and_sends_once(stack):
    conv = await open_conversation(stack)
    first = await _post(stack, conv["id"], "retry-1", type="text", text="Uw pakket is onderweg")
    again = await _post(stack, conv["id"], "retry-1", type="text", text="Uw pakket is onderweg")
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    await stack.drain()
    assert len(await _outbound(stack, conv["id"])) == 1
    texts = [str(m) for m in await stack.inbox_of(CUSTOMER)]
    assert sum("Uw pakket is onderweg" in t for t in texts) == 1


async def test_the_same_key_with_another_request_is_a_422(stack):
    conv = await open_conversation(stack)
    assert (await _post(stack, conv["id"], "k-2", type="note", text="first")).status_code == 202
    other = await _post(stack, conv["id"], "k-2", type="note", text="something else")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert other.headers["content-type"] == "application/problem+json"


async def test_twins_in_flight_at_once_make_one_message(stack):
    conv = await open_conversation(stack)
    a, b = await asyncio.gather(_post(stack, conv["id"], "twin", type="note", text="once"),
                                _post(stack, conv["id"], "twin", type="note", text="once"))
    assert a.status_code == b.status_code == 202 and a.json()["id"] == b.json()["id"]
    assert len(await _outbound(stack, conv["id"])) == 1


async def test_a_key_is_fresh_again_after_24_hours_and_none_means_no_dedupe(stack):
    conv = await open_conversation(stack)
    first = await _post(stack, conv["id"], "daily", type="note", text="n")
    stack.clock.advance(hours=25)
    later = await _post(stack, conv["id"], "daily", type="note", text="n")
    assert later.status_code == 202 and later.json()["id"] != first.json()["id"]
    no_key = [await _post(stack, conv["id"], None, type="note", text="n") for _ in range(2)]
    assert no_key[0].json()["id"] != no_key[1].json()["id"]


async def test_an_unusable_key_is_a_422(stack):
    conv = await open_conversation(stack)
    resp = await _post(stack, conv["id"], "x" * 300, type="note", text="n")
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_idempotency_key"
