"""Reading an agent's notifications and marking them read (the bell, the REST API)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ..accounts.models import User, Workspace
from ..contacts.models import Contact
from ..conversations.models import Conversation
from .models import Notification

LIST_MAX = 50


@dataclass(frozen=True)
class Entry:
    """A notification as the bell lists it."""

    id: int
    kind: str
    conversation_id: int
    workspace_slug: str
    contact_name: str
    actor_name: str | None
    at: datetime
    read: bool


async def unread_count(session: AsyncSession, user_id: int, workspace_id: int | None = None) -> int:
    query = select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))
    if workspace_id is not None:
        query = query.where(Notification.workspace_id == workspace_id)
    return (await session.execute(query)).scalar_one()


async def recent(session: AsyncSession, user_id: int, workspace_id: int | None = None, *,
                 unread_only: bool = False, limit: int = LIST_MAX) -> list[Entry]:
    """The agent's newest notifications (of one workspace, or all), newest first."""
    actor = aliased(User)
    query = (select(Notification, Workspace.slug, Contact.name, actor.name)
             .join(Workspace, Workspace.id == Notification.workspace_id)
             .join(Conversation, Conversation.id == Notification.conversation_id)
             .join(Contact, Contact.id == Conversation.contact_id)
             .outerjoin(actor, actor.id == Notification.actor_id)
             .where(Notification.user_id == user_id).order_by(Notification.id.desc()).limit(min(limit, LIST_MAX)))
    if workspace_id is not None:
        query = query.where(Notification.workspace_id == workspace_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return [Entry(n.id, n.kind, n.conversation_id, slug, contact or "", actor_name, n.at, n.read_at is not None)
            for n, slug, contact, actor_name in (await session.execute(query)).all()]


async def mark_read(session: AsyncSession, user_id: int, *, now: datetime, ids: list[int] | None = None,
                    workspace_id: int | None = None) -> int:
    """Mark the agent's notifications read: those of ``ids``, else all (of the workspace, if
    given). Another agent's ids are ignored. Returns how many changed."""
    query = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    if workspace_id is not None:
        query = query.where(Notification.workspace_id == workspace_id)
    result = await session.execute(query.values(read_at=now))
    return int(getattr(result, "rowcount", 0) or 0)


async def get_own(session: AsyncSession, user_id: int, notification_id: int) -> Notification | None:
    found = await session.get(Notification, notification_id)
    return found if found is not None and found.user_id == user_id else None
