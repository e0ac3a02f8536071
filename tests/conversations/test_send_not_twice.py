"""A reply is delivered once even when the answer to the send is lost.

The Graph API has no idempotency key. If the provider accepted a message but its answer never
reached us (the connection broke after the request went out, or the worker died before storing
it), sending again would deliver the message twice. Each message is sent with a tracking tag
that the provider repeats on its receipts; the receipts adopt the message, and the send job
finds nothing left to do. Only when no receipt comes is the message sent again, after a wait.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from chatdesk.channels.registry import ChannelRegistry
from chatdesk.conversations import policy
from chatdesk.conversations.jobs import SEND_MESSAGE
from chatdesk.conversations.models import Message, SendAttempt
from chatdesk.core.jobs import Job
from tests.conftest import settle

CUSTOMER = "31612000777"


async def _conversation(stack) -> int:
    await stack.customer_says(CUSTOMER, type="text", text="Waar blijft mijn pakket?")
    convs = await settle(lambda: stack.conversations())
    return convs[0]["id"]


async def _reply(stack, conv_id: int, text: str) -> None:
    resp = await stack.api.post(f"/api/v1/conversations/{conv_id}/messages", json={"type": "text", "text": text})
    assert resp.status_code == 202, resp.text


async def _outbound(stack, conv_id: int) -> list[dict]:
    return [m for m in await stack.messages(conv_id) if m["direction"] == "out"]


async def _requests_to(stack, wa_id: str) -> list[dict]:
    return [r for r in await stack.sent_requests() if r.get("to") == wa_id]


async def _jobs_left(stack) -> int:
    """Send jobs still waiting. (Receipts the sandbox sends meanwhile queue their own jobs, which
    have nothing to do with sending twice.)"""
    async with stack.rt.db.reader() as session:
        return (await session.execute(select(func.count()).select_from(Job)
                                      .where(Job.kind == SEND_MESSAGE.name))).scalar_one()


class DiesAfterSending:
    """The channel adapter of a worker that dies once just after the provider accepted a
    message, before it could store the answer (the runner sees the exception a crash leaves)."""

    def __init__(self, real):
        self.real, self.died = real, False

    def __getattr__(self, name):
        return getattr(self.real, name)

    async def send(self, conn, message):
        result = await self.real.send(conn, message)
        if not self.died:
            self.died = True
            raise RuntimeError("worker died before storing the provider's answer")
        return result


class DiesBeforeSending(DiesAfterSending):
    async def send(self, conn, message):
        if not self.died:
            self.died = True
            raise RuntimeError("worker died before the request left")
        return await self.real.send(conn, message)


class DeletedWhileSending(DiesAfterSending):
    """The message (with its conversation, or its channel) is deleted while the request is out."""

    def __init__(self, real, db):
        super().__init__(real)
        self.db = db

    async def send(self, conn, message):
        result = await self.real.send(conn, message)
        async with self.db.session() as session:
            await session.execute(delete(Message).where(Message.id == policy.tracked_message_id(message.tracking)))
        return result


async def test_lost_response_is_recognised_by_its_receipts_and_not_sent_again(stack):
    conv_id = await _conversation(stack)
    stack.router.lose_responses("sandbox.test")
    await _reply(stack, conv_id, "Uw pakket komt morgen.")
    # the sandbox accepted it and sends receipts carrying the tracking tag; they adopt the message
    (message,) = await settle(lambda: _adopted(stack, conv_id))
    assert message["status"] in ("sent", "delivered", "read")
    await stack.drain()  # the job is back in the queue before time moves
    stack.clock.advance(seconds=policy.SEND_RECONCILE_SECONDS + 1)  # the retry becomes due
    await stack.drain()
    assert await _jobs_left(stack) == 0
    sent = await _requests_to(stack, CUSTOMER)
    assert len(sent) == 1, sent
    assert sent[0]["request"]["biz_opaque_callback_data"] == policy.tracking_tag(message["id"])
    assert (await _outbound(stack, conv_id))[0]["provider_message_id"] == message["provider_message_id"]


async def test_worker_dying_after_the_provider_accepted_does_not_send_twice(stack):
    stack.rt.registry = ChannelRegistry([DiesAfterSending(stack.rt.registry.get("whatsapp"))])
    conv_id = await _conversation(stack)
    await _reply(stack, conv_id, "Wij zoeken het uit.")
    (message,) = await settle(lambda: _adopted(stack, conv_id))
    await stack.drain()  # the job is back in the queue before time moves
    stack.clock.advance(seconds=600)  # well past the backoff and the reconcile wait
    await stack.drain()
    assert await _jobs_left(stack) == 0
    assert len(await _requests_to(stack, CUSTOMER)) == 1
    assert message["status"] in ("sent", "delivered", "read")


async def test_message_deleted_while_it_was_sent_ends_its_job(stack):
    stack.rt.registry = ChannelRegistry([DeletedWhileSending(stack.rt.registry.get("whatsapp"), stack.rt.db)])
    conv_id = await _conversation(stack)
    await _reply(stack, conv_id, "Dit bericht wordt zo verwijderd.")
    await settle(lambda: _requests_to(stack, CUSTOMER))

    async def all_done() -> bool:
        await stack.drain()
        return await _jobs_left(stack) == 0

    # the provider's answer had nothing to be recorded on: the send job is done, not retried
    await settle(all_done)
    assert await _outbound(stack, conv_id) == []
    async with stack.rt.db.reader() as session:  # and it did not go dead either
        dead = await session.execute(select(func.count()).select_from(Job).where(Job.status == "dead"))
        assert dead.scalar_one() == 0


async def test_unanswered_attempt_without_receipts_is_sent_again_after_the_wait(stack):
    stack.rt.registry = ChannelRegistry([DiesBeforeSending(stack.rt.registry.get("whatsapp"))])
    conv_id = await _conversation(stack)
    await _reply(stack, conv_id, "Nog even geduld.")
    await settle(lambda: _attempts(stack, "sending"))
    await stack.drain()  # the job is back in the queue before time moves
    stack.clock.advance(seconds=5)  # the backoff has passed, the reconcile wait has not
    await stack.drain()
    assert await _requests_to(stack, CUSTOMER) == []
    assert (await _outbound(stack, conv_id))[0]["status"] == "queued"
    stack.clock.advance(seconds=policy.SEND_RECONCILE_SECONDS)
    await stack.drain()
    await settle(lambda: _adopted(stack, conv_id))
    assert len(await _requests_to(stack, CUSTOMER)) == 1
    assert await _attempts(stack, "accepted") == 1


async def _adopted(stack, conv_id: int) -> list[dict]:
    out = await _outbound(stack, conv_id)
    return out if out and out[0]["provider_message_id"] and out[0]["status"] != "queued" else []


async def _attempts(stack, outcome: str) -> int:
    async with stack.rt.db.reader() as session:
        return (await session.execute(select(func.count()).select_from(SendAttempt)
                                      .where(SendAttempt.outcome == outcome))).scalar_one()


def test_tracking_tags_round_trip_and_foreign_tags_are_ignored():
    assert policy.tracked_message_id(policy.tracking_tag(42)) == 42
    for tag in (None, "", "campaign-7", policy.TRACKING_PREFIX, policy.TRACKING_PREFIX + "x1"):
        assert policy.tracked_message_id(tag) is None


def test_only_unanswered_attempts_hold_a_resend_back():
    from datetime import UTC, datetime
    now = datetime(2026, 1, 1, tzinfo=UTC)
    wait = policy.SEND_RECONCILE_SECONDS
    assert policy.resend_wait(None, None, now) == 0
    assert policy.resend_wait("retry", now, now) == 0
    assert policy.resend_wait("failed", now, now) == 0
    assert policy.resend_wait("sending", now, now) == wait
    assert policy.resend_wait("uncertain", now - timedelta(seconds=10), now) == wait - 10
    assert policy.resend_wait("sending", now - timedelta(seconds=wait + 1), now) == 0
