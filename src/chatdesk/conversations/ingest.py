"""The ``inbound.process`` job: stored webhook bodies → contacts, conversations, messages and
statuses. A batch handler: many events in one transaction, with the jobs' deletion, and a
handful of queries per batch rather than per message (thousands of messages a second on SQLite).

Exactly once: a message whose provider id is already stored (Meta redelivered it inside
another batch) is skipped; statuses are kept once per (message, status) and only move forward.
"""
from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.base import InboundMessageEvent, InboundStatusEvent, PayloadError
from ..channels.models import InboundEvent
from ..channels.service import ChannelRef
from ..contacts.service import Sender, resolve_identities
from ..core.jobs import ClaimedJob
from ..core.runtime import Runtime
from . import service
from .models import Message

log = logging.getLogger("chatdesk.ingest")


def inbound_handler(rt: Runtime):
    async def handle(session: AsyncSession, jobs: list[ClaimedJob]) -> None:
        ids = [job.payload["event_id"] for job in jobs]
        events = (await session.execute(select(InboundEvent).where(InboundEvent.id.in_(ids))
                                        .order_by(InboundEvent.id))).scalars().all()
        channels, messages, statuses = await _parse(rt, session, events)
        for channel_id, items in messages.items():
            await _store_messages(rt, session, channels[channel_id], items)
        for channel_id, items in statuses.items():
            await service.record_statuses(session, channel_id, items)
        await session.execute(update(InboundEvent).where(InboundEvent.id.in_(ids))
                              .values(processed_at=rt.clock.now()))
    return handle


Grouped = dict[int, list]


async def _parse(rt: Runtime, session: AsyncSession,
                 events: list[InboundEvent]) -> tuple[dict[int, ChannelRef], Grouped, Grouped]:
    """Every message and status of the batch, grouped by the channel it belongs to, in order."""
    channels: dict[int, ChannelRef] = {}
    messages: Grouped = defaultdict(list)
    statuses: Grouped = defaultdict(list)
    for event in events:
        try:
            parsed = rt.registry.get(event.kind).parse(event.body.encode())
        except PayloadError as exc:
            event.error = str(exc)
            log.warning("inbound event %s could not be parsed: %s", event.id, exc)
            continue
        for item in parsed:
            channel = await rt.channels.by_external(session, event.kind, item.channel_external_id)
            if channel is None:
                log.warning("inbound %s for unknown number %s dropped", event.kind, item.channel_external_id)
                continue
            channels[channel.id] = channel
            if isinstance(item, InboundMessageEvent):
                messages[channel.id].append(item)
            elif isinstance(item, InboundStatusEvent):
                statuses[channel.id].append(item)
    return channels, messages, statuses


async def _store_messages(rt: Runtime, session: AsyncSession, channel: ChannelRef,
                          items: list[InboundMessageEvent]) -> None:
    now = rt.clock.now()
    stored = await service.message_ids_by_provider(session, channel.id, [i.provider_message_id for i in items])
    fresh = list({i.provider_message_id: i for i in reversed(items)
                  if i.provider_message_id not in stored}.values())[::-1]  # once each, in order
    if not fresh:
        return
    caps = rt.registry.get(channel.kind).capabilities
    contacts = await resolve_identities(session, workspace_id=channel.workspace_id, kind=channel.kind, now=now,
                                        senders=[Sender(i.sender_id, i.sender_name,
                                                        f"+{i.sender_id}" if caps.identity_is_phone else None)
                                                 for i in fresh])
    convs = await service.current_conversations(session, workspace_id=channel.workspace_id, channel_id=channel.id,
                                                contact_ids=[contacts[i.sender_id].id for i in fresh], now=now)
    quoted = await service.message_ids_by_provider(
        session, channel.id, [i.reply_to_provider_id for i in fresh if i.reply_to_provider_id])
    added: list[tuple[Message, bool]] = []
    for item in fresh:
        conv = convs[contacts[item.sender_id].id]
        message = service.record_inbound(session, conv, item, now=now,
                                         reply_to_id=quoted.get(item.reply_to_provider_id or ""))
        added.append((message, item.media is not None))
    await session.flush()
    service.after_inbound(session, added, now=now)
