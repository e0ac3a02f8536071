"""The ``inbound.process`` job: stored webhook bodies → contacts, conversations, messages and
statuses. Runs as a batch handler: many events in one transaction, with the jobs' deletion.

Exactly once: a message whose provider id is already stored (Meta redelivered it inside
another batch) is skipped; statuses are kept once per (message, status) and only move forward.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.base import InboundMessageEvent, InboundStatusEvent, PayloadError
from ..channels.models import InboundEvent
from ..channels.service import ChannelRef
from ..contacts.service import resolve_identity
from ..core.jobs import ClaimedJob
from ..core.runtime import Runtime
from . import service
from .models import Conversation, Message

log = logging.getLogger("chatdesk.ingest")


def inbound_handler(rt: Runtime):
    async def handle(session: AsyncSession, jobs: list[ClaimedJob]) -> None:
        ids = [job.payload["event_id"] for job in jobs]
        events = (await session.execute(select(InboundEvent).where(InboundEvent.id.in_(ids))
                                        .order_by(InboundEvent.id))).scalars().all()
        batch = _Batch(rt, session)
        for event in events:
            await batch.process(event)
        await session.execute(update(InboundEvent).where(InboundEvent.id.in_(ids))
                              .values(processed_at=rt.clock.now()))
    return handle


class _Batch:
    """Per-batch caches, so a burst from one customer does not repeat the same lookups."""

    def __init__(self, rt: Runtime, session: AsyncSession):
        self.rt, self.session = rt, session
        self.now: datetime = rt.clock.now()
        self.conversations: dict[tuple[int, str], tuple[Conversation, str | None]] = {}
        self.seen: set[tuple[int, str]] = set()

    async def process(self, event: InboundEvent) -> None:
        adapter = self.rt.registry.get(event.kind)
        try:
            parsed = adapter.parse(event.body.encode())
        except PayloadError as exc:
            event.error = str(exc)
            log.warning("inbound event %s could not be parsed: %s", event.id, exc)
            return
        for item in parsed:
            channel = await self.rt.channels.by_external(self.session, event.kind, item.channel_external_id)
            if channel is None:
                log.warning("inbound %s for unknown number %s dropped", event.kind, item.channel_external_id)
            elif isinstance(item, InboundMessageEvent):
                await self.message(channel, item)
            elif isinstance(item, InboundStatusEvent):
                await service.record_status(self.session, channel.id, item)

    async def message(self, channel: ChannelRef, item: InboundMessageEvent) -> None:
        key = (channel.id, item.provider_message_id)
        if key in self.seen or await self._stored(key):
            return
        self.seen.add(key)
        conv = await self._conversation(channel, item)
        await service.record_inbound(self.session, conv, item, now=self.now)

    async def _stored(self, key: tuple[int, str]) -> bool:
        found = (await self.session.execute(select(Message.id).where(
            Message.channel_id == key[0], Message.provider_message_id == key[1]))).first()
        return found is not None

    async def _conversation(self, channel: ChannelRef, item: InboundMessageEvent) -> Conversation:
        key = (channel.id, item.sender_id)
        conv, name = self.conversations.get(key, (None, None))
        if conv is None or (item.sender_name and item.sender_name != name):
            caps = self.rt.registry.get(channel.kind).capabilities
            contact = await resolve_identity(
                self.session, workspace_id=channel.workspace_id, kind=channel.kind,
                external_id=item.sender_id, profile_name=item.sender_name,
                phone=f"+{item.sender_id}" if caps.identity_is_phone else None, now=self.now)
            conv = await service.current_conversation(self.session, workspace_id=channel.workspace_id,
                                                      channel_id=channel.id, contact_id=contact.id, now=self.now)
            self.conversations[key] = (conv, item.sender_name)
        return conv
