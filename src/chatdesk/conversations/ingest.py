"""The ``inbound.process`` job: stored webhook bodies → contacts, conversations, messages and
statuses. A two-step batch handler (see ``core.runner.TwoStepBatch``): the bodies are read and
parsed before the writing transaction, then the whole batch is written in one transaction with
the jobs' deletion, with a handful of statements per batch rather than per message.

Exactly once: a message whose provider id is already stored (Meta redelivered it inside
another batch) is skipped; statuses are kept once per (message, status) and only move forward.

One bad item never costs its neighbours: a batch that fails is run again one delivery at a
time (by the runner), and a delivery that fails is written item by item, each in a savepoint;
an item that still fails is left out and named in the delivery's ``error``.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.base import (
    InboundMessageEvent,
    InboundStatusEvent,
    InboundTemplateEvent,
    InboundWatermarkEvent,
    NumberStatusEvent,
    PayloadError,
    UnreadableItem,
)
from ..channels.jobs import INBOUND_PROCESS
from ..channels.models import InboundEvent
from ..channels.service import ChannelRef
from ..channels.templates import service as templates
from ..contacts import profiles
from ..contacts.identities import IdentityChannel, Sender, attach_identities, resolve_identities
from ..core.db import table_of
from ..core.jobs import ClaimedJob
from ..core.runner import TwoStepBatch, database_away
from ..core.runtime import Runtime
from . import consent_keywords, messaging_limits, service, watermarks
from .models import Conversation, Message

log = logging.getLogger("chatdesk.ingest")


@dataclass
class ParsedBatch:
    """Every message and status of a batch of webhook bodies, by channel, in arrival order."""

    event_ids: list[int]
    channels: dict[int, ChannelRef] = field(default_factory=dict)
    messages: dict[int, list[InboundMessageEvent]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, list[InboundStatusEvent]] = field(default_factory=lambda: defaultdict(list))
    templates: dict[int, list[InboundTemplateEvent]] = field(default_factory=lambda: defaultdict(list))
    watermarks: dict[int, list[InboundWatermarkEvent]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[int, str] = field(default_factory=dict)  # event id -> why its body was refused
    numbers: list[tuple[str, NumberStatusEvent]] = field(default_factory=list)  # (kind, tier/quality change)


def inbound_handler(rt: Runtime) -> TwoStepBatch:
    async def prepare(jobs: list[ClaimedJob]) -> ParsedBatch:
        batch = ParsedBatch([INBOUND_PROCESS.parse(job).event_id for job in jobs])
        table = table_of(InboundEvent)
        async with rt.db.reader() as session:
            events = (await session.execute(select(table.c.id, table.c.kind, table.c.body)
                                            .where(table.c.id.in_(batch.event_ids)).order_by(table.c.id))).all()
            for event_id, kind, body in events:
                await _parse(rt, session, batch, event_id, kind, body)
        return batch

    async def apply(session: AsyncSession, jobs: list[ClaimedJob], batch: ParsedBatch) -> None:
        try:
            async with session.begin_nested():  # the whole batch at once: the fast path
                await _store_all(rt, session, batch)
        except Exception as exc:
            if len(batch.event_ids) > 1 or database_away(exc):
                raise  # the runner runs each delivery on its own / retries later
            await _store_each(rt, session, batch)
        table = table_of(InboundEvent)
        await session.execute(update(table).where(table.c.id.in_(batch.event_ids)).values(processed_at=rt.clock.now()))
        for event_id, error in batch.errors.items():
            await session.execute(update(table).where(table.c.id == event_id).values(error=error))

    return TwoStepBatch(prepare, apply)


async def _store_all(rt: Runtime, session: AsyncSession, batch: ParsedBatch) -> None:
    for channel_id, items in batch.messages.items():
        await _store_messages(rt, session, batch.channels[channel_id], items)
    for channel_id, found in batch.statuses.items():
        await _store_statuses(rt, session, batch.channels[channel_id], found)
    for channel_id, changed in batch.templates.items():
        await _store_templates(rt, session, batch.channels[channel_id], changed)
    for kind, change in batch.numbers:
        await messaging_limits.number_changed(session, kind, change)

    for channel_id, marks in batch.watermarks.items():
        await _store_watermarks(rt, session, batch.channels[channel_id], marks)


async def _store_templates(rt: Runtime, session: AsyncSession, channel: ChannelRef,
                           changed: list[InboundTemplateEvent]) -> None:
    for e in changed:
        await templates.apply_status(session, channel.workspace_id, channel.id, templates.TemplateStatusUpdate(
            e.provider_id, e.name, e.language, status=e.status, reason=e.reason, quality=e.quality), rt.clock.now())


async def _store_each(rt: Runtime, session: AsyncSession, batch: ParsedBatch) -> None:
    """One delivery that failed as a whole, item by item: what can be stored is, and the items
    that cannot are named in the delivery's error (the job then finishes: retrying a
    deterministic failure forever would only hold up the rest)."""
    failed: list[str] = []
    for channel_id, items in batch.messages.items():
        for item in items:
            await _isolated(session, failed, f"message {item.provider_message_id}",
                            _store_messages(rt, session, batch.channels[channel_id], [item]))
    for channel_id, found in batch.statuses.items():
        for status in found:
            await _isolated(session, failed, f"status {status.status} of {status.provider_message_id}",
                            _store_statuses(rt, session, batch.channels[channel_id], [status]))
    for channel_id, changed in batch.templates.items():
        for e in changed:
            await _isolated(session, failed, f"template {e.name} ({e.language})",
                            _store_templates(rt, session, batch.channels[channel_id], [e]))
    for kind, change in batch.numbers:
        await _isolated(session, failed, f"number {change.display_number}",
                        messaging_limits.number_changed(session, kind, change))
    for channel_id, marks in batch.watermarks.items():
        await _isolated(session, failed, f"{len(marks)} watermark(s)",
                        _store_watermarks(rt, session, batch.channels[channel_id], marks))
    if failed:
        (event_id,) = batch.event_ids
        said = [batch.errors[event_id]] if event_id in batch.errors else []
        batch.errors[event_id] = "; ".join([*said, f"{len(failed)} item(s) could not be stored: "
                                            + "; ".join(failed)])[:4000]
        log.warning("inbound event %s: %s", event_id, batch.errors[event_id])


async def _isolated(session: AsyncSession, failed: list[str], what: str, step: Coroutine[Any, Any, None]) -> None:
    """Run ``step`` in a savepoint; if it fails, roll back to it and note ``what`` failed."""
    try:
        async with session.begin_nested():
            await step
    except Exception as exc:
        if database_away(exc):
            raise
        failed.append(f"{what}: {str(exc).splitlines()[0][:300]}")


async def _store_statuses(rt: Runtime, session: AsyncSession, channel: ChannelRef,
                          found: list[InboundStatusEvent]) -> None:
    adapter = rt.registry.get(channel.kind)
    await service.record_statuses(session, channel.id, found, adapter.explain, adapter.capabilities)
    await _learn_recipients(rt, session, channel, found)


async def _store_watermarks(rt: Runtime, session: AsyncSession, channel: ChannelRef,
                            marks: list[InboundWatermarkEvent]) -> None:
    adapter = rt.registry.get(channel.kind)
    await watermarks.record_watermarks(session, channel.id, marks, adapter.explain, adapter.capabilities)


async def _parse(rt: Runtime, session: AsyncSession, batch: ParsedBatch, event_id: int, kind: str, body: str) -> None:
    try:
        parsed = rt.registry.get(kind).parse(body.encode())
    except PayloadError as exc:
        batch.errors[event_id] = str(exc)
        log.warning("inbound event %s could not be parsed: %s", event_id, exc)
        return
    unreadable = [item.reason for item in parsed if isinstance(item, UnreadableItem)]
    if unreadable:
        batch.errors[event_id] = f"{len(unreadable)} item(s) could not be read: " + "; ".join(unreadable)[:2000]
        log.warning("inbound event %s: %s", event_id, batch.errors[event_id])
    for item in parsed:
        if isinstance(item, UnreadableItem):
            continue
        if isinstance(item, NumberStatusEvent):  # names no number id: found when applied
            batch.numbers.append((kind, item))
            continue
        channel = rt.channels.cached(kind, item.channel_external_id) or \
            await rt.channels.by_external(session, kind, item.channel_external_id)
        if channel is None:
            log.warning("inbound %s for unknown number %s dropped", kind, item.channel_external_id)
            continue
        batch.channels[channel.id] = channel
        if isinstance(item, InboundMessageEvent):
            batch.messages[channel.id].append(item)
        elif isinstance(item, InboundStatusEvent):
            batch.statuses[channel.id].append(item)
        elif isinstance(item, InboundTemplateEvent):
            batch.templates[channel.id].append(item)
        elif isinstance(item, InboundWatermarkEvent):
            batch.watermarks[channel.id].append(item)


async def _store_messages(rt: Runtime, session: AsyncSession, channel: ChannelRef,
                          items: list[InboundMessageEvent]) -> None:
    now = rt.clock.now()
    stored = await service.message_ids_by_provider(session, channel.id, [i.provider_message_id for i in items])
    fresh = list({i.provider_message_id: i for i in reversed(items)
                  if i.provider_message_id not in stored}.values())[::-1]  # once each, in order
    if not fresh:
        return
    contacts = await resolve_identities(session, channel=_scope(rt, channel), now=now, senders=[
        Sender.of(i.sender_ids(), i.sender_name, i.sender_username, i.sender_parent_id, email=i.sender_email)
        for i in fresh])
    if rt.registry.get(channel.kind).capabilities.profiles:
        await profiles.queue_stale(session, channel_id=channel.id, workspace_id=channel.workspace_id,
                                   external_ids=[i.sender_id for i in fresh], now=now)
    convs = await service.current_conversations(session, workspace_id=channel.workspace_id, channel_id=channel.id,
                                                contact_ids=[contacts[i.sender_id].id for i in fresh], now=now)
    quoted = await service.message_ids_by_provider(
        session, channel.id, [i.reply_to_provider_id for i in fresh if i.reply_to_provider_id])
    await service.record_inbound(session, [(convs[contacts[i.sender_id].id], i,
                                            quoted.get(i.reply_to_provider_id or "")) for i in fresh], now=now)
    await consent_keywords.answer(session, rt, [(convs[contacts[i.sender_id].id], i) for i in fresh])


def _scope(rt: Runtime, channel: ChannelRef) -> IdentityChannel:
    caps = rt.registry.get(channel.kind).capabilities
    return IdentityChannel(channel.id, channel.workspace_id, channel.kind, caps.identity_scope)


async def _learn_recipients(rt: Runtime, session: AsyncSession, channel: ChannelRef,
                            statuses: list[InboundStatusEvent]) -> None:
    """Receipts that report their recipient's ids (WhatsApp: user id and number): the ids the
    contact of the message's conversation does not have yet are attached to it."""
    told = {e.provider_message_id: e for e in statuses if e.recipient_ids}
    if not told:
        return
    rows = (await session.execute(
        select(Message.provider_message_id, Conversation.contact_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.channel_id == channel.id, Message.provider_message_id.in_(list(told))))).all()
    found = [(contact_id, Sender.of(told[wamid].recipient_ids, None, told[wamid].recipient_username,
                                    told[wamid].recipient_parent_id))
             for wamid, contact_id in rows if wamid is not None]
    await attach_identities(session, channel=_scope(rt, channel), found=found, now=rt.clock.now())
