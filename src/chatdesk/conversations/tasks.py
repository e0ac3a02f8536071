"""Jobs with side effects outside the database: sending, fetching media, read receipts.

Each opens short transactions around its network call, never holding one across it.
"""
from __future__ import annotations

import logging
import random
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..channels.base import (
    ChannelAdapter,
    ChannelError,
    OutboundMessage,
    PermanentChannelError,
    RetriableChannelError,
)
from ..channels.content import Media, with_values
from ..channels.service import ChannelRef
from ..contacts.identities import identity_for
from ..core.events import emit
from ..core.jobs import ClaimedJob, RetryJob
from ..core.media import MediaStore
from ..core.runtime import Runtime
from . import parking, policy, service
from .events import MessageUpdated
from .jobs import FETCH_MEDIA, MARK_READ, SEND_MESSAGE
from .models import Conversation, Message, SendAttempt

log = logging.getLogger("chatdesk.send")


def send_handler(rt: Runtime, media: MediaStore, metrics: Any):
    """``message.send``: hand a queued message to its channel, paced by the number's rate limit.

    Not twice: the Graph API has no idempotency key, so each attempt is recorded as ``sending``
    before the request leaves, and the message is sent with its tracking tag, which the
    provider repeats on its receipts. If the answer is lost (the process died, or the
    connection broke after the request went out), the receipts adopt the message
    (``service.record_statuses``) and the job, when it runs again, finds nothing to send; only
    when no receipt came within ``policy.SEND_RECONCILE_SECONDS`` is the message sent again.
    """
    async def handle(job: ClaimedJob) -> None:
        if await rt.sending.paused():  # claimed just as sending was paused: wait, unsent
            raise RetryJob("sending is paused (chatdesk sending resume)", policy.PAUSED_RECHECK_SECONDS,
                           counts=False)
        loaded = await _load_send(rt, media, job)
        if loaded is None:
            return
        message, channel, outbound, last = loaded
        wait = policy.resend_wait(*last, rt.clock.now())
        if wait > 0:
            raise RetryJob(f"an earlier attempt may have reached {channel.kind}; waiting for its receipts", wait)
        # recorded before the rate limiter, so nothing stands between its go-ahead and the request:
        # a write here would bunch requests that the limiter had spaced out
        attempt = await _begin_attempt(rt, message.id, job.attempts)
        await rt.limiter.acquire(f"{channel.kind}:{channel.external_id}", channel.rate_limit_mps)
        try:
            result = await rt.registry.get(channel.kind).send(channel.connection(), outbound)
        except RetriableChannelError as exc:
            metrics.send(channel.kind, "retry", exc.code)
            if job.attempts >= job.max_attempts:
                await _failed(rt, message, job, exc, attempt)
                return
            if exc.maybe_delivered:
                await _end_attempt(rt, attempt, "uncertain", exc)
                raise RetryJob(str(exc), policy.SEND_RECONCILE_SECONDS) from exc
            await _end_attempt(rt, attempt, "retry", exc)
            raise RetryJob(str(exc), policy.retry_delay(job.attempts, exc.retry_after, random.random())) from exc
        except PermanentChannelError as exc:
            if exc.code in rt.registry.get(channel.kind).capabilities.reauth_errors:
                metrics.send(channel.kind, "parked", exc.code)
                await _park(rt, channel, attempt, exc)
                return
            metrics.send(channel.kind, "failed", exc.code)
            await _failed(rt, message, job, exc, attempt)
            return
        metrics.send(channel.kind, "accepted", None)
        await _accepted(rt, message.id, attempt, result.provider_message_id)
    return handle


LastAttempt = tuple[str | None, datetime | None]


async def _park(rt: Runtime, channel: ChannelRef, attempt_id: int, exc: ChannelError) -> None:
    """The channel's credentials were refused: the message waits for new ones (parking.py)."""
    async with rt.db.session() as session:
        parked = await parking.park(session, rt.cipher, channel, attempt_id, exc, rt.clock.now())
    rt.channels.forget()  # this process's cached credentials are the refused ones
    if not parked:
        await _end_attempt(rt, attempt_id, "retry", exc)
        raise RetryJob("the channel's credentials changed meanwhile; sending with the new ones", 0)


async def _load_send(rt: Runtime, media: MediaStore, job: ClaimedJob
                     ) -> tuple[Message, ChannelRef, OutboundMessage, LastAttempt] | None:
    """The message, its channel, what to send and how the last attempt ended; None when there
    is nothing (left) to send."""
    async with rt.db.reader() as session:
        message = await session.get(Message, SEND_MESSAGE.parse(job).message_id)
        if message is None or message.status != "queued":
            return None  # already sent (or adopted by its receipts) or deleted: nothing to do twice
        conv = await session.get_one(Conversation, message.conversation_id)
        channel = await _channel(rt, session, message.channel_id)
        address_by = rt.registry.get(channel.kind).capabilities.address_by
        identity = await identity_for(session, conv.contact_id, channel.id, address_by)
        reply_to = await session.get(Message, message.reply_to_id) if message.reply_to_id else None
        last = (await session.execute(select(SendAttempt.outcome, SendAttempt.at)
                                      .where(SendAttempt.message_id == message.id)
                                      .order_by(SendAttempt.id.desc()).limit(1))).first()
    if identity is None:
        await _failed(rt, message, job, PermanentChannelError("The contact has no identity on this channel"))
        return None
    outbound = OutboundMessage(type=message.type, to=identity.external_id, to_type=identity.id_type,
                               text=message.text,
                               content=message.content,
                               reply_to_provider_id=reply_to.provider_message_id if reply_to else None,
                               media_bytes=_upload_bytes(media, message),
                               tracking=policy.tracking_tag(message.id),
                               human_agent=policy.needs_human_agent(rt.registry.get(channel.kind).capabilities,
                                                                    conv.last_inbound_at, rt.clock.now()))
    previous: LastAttempt = (last[0], last[1]) if last else (None, None)
    return message, channel, outbound, previous


async def _begin_attempt(rt: Runtime, message_id: int, attempt: int) -> int:
    """Record the attempt before the request leaves: if we never learn its outcome, the next
    run knows the message may have been delivered."""
    async with rt.db.session() as session:
        row = SendAttempt(message_id=message_id, attempt=attempt, outcome="sending", at=rt.clock.now())
        session.add(row)
        await session.flush()
        return row.id


async def _end_attempt(rt: Runtime, attempt_id: int, outcome: str, exc: ChannelError | None = None) -> None:
    async with rt.db.session() as session:
        row = await session.get(SendAttempt, attempt_id)
        if row is None:
            return  # the message was deleted while being sent, and its attempts with it
        row.outcome = outcome
        if exc is not None:
            row.error_code, row.error_title, row.detail = exc.code, exc.title[:300], exc.detail


async def _accepted(rt: Runtime, message_id: int, attempt_id: int, provider_message_id: str) -> None:
    """Record the provider's id, then apply any receipts that arrived before this answer."""
    async with rt.db.session() as session:
        message = await session.get(Message, message_id)
        if message is None:
            return  # deleted while it was being sent: nothing to record
        attempt = await session.get_one(SendAttempt, attempt_id)
        message.provider_message_id = provider_message_id
        # when the request left: the provider's own time for the message (which receipts given as a
        # time, Messenger's watermarks, are compared with) lies between this and its answer
        message.sent_at = message.sent_at or attempt.at
        service.apply_status(session, message, "pending", now=rt.clock.now())
        attempt.outcome = "accepted"
        await session.flush()
        adapter = await _adapter(rt, session, message.channel_id)
        await service.apply_backlog(session, message, adapter.explain, adapter.capabilities)


def _upload_bytes(media: MediaStore, message: Message) -> bytes | None:
    c = message.content
    if not isinstance(c, Media) or not c.stored or c.provider_media_id or c.link:
        return None
    path = media.path(message.workspace_id, c.stored)
    return path.read_bytes() if path else None


async def _failed(rt: Runtime, message: Message, job: ClaimedJob, exc: ChannelError,
                  attempt_id: int | None = None) -> None:
    log.info("message %s failed: %s", message.id, exc)
    async with rt.db.session() as session:
        row = await session.get(Message, message.id)
        if row is None:
            return  # deleted meanwhile (with its conversation or channel): nothing left to fail
        attempt = await session.get(SendAttempt, attempt_id) if attempt_id else None
        if attempt is None:
            attempt = SendAttempt(message_id=message.id, attempt=job.attempts, at=rt.clock.now())
            session.add(attempt)
        attempt.outcome, attempt.error_code = "failed", exc.code
        attempt.error_title, attempt.detail = exc.title[:300], exc.detail
        adapter = await _adapter(rt, session, row.channel_id)
        if service.apply_status(session, row, policy.FAILED, now=rt.clock.now(), error_code=exc.code,
                                error_title=exc.title[:300], error_detail=exc.detail, explain=adapter.explain):
            await service.provider_failed(session, row, adapter.capabilities, error_code=exc.code, at=rt.clock.now())
        if exc.code is None:
            row.error_detail = adapter.explain(None, exc.title)


async def _adapter(rt: Runtime, session: Any, channel_id: int) -> ChannelAdapter:
    """The adapter of the channel's kind, for its explanations and capabilities (the channel is
    cached: usually no round trip)."""
    return rt.registry.get((await _channel(rt, session, channel_id)).kind)


async def _channel(rt: Runtime, session: Any, channel_id: int) -> ChannelRef:
    """A message's channel. It outlives its messages (deleting a channel deletes them), so a
    missing one is a broken database: say so, and let the job retry and then go dead."""
    channel = await rt.channels.by_id(session, channel_id)
    if channel is None:
        raise LookupError(f"channel {channel_id} of a message is gone")
    return channel


def media_handler(rt: Runtime, media: MediaStore):
    async def handle(job: ClaimedJob) -> None:
        async with rt.db.reader() as session:
            message = await session.get(Message, FETCH_MEDIA.parse(job).message_id)
            media_id = message.content.media_to_fetch() if message is not None else None
            if message is None or media_id is None:
                return  # gone, fetched already, or nothing the provider holds
            channel = await _channel(rt, session, message.channel_id)
        try:
            data, mime = await rt.registry.get(channel.kind).fetch_media(
                channel.connection(), media_id, rt.settings.media_max_bytes)
        except RetriableChannelError as exc:
            raise RetryJob(str(exc)) from exc
        except PermanentChannelError as exc:
            explain = rt.registry.get(channel.kind).explain
            await _media_result(rt, message.id, {"media_error": explain(exc.code, exc.title)})
            return
        key = media.save(message.workspace_id, data, mime)
        await _media_result(rt, message.id, {"stored": key, "size": len(data), "mime_type": mime})
    return handle


async def _media_result(rt: Runtime, message_id: int, values: dict[str, Any]) -> None:
    async with rt.db.session() as session:
        message = await session.get(Message, message_id)
        if message is None:
            return  # deleted while its media was being fetched
        message.content = with_values(message.content, **values)
        message.updated_at = rt.clock.now()
        emit(session, service.event_of(message, MessageUpdated))


def read_handler(rt: Runtime):
    async def handle(job: ClaimedJob) -> None:
        async with rt.db.reader() as session:
            message = await session.get(Message, MARK_READ.parse(job).message_id)
            if message is None or not message.provider_message_id:
                return
            channel = await _channel(rt, session, message.channel_id)
        try:
            await rt.registry.get(channel.kind).mark_read(channel.connection(), message.provider_message_id)
        except RetriableChannelError as exc:
            raise RetryJob(str(exc)) from exc
        except PermanentChannelError as exc:
            log.info("read receipt for message %s refused: %s", message.id, exc)
    return handle

