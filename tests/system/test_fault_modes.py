"""Traffic through the whole stack (chatdesk + worker + sandbox) with each sandbox fault mode on,
then off: every customer message is stored exactly once, every reply reaches its customer
exactly once, and nothing is left failed or waiting (docs/reliability.md)."""
from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from chatdesk.conversations.models import Message, SendAttempt
from tests.conftest import PHONE_ID, Stack, settle

CUSTOMERS = [f"3161200{n:04d}" for n in range(6)]


@pytest.fixture
async def slow_retry_stack(settings, clock) -> AsyncIterator[Stack]:
    """A stack whose sandbox keeps redelivering webhooks for a few seconds (not Meta's days)."""
    s = await Stack(settings, clock, sandbox_options={"webhook_retry": (0.1,) * 40}).start()
    try:
        yield s
    finally:
        await s.stop()


async def modes(stack: Stack, **body: Any) -> dict[str, Any]:
    resp = await stack.sandbox.post("/_sandbox/fault-modes", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def customers_write(stack: Stack, tag: str) -> None:
    for wa_id in CUSTOMERS:
        await stack.customer_says(wa_id, type="text", text=f"{tag} from {wa_id}")


async def stored_texts(stack: Stack, direction: str) -> Counter[str]:
    async with stack.rt.db.reader() as session:
        rows = (await session.execute(select(Message.text).where(Message.direction == direction))).scalars()
        return Counter(t for t in rows if t)


async def conversation_ids(stack: Stack) -> dict[str, int]:
    return {c["contact"]["phone"].lstrip("+"): c["id"] for c in await stack.conversations()}


async def reply_to_all(stack: Stack, tag: str) -> list[str]:
    texts = []
    convs = await settle(lambda: _all_conversations(stack))
    for wa_id in CUSTOMERS:
        text = f"{tag} to {wa_id}"
        resp = await stack.api.post(f"/api/v1/conversations/{convs[wa_id]}/messages",
                                    json={"type": "text", "text": text})
        assert resp.status_code == 202, resp.text
        texts.append(text)
    return texts


async def _all_conversations(stack: Stack) -> dict[str, int] | None:
    convs = await conversation_ids(stack)
    return convs if all(w in convs for w in CUSTOMERS) else None


async def received_by_customers(stack: Stack) -> Counter[str]:
    return Counter(r["request"]["text"]["body"] for r in await stack.sent_requests() if r["type"] == "text")


async def run_until(stack: Stack, clock, predicate, rounds: int = 200) -> None:
    """Let time pass (past backoffs and the reconcile wait) until ``predicate()`` holds."""
    for _ in range(rounds):
        await stack.drain()  # time jumps only between jobs: a jump past a running job's lease
        if await predicate():  # would hand it to a second run, as a process stalled that long would
            return
        clock.advance(seconds=40)
        stack.worker.wakeup.set()
        await asyncio.sleep(0.05)
    raise AssertionError("the stack did not settle")


async def assert_exactly_once(stack: Stack, clock, inbound: list[str], outbound: list[str]) -> None:
    async def settled() -> bool:
        async with stack.rt.db.reader() as session:
            pending = (await session.execute(select(Message.id).where(
                Message.direction == "out", Message.status.in_(("queued", "pending"))))).first()
        return pending is None and set(outbound) <= set(await received_by_customers(stack))
    await run_until(stack, clock, settled)
    stored = await stored_texts(stack, "in")
    assert {t: stored[t] for t in inbound} == dict.fromkeys(inbound, 1)
    received = await received_by_customers(stack)
    assert {t: received[t] for t in outbound} == dict.fromkeys(outbound, 1)
    async with stack.rt.db.reader() as session:
        failed = (await session.execute(select(Message.text).where(Message.status == "failed"))).scalars().all()
    assert failed == []


FAULTS = {
    "5xx 131000": {"error_rate": 0.5},
    "5xx 503": {"error_rate": 0.5, "error_code": 131000, "http_status": 503},
    "throughput 130429": {"error_rate": 0.5, "error_code": 130429},
    "latency": {"latency": 0.05},
    "timeouts": {"timeout_rate": 0.5, "hang_seconds": 2.0},
}


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
async def test_graph_faults_lose_nothing_and_double_nothing(stack, clock, fault):
    stack.http.timeout = httpx.Timeout(1.0)  # the client gives up before a hung answer comes
    await customers_write(stack, "before")
    inbound = [f"before from {w}" for w in CUSTOMERS]
    on = await modes(stack, **FAULTS[fault])
    assert any(on[k] for k in ("error_rate", "latency", "timeout_rate"))
    during = await reply_to_all(stack, "during")
    await stack.drain()
    if "error_rate" in FAULTS[fault]:  # the fault really struck (seeded: 7 sends, some refused)
        assert await _rejected(stack, FAULTS[fault].get("error_code", 131000))
    if "timeout_rate" in FAULTS[fault]:
        assert await _attempts(stack, "uncertain")
    await modes(stack, off=True)
    after = await reply_to_all(stack, "after")
    await assert_exactly_once(stack, clock, inbound, during + after)


async def test_the_error_rate_really_fails_sends(stack):
    await modes(stack, error_rate=1.0)
    await customers_write(stack, "hi")
    await reply_to_all(stack, "refused")
    await settle(lambda: _rejected(stack, 131000))
    assert await stack.sent_requests() == []


async def _attempts(stack: Stack, outcome: str) -> bool:
    async with stack.rt.db.reader() as session:
        return (await session.execute(select(SendAttempt.id).where(SendAttempt.outcome == outcome))).first() is not None


async def _rejected(stack: Stack, code: int) -> bool:
    return any(r["code"] == code for r in (await stack.sandbox.get("/_sandbox/rejected")).json()["rejected"])


async def test_unreachable_webhook_is_retried_until_it_is_back(slow_retry_stack, clock):
    stack = slow_retry_stack
    await modes(stack, webhook_unreachable=True)
    await customers_write(stack, "while down")
    deliveries = await settle(lambda: _retrying(stack))
    assert all(d["attempts"] and "unreachable" in d["attempts"][0]["error"] for d in deliveries)
    assert await stored_texts(stack, "in") == Counter()
    await modes(stack, webhook_unreachable=False)
    inbound = [f"while down from {w}" for w in CUSTOMERS]
    outbound = await reply_to_all(stack, "back")
    await assert_exactly_once(stack, clock, inbound, outbound)


async def _retrying(stack: Stack) -> list[dict[str, Any]] | None:
    log = (await stack.sandbox.get("/_sandbox/deliveries")).json()["deliveries"]
    messages = [d for d in log if d["kind"] != "status" and d["state"] == "retrying"]
    return messages if len(messages) >= len(CUSTOMERS) else None


async def test_expired_token_parks_sends_until_the_operator_replaces_it(stack, clock):
    from chatdesk import admin

    await customers_write(stack, "hello")
    inbound = [f"hello from {w}" for w in CUSTOMERS]
    await reply_to_all(stack, "first")
    await run_until(stack, clock, lambda: _all_out_sent(stack))
    # Meta expires the token: every send answers 190 (subcode 463)
    expired = clock.now().isoformat()
    assert (await stack.sandbox.post("/_sandbox/numbers", json={
        "phone_number_id": PHONE_ID, "token_expires_at": expired})).status_code == 200
    clock.advance(seconds=1)
    waiting = await reply_to_all(stack, "waiting")
    await settle(lambda: _channel_status(stack, "reauth_required"))
    await stack.drain()
    channel = (await stack.api.get("/api/v1/channels")).json()["items"][0]
    assert channel["health"]["code"] == 190
    clock.advance(minutes=30)  # waiting sends are not retried into failure
    stack.worker.wakeup.set()
    await stack.drain()
    statuses = await _statuses_of(stack, waiting)
    assert statuses == ["queued"] * len(waiting)
    assert not set(waiting) & set(await received_by_customers(stack))
    # the operator gets a new token from Meta and gives it to chatdesk (what `chatdesk channel reauth` runs)
    assert (await stack.sandbox.post("/_sandbox/numbers", json={
        "phone_number_id": PHONE_ID, "access_token": "renewed-token", "token_expires_at": None})).status_code == 200
    said = await admin.reauthorise_channel(stack.settings, await _slug(stack), stack.channel_id,
                                           {"access_token": "renewed-token"}, migrate=False)
    assert f"{len(waiting)} waiting message(s) queued again" in said
    stack.rt.channels.forget()
    stack.worker.wakeup.set()
    first = [f"first to {w}" for w in CUSTOMERS]
    await assert_exactly_once(stack, clock, inbound, first + waiting)
    assert (await _channel_status(stack, "unknown"))


async def _all_out_sent(stack: Stack) -> bool:
    async with stack.rt.db.reader() as session:
        return (await session.execute(select(Message.id).where(
            Message.direction == "out", Message.provider_message_id.is_(None)))).first() is None


async def _channel_status(stack: Stack, status: str) -> bool:
    items = (await stack.api.get("/api/v1/channels")).json()["items"]
    return items[0]["health"]["status"] == status


async def _statuses_of(stack: Stack, texts: list[str]) -> list[str]:
    async with stack.rt.db.reader() as session:
        rows = (await session.execute(select(Message.text, Message.status).where(Message.text.in_(texts)))).all()
    return [status for _, status in sorted(rows)]


async def _slug(stack: Stack) -> str:
    from chatdesk.accounts.models import Workspace

    async with stack.rt.db.reader() as session:
        return (await session.get_one(Workspace, stack.workspace_id)).slug
