"""Receipts given as a time (Messenger's ``delivery`` / ``read`` watermarks): every message we
sent the customer up to that time reached the status. They are turned into one receipt per such
message and kept like any other (``service.record_statuses``: once each, forward only)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.base import Capabilities, Explain, InboundStatusEvent, InboundWatermarkEvent
from ..contacts.models import ContactIdentity
from ..core.states import MessageStatus
from . import service
from .models import Conversation, Message

# an outbound message a watermark can still move forward
OPEN = (MessageStatus.PENDING, MessageStatus.SENT, MessageStatus.DELIVERED)


async def record_watermarks(session: AsyncSession, channel_id: int, marks: list[InboundWatermarkEvent],
                            explain: Explain, caps: Capabilities | None = None) -> None:
    receipts: list[InboundStatusEvent] = []
    for mark in marks:
        rows = await session.execute(
            select(Message.provider_message_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(ContactIdentity, (ContactIdentity.contact_id == Conversation.contact_id)
                  & (ContactIdentity.channel_id == channel_id))
            .where(ContactIdentity.external_id == mark.recipient_id, Message.channel_id == channel_id,
                   Message.direction == "out", Message.status.in_(OPEN), Message.provider_message_id.is_not(None),
                   Message.sent_at <= mark.up_to))
        receipts += [InboundStatusEvent(channel_external_id=mark.channel_external_id, provider_message_id=mid,
                                        status=mark.status, occurred_at=mark.up_to, recipient_id=mark.recipient_id)
                     for mid in rows.scalars() if mid]
    await service.record_statuses(session, channel_id, receipts, explain, caps)
