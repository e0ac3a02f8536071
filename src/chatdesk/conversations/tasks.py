"""Jobs with side effects outside the database: sending, fetching media, read receipts.

Each opens short transactions around its network call, never holding one across it.
"""
from __future__ import annotations

import logging
import random
from typing import Any

from ..channels.base import ChannelError, OutboundMessage, PermanentChannelError, RetriableChannelError
from ..channels.meta.errors import explain
from ..channels.service import ChannelRef
from ..contacts.service import identity_for
from ..core.events import emit
from ..core.jobs import ClaimedJob, RetryJob
from ..core.media import MediaStore
from ..core.runtime import Runtime
from . import policy, service
from .models import Conversation, Message, SendAttempt

log = logging.getLogger("chatdesk.send")


def send_handler(rt: Runtime, media: MediaStore, metrics: Any):
    """``message.send``: hand a queued message to its channel, paced by the number's rate limit.

    At least once: if the process dies between the provider's answer and our commit, the job
    runs again (the Graph API has no idempotency key); every attempt is recorded.
    """
    async def handle(job: ClaimedJob) -> None:
        loaded = await _load_send(rt, media, job)
        if loaded is None:
            return
        message, channel, outbound = loaded
        await rt.limiter.acquire(f"{channel.kind}:{channel.external_id}", channel.rate_limit_mps)
        try:
            result = await rt.registry.get(channel.kind).send(channel.connection(), outbound)
        except RetriableChannelError as exc:
            metrics.send(channel.kind, "retry", exc.code)
            if job.attempts >= job.max_attempts:
                await _failed(rt, message, job, exc)
                return
            await _attempt(rt, message.id, job.attempts, "retry", exc)
            raise RetryJob(str(exc), policy.retry_delay(job.attempts, exc.retry_after, random.random())) from exc
        except PermanentChannelError as exc:
            metrics.send(channel.kind, "failed", exc.code)
            await _failed(rt, message, job, exc)
            return
        metrics.send(channel.kind, "accepted", None)
        await _accepted(rt, message.id, job.attempts, result.provider_message_id)
    return handle


async def _load_send(rt: Runtime, media: MediaStore, job: ClaimedJob
                     ) -> tuple[Message, ChannelRef, OutboundMessage] | None:
    """The message, its channel and what to send; None when there is nothing (left) to send."""
    async with rt.db.reader() as session:
        message = await session.get(Message, job.payload["message_id"])
        if message is None or message.status != "queued":
            return None  # already sent or deleted: nothing to do twice
        conv = await session.get(Conversation, message.conversation_id)
        channel = await rt.channels.by_id(session, message.channel_id)
        identity = await identity_for(session, conv.contact_id, channel.kind)
        reply_to = await session.get(Message, message.reply_to_id) if message.reply_to_id else None
    if identity is None:
        await _failed(rt, message, job, PermanentChannelError("The contact has no identity on this channel"))
        return None
    outbound = OutboundMessage(type=message.type, to=identity.external_id, text=message.text,
                               content=dict(message.content),
                               reply_to_provider_id=reply_to.provider_message_id if reply_to else None,
                               media_bytes=_upload_bytes(media, message))
    return message, channel, outbound


async def _accepted(rt: Runtime, message_id: int, attempt: int, provider_message_id: str) -> None:
    """Record the provider's id, then apply any receipts that arrived before this answer."""
    async with rt.db.session() as session:
        message = await session.get(Message, message_id)
        message.provider_message_id = provider_message_id
        message.sent_at = rt.clock.now()
        service.apply_status(session, message, "pending", now=rt.clock.now())
        session.add(SendAttempt(message_id=message_id, attempt=attempt, outcome="accepted", at=rt.clock.now()))
        await session.flush()
        await service.apply_backlog(session, message)


def _upload_bytes(media: MediaStore, message: Message) -> bytes | None:
    key = message.content.get("stored")
    if not key or message.content.get("media_id") or message.content.get("link"):
        return None
    path = media.path(message.workspace_id, key)
    return path.read_bytes() if path else None


async def _attempt(rt: Runtime, message_id: int, attempt: int, outcome: str, exc: ChannelError) -> None:
    async with rt.db.session() as session:
        session.add(SendAttempt(message_id=message_id, attempt=attempt, outcome=outcome, error_code=exc.code,
                                error_title=exc.title[:300], detail=exc.detail, at=rt.clock.now()))


async def _failed(rt: Runtime, message: Message, job: ClaimedJob, exc: ChannelError) -> None:
    log.info("message %s failed: %s", message.id, exc)
    async with rt.db.session() as session:
        row = await session.get(Message, message.id)
        session.add(SendAttempt(message_id=message.id, attempt=job.attempts, outcome="failed",
                                error_code=exc.code, error_title=exc.title[:300], detail=exc.detail,
                                at=rt.clock.now()))
        service.apply_status(session, row, policy.FAILED, now=rt.clock.now(), error_code=exc.code,
                             error_title=exc.title[:300], error_detail=exc.detail)
        if exc.code is None:
            row.error_detail = explain(None, exc.title)


def media_handler(rt: Runtime, media: MediaStore):
    async def handle(job: ClaimedJob) -> None:
        async with rt.db.reader() as session:
            message = await session.get(Message, job.payload["message_id"])
            if message is None or message.content.get("stored"):
                return
            channel = await rt.channels.by_id(session, message.channel_id)
        media_id = message.content.get("id")
        try:
            data, mime = await rt.registry.get(channel.kind).fetch_media(
                channel.connection(), media_id, rt.settings.media_max_bytes)
        except RetriableChannelError as exc:
            raise RetryJob(str(exc)) from exc
        except PermanentChannelError as exc:
            await _media_result(rt, message.id, {"media_error": explain(exc.code, exc.title)})
            return
        key = media.save(message.workspace_id, data, mime)
        await _media_result(rt, message.id, {"stored": key, "size": len(data), "mime_type": mime})
    return handle


async def _media_result(rt: Runtime, message_id: int, values: dict[str, Any]) -> None:
    async with rt.db.session() as session:
        message = await session.get(Message, message_id)
        message.content = {**message.content, **values}
        message.updated_at = rt.clock.now()
        emit(session, message.workspace_id, service.event_of(message, "message.updated"))


def read_handler(rt: Runtime):
    async def handle(job: ClaimedJob) -> None:
        async with rt.db.reader() as session:
            message = await session.get(Message, job.payload["message_id"])
            if message is None or not message.provider_message_id:
                return
            channel = await rt.channels.by_id(session, message.channel_id)
        try:
            await rt.registry.get(channel.kind).mark_read(channel.connection(), message.provider_message_id)
        except RetriableChannelError as exc:
            raise RetryJob(str(exc)) from exc
        except PermanentChannelError as exc:
            log.info("read receipt for message %s refused: %s", message.id, exc)
    return handle

