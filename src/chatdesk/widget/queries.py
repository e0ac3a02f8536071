"""What a visitor may read: their own messages on this channel (never notes), and where to
find their conversation."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..contacts.models import Contact, ContactIdentity
from ..conversations.models import Conversation, Message
from ..core.states import MessageStatus

HISTORY_MAX = 200


async def contact_of(session: AsyncSession, channel_id: int, visitor: str) -> int | None:
    found = await session.execute(select(ContactIdentity.contact_id).where(
        ContactIdentity.channel_id == channel_id, ContactIdentity.external_id == visitor))
    return found.scalar_one_or_none()


async def conversation_ids(session: AsyncSession, channel_id: int, contact_id: int) -> list[int]:
    found = await session.execute(select(Conversation.id).where(
        Conversation.channel_id == channel_id, Conversation.contact_id == contact_id))
    return list(found.scalars())


async def messages_after(session: AsyncSession, channel_id: int, visitor: str, after: int,
                         limit: int = HISTORY_MAX) -> tuple[list[dict[str, Any]], list[int]]:
    """The visitor's messages with ids above ``after``, oldest first, and their conversations.
    A reply still in the outbox (no id yet) ends the list, so the cursor never passes it: it
    comes once the channel has "sent" it, with the id the widget's receipts name."""
    contact_id = await contact_of(session, channel_id, visitor)
    if contact_id is None:
        return [], []
    convs = await conversation_ids(session, channel_id, contact_id)
    if not convs:
        return [], []
    rows = (await session.execute(
        select(Message).where(Message.conversation_id.in_(convs), Message.id > after,
                              Message.status != MessageStatus.NOTE.value, Message.type != "note")
        .order_by(Message.id.desc() if after == 0 else Message.id).limit(limit))).scalars().all()
    rows = sorted(rows, key=lambda m: m.id)
    out: list[dict[str, Any]] = []
    for m in rows:
        if m.direction == "out" and m.provider_message_id is None and m.status != MessageStatus.FAILED.value:
            break
        out.append(_shown(m))
    return out, convs


def _shown(m: Message) -> dict[str, Any]:
    data = m.content_data if isinstance(m.content_data, dict) else m.content_data.model_dump()
    media = data.get("type") in ("image", "document") and data.get("stored")
    return {"id": m.id, "direction": m.direction, "type": m.type, "text": m.text or data.get("caption"),
            "ref": m.provider_message_id, "status": m.status, "at": m.created_at.isoformat(),
            "filename": data.get("filename") if media else None, "has_media": bool(media)}


async def set_verified_details(session: AsyncSession, contact_id: int, phone: str | None,
                               email: str | None) -> None:
    """A verified visitor's phone and email go on their contact when it has none yet."""
    contact = await session.get(Contact, contact_id)
    if contact is None:
        return
    if phone and not contact.phone:
        contact.phone = phone
    if email and not contact.email:
        contact.email = email
