"""Sends that wait for a channel's re-authorisation.

When the provider refuses a channel's credentials (WhatsApp's 190), the message is not failed:
its attempt is recorded as ``parked``, the channel is marked as needing re-authorisation, and
the send job ends. Nothing was sent (the provider refused the request), so nothing can be
doubled. When the operator replaces the credentials, ``resume`` queues the parked messages
again, oldest first, in the same transaction. Both take the channel's row lock, so a message
is parked either before the replacement (and resumed by it) or not at all.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.base import ChannelError
from ..channels.models import Channel
from ..channels.service import ChannelRef, mark_reauth, replace_secrets
from ..core.crypto import Cipher
from ..core.jobs import enqueue
from . import policy
from .jobs import SEND_MESSAGE, SendMessage
from .models import Message, SendAttempt

PARKED = "parked"


async def park(session: AsyncSession, cipher: Cipher, ref: ChannelRef, attempt_id: int,
               exc: ChannelError, now: datetime) -> bool:
    """Park the attempt's message; False when the credentials changed since ``ref`` was read
    (send again with the new ones instead)."""
    if not await mark_reauth(session, cipher, ref, code=exc.code, error=exc.title[:300], now=now):
        return False
    row = await session.get_one(SendAttempt, attempt_id)
    row.outcome, row.error_code, row.error_title, row.detail = PARKED, exc.code, exc.title[:300], exc.detail
    return True


async def resume(session: AsyncSession, channel_id: int, now: datetime) -> int:
    """Queue again every still-queued message of the channel whose last attempt was parked
    (call in the transaction that stores the new credentials). Returns how many."""
    last = (select(SendAttempt.message_id, func.max(SendAttempt.id).label("last_id"))
            .group_by(SendAttempt.message_id).subquery())
    rows = (await session.execute(
        select(Message.id, Message.workspace_id)
        .join(last, last.c.message_id == Message.id)
        .join(SendAttempt, SendAttempt.id == last.c.last_id)
        .where(Message.channel_id == channel_id, Message.status == "queued", SendAttempt.outcome == PARKED)
        .order_by(Message.id))).all()
    for message_id, workspace_id in rows:
        enqueue(session, SEND_MESSAGE, SendMessage(message_id=message_id), now=now, workspace_id=workspace_id,
                max_attempts=policy.MAX_SEND_ATTEMPTS)
    return len(rows)


async def reauthorise(session: AsyncSession, cipher: Cipher, channel: Channel, secrets: dict[str, Any],
                      health: dict[str, Any], now: datetime) -> int:
    """Store the operator's new credentials and queue the sends that waited for them, in one
    transaction. Returns how many were queued again."""
    await replace_secrets(session, cipher, channel, secrets, health)
    return await resume(session, channel.id, now)
