"""Replaying a day of stored webhooks (``chatdesk events replay``) processes every body again
and changes nothing: ingest is idempotent."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from chatdesk.channels.models import DeliveryStatus, InboundEvent
from chatdesk.channels.replay import replay_inbound
from chatdesk.contacts.models import Contact, ContactIdentity
from chatdesk.conversations.models import Conversation, Message
from chatdesk.core.jobs import Job
from tests.conftest import payload, settle
from tests.conversations.test_ingest import text_webhook

CUSTOMERS = ["31600000101", "31600000102", "31600000103"]


async def _snapshot(stack) -> dict:
    async with stack.rt.db.reader() as s:
        counts = {model.__tablename__: (await s.execute(select(func.count()).select_from(model))).scalar_one()
                  for model in (Contact, ContactIdentity, Conversation, Message, DeliveryStatus)}
        statuses = (await s.execute(select(Message.id, Message.status, Message.provider_message_id)
                                    .order_by(Message.id))).all()
        convs = (await s.execute(select(Conversation.id, Conversation.status, Conversation.unread_count,
                                        Conversation.last_inbound_at).order_by(Conversation.id))).all()
        contacts = (await s.execute(select(Contact.id, Contact.name).order_by(Contact.id))).all()
    return {"counts": counts, "messages": statuses, "conversations": convs, "contacts": contacts}


async def _all_read(stack) -> bool:
    async with stack.rt.db.reader() as s:
        out = (await s.execute(select(Message.status).where(Message.direction == "out"))).scalars().all()
    return len(out) == len(CUSTOMERS) and all(status == "read" for status in out)


async def _day_of_webhooks(stack, clock) -> None:
    """Customers write (through the sandbox, which posts to the webhook route), agents reply,
    receipts come back; Meta redelivers a body and re-sends a message in a new body."""
    for n, wa_id in enumerate(CUSTOMERS):
        await stack.customer_says(wa_id, type="text", text=f"Vraag nummer {n}")
        clock.advance(hours=3)
    convs = await settle(lambda: _at_least(stack, len(CUSTOMERS)))
    for conv in convs:
        resp = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages",
                                    json={"type": "text", "text": "Komt goed!"})
        assert resp.status_code == 202, resp.text
    await settle(lambda: _all_read(stack))
    ts = int(clock.now().timestamp())
    body = text_webhook("31600000199", "Anna", "wamid.REDELIVERED", ts, "hoi")
    for raw in (body, body, text_webhook("31600000199", "Anna B", "wamid.REDELIVERED", ts, "hoi")):
        assert (await stack.webhook(raw)).status_code == 200
    assert (await stack.webhook(payload("wa_status_delivered.json"))).status_code == 200  # unknown message
    await stack.drain()
    # the sandbox posts each receipt on its own ("delivered" may still be on its way after "read"),
    # and the stack's own worker may hold a job that drain() then skips: wait for every receipt
    await settle(lambda: _receipts_at_least(stack, 3 * len(CUSTOMERS) + 1))
    await settle(lambda: _all_processed(stack))


async def _receipts_at_least(stack, n: int) -> bool:
    async with stack.rt.db.reader() as s:
        return (await s.execute(select(func.count()).select_from(DeliveryStatus))).scalar_one() >= n


async def _all_processed(stack) -> bool:
    async with stack.rt.db.reader() as s:
        return (await s.execute(select(func.count()).select_from(InboundEvent)
                                .where(InboundEvent.processed_at.is_(None)))).scalar_one() == 0


async def _at_least(stack, n: int):
    convs = await stack.conversations()
    return convs if len(convs) >= n else None


async def test_replaying_a_day_of_webhooks_creates_and_changes_nothing(stack, clock):
    start = clock.now()
    await _day_of_webhooks(stack, clock)
    before = await _snapshot(stack)
    assert before["counts"]["messages"] == 2 * len(CUSTOMERS) + 1
    assert before["counts"]["delivery_statuses"] >= 3 * len(CUSTOMERS) + 1
    async with stack.rt.db.reader() as s:
        stored = (await s.execute(select(func.count()).select_from(InboundEvent))).scalar_one()
    clock.advance(minutes=5)
    queued = await replay_inbound(stack.rt.db, since=start, until=clock.now(), now=clock.now(),
                                  workspace_id=stack.workspace_id)
    assert queued == stored
    await stack.drain()
    async with stack.rt.db.reader() as s:
        assert (await s.execute(select(func.count()).select_from(Job)
                                .where(Job.kind == "inbound.process"))).scalar_one() == 0
        processed = (await s.execute(select(InboundEvent.processed_at))).scalars().all()
    assert all(at == clock.now() for at in processed)  # every body was processed again ...
    assert await _snapshot(stack) == before  # ... and nothing new, nothing changed


async def test_replay_takes_only_the_range_and_the_workspace(bare, clock):
    await bare.webhook(text_webhook("31600000201", "Early", "wamid.E1", int(clock.now().timestamp()), "vroeg"))
    clock.advance(hours=2)
    middle = clock.now()
    await bare.webhook(text_webhook("31600000202", "Late", "wamid.L1", int(clock.now().timestamp()), "laat"))
    await bare.drain()
    db, now = bare.rt.db, clock.now() + timedelta(seconds=1)
    assert await replay_inbound(db, since=middle, until=now, now=now) == 1
    assert await replay_inbound(db, since=middle - timedelta(hours=3), until=now, now=now) == 2
    assert await replay_inbound(db, since=middle - timedelta(hours=3), until=middle, now=now) == 1
    assert await replay_inbound(db, since=middle - timedelta(hours=3), until=now, now=now,
                                workspace_id=bare.workspace_id + 1) == 0
