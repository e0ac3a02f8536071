"""Messaging limits, applied: a number's tier and quality rating (kept from the provider's
webhooks or set by hand), its business-initiated conversations of the last 24 h, and the check
the send path runs before a template opens one (the decision itself is ``limits.py``, pure)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.base import NumberStatusEvent
from ..channels.models import Channel
from ..core.errors import Problem
from ..core.events import emit
from . import limits
from .limit_events import ChannelQualityUpdated, MessagingLimitWarning
from .models import Conversation, Message


async def first_sends(session: AsyncSession, workspace_id: int, channel_id: int,
                      now: datetime) -> dict[int, datetime]:
    """Each customer's first business-initiated send on the number in the last 24 h."""
    rows = (await session.execute(
        select(Conversation.contact_id, func.min(Message.created_at))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.workspace_id == workspace_id, Message.channel_id == channel_id, Message.initiated.is_(True),
               Message.created_at > now - limits.ROLLING, Message.status != "failed")
        .group_by(Conversation.contact_id))).all()
    return {contact_id: at for contact_id, at in rows}


async def usage(session: AsyncSession, channel: Channel, now: datetime) -> limits.Usage:
    return limits.usage(channel.messaging_tier, await first_sends(session, channel.workspace_id, channel.id, now), now)


async def admit(session: AsyncSession, conv: Conversation, now: datetime) -> bool:
    """Before a business-initiated send in ``conv``: refuse it (429 ``messaging_limit_reached``)
    when the number is at its limit; True when it opens a newly counted conversation. Locks the
    number's row on PostgreSQL so concurrent sends count one after the other."""
    tier = (await session.execute(select(Channel.messaging_tier).where(Channel.id == conv.channel_id)
                                  .with_for_update())).scalar_one_or_none()
    first = await first_sends(session, conv.workspace_id, conv.channel_id, now)
    decision = limits.decide(tier, first, conv.contact_id, now)
    if decision.refusal is not None:
        u = limits.usage(tier, first, now)
        r = decision.refusal
        raise Problem(r.status, r.code, r.title, r.detail, detail_msg=(r.message, r.values),
                      limit=u.limit, used=u.used, frees_at=u.frees_at.isoformat() if u.frees_at else None)
    if decision.crosses_warning and tier:
        u = limits.usage(tier, {**first, conv.contact_id: now}, now)
        emit(session, MessagingLimitWarning(workspace_id=conv.workspace_id, channel_id=conv.channel_id, tier=tier,
                                            limit=u.limit or 0, used=u.used, frees_at=u.frees_at))
    return decision.counts


def set_quality(session: AsyncSession, channel: Channel, *, tier: str | None = None,
                quality: str | None = None) -> bool:
    """Record a number's tier and/or quality rating (None: unchanged); True if either changed."""
    if tier is not None and tier not in limits.TIERS and tier != "TIER_NOT_SET":
        raise Problem(422, "invalid_tier", "Unknown messaging limit tier",
                      f"one of {', '.join(limits.SETTABLE)}", tier=tier)
    if quality is not None and quality not in limits.QUALITIES:
        raise Problem(422, "invalid_quality", "Unknown quality rating", f"one of {', '.join(limits.QUALITIES)}")
    new_tier = tier if tier is not None else channel.messaging_tier
    new_quality = quality if quality is not None else channel.quality_rating
    if (new_tier, new_quality) == (channel.messaging_tier, channel.quality_rating):
        return False
    channel.messaging_tier, channel.quality_rating = new_tier, new_quality
    emit(session, ChannelQualityUpdated(workspace_id=channel.workspace_id, channel_id=channel.id,
                                        tier=new_tier, quality=new_quality))
    return True


async def number_changed(session: AsyncSession, kind: str, change: NumberStatusEvent) -> None:
    """Apply a provider's tier/quality webhook to the channels of ``kind`` with that display
    number (of that business account, when the channel knows its account)."""
    digits = "".join(ch for ch in change.display_number if ch.isdigit())
    if not digits:
        return
    channels = (await session.execute(select(Channel).where(
        Channel.kind == kind, Channel.display.in_([digits, f"+{digits}", change.display_number])))).scalars()
    for channel in channels:
        account = (channel.config or {}).get("waba_id")
        if change.account_id and account and account != change.account_id:
            continue
        tier = change.tier if change.tier in limits.TIERS or change.tier == "TIER_NOT_SET" else None
        set_quality(session, channel, tier=tier, quality=change.quality)
