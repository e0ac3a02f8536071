"""The one service that changes a conversation's state: status (open, pending, snoozed,
resolved), assignment (agent, team), priority and labels, with the same checks and events for
the REST API, the inbox and (next) automation rules; plus the "someone is typing" signal.
Services only flush; events go out with the caller's commit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.models import Membership
from ..core.errors import Problem, not_found
from ..core.events import DomainEvent, EventBus, emit
from ..core.states import ConversationStatus, EventType, Priority
from . import labels
from .events import ConversationAssigned, ConversationStatusChanged, ConversationUpdated
from .models import Conversation

PRIORITIES = tuple(Priority)
UNSET: Any = object()  # "leave as it is", where None means "clear"


@dataclass(frozen=True)
class StateChange:
    """What to change about a conversation; what is left out stays as it is."""

    status: str | None = None
    snooze_until: datetime | None = None
    priority: str | None = None
    assignee_id: Any = UNSET  # int, or None to unassign
    team_id: Any = UNSET  # int, or None to clear
    label_ids: list[int] | None = None  # the whole set (replaces the current labels)
    actor_id: int | None = None  # the agent making the change (notifications skip their own)


async def change(session: AsyncSession, conv: Conversation, what: StateChange, *, now: datetime) -> None:
    """Apply ``what`` to ``conv``: each part with its own checks and event, all or nothing
    (a refusal raises ``Problem`` and the caller's transaction rolls back)."""
    if what.assignee_id is not UNSET or what.team_id is not UNSET:
        await assign(session, conv, now=now, assignee_id=what.assignee_id, team_id=what.team_id,
                     actor_id=what.actor_id)
    if what.status is not None:
        await set_status(session, conv, what.status, now=now, snooze_until=what.snooze_until)
    elif what.snooze_until is not None:
        raise Problem(422, "invalid_snooze", "A snooze time goes with the status snoozed")
    if what.priority is not None:
        await set_priority(session, conv, what.priority, now=now)
    if what.label_ids is not None:
        await labels.set_labels(session, conv, what.label_ids, now=now)


def _changed(session: AsyncSession, conv: Conversation, now: datetime, ev: DomainEvent) -> None:
    conv.updated_at = now
    emit(session, ev)


async def assign(session: AsyncSession, conv: Conversation, *, now: datetime, assignee_id: Any = UNSET,
                 team_id: Any = UNSET, actor_id: int | None = None) -> None:
    """Assign to an agent and/or a team (None clears). Both must belong to the conversation's workspace."""
    before = conv.assignee_id
    if assignee_id is not UNSET:
        if assignee_id is not None and (await session.execute(select(Membership.id).where(
                Membership.workspace_id == conv.workspace_id, Membership.user_id == assignee_id))
                ).scalar_one_or_none() is None:
            raise not_found("Agent")
        conv.assignee_id = assignee_id
    if team_id is not UNSET:
        if team_id is not None:
            from ..teams.service import (
                get_team,  # teams sit beside accounts; imported lazily
            )
            team = await get_team(session, conv.workspace_id, team_id)
            if team.auto_assign and conv.assignee_id is None and conv.team_id != team_id:
                from .routing import route_later  # routing assigns through this module
                route_later(session, conv, now=now)
        conv.team_id = team_id
    _changed(session, conv, now, ConversationAssigned(workspace_id=conv.workspace_id, conversation_id=conv.id,
                                                      assignee_id=conv.assignee_id, team_id=conv.team_id,
                                                      actor_id=actor_id, assignee_changed=conv.assignee_id != before))
    await session.flush()


async def set_status(session: AsyncSession, conv: Conversation, status: str, *, now: datetime,
                     snooze_until: datetime | None = None) -> None:
    """open | pending | resolved | snoozed (until a future time)."""
    if status not in tuple(ConversationStatus):
        raise Problem(422, "invalid_status", f"Unknown status {status!r}")
    if status == ConversationStatus.SNOOZED:
        if snooze_until is None or snooze_until <= now:
            raise Problem(422, "invalid_snooze", "Snooze until a time in the future")
        conv.snoozed_until = snooze_until
    else:
        conv.snoozed_until = None
    if status != ConversationStatus.RESOLVED and conv.status == ConversationStatus.RESOLVED:
        await _check_reopen(session, conv)
    conv.status = status
    _changed(session, conv, now, ConversationStatusChanged(workspace_id=conv.workspace_id, conversation_id=conv.id,
                                                           status=status, snoozed_until=conv.snoozed_until))
    await session.flush()


async def _check_reopen(session: AsyncSession, conv: Conversation) -> None:
    """Only one unresolved conversation per contact and channel: a newer one blocks reopening."""
    other = (await session.execute(select(Conversation.id).where(
        Conversation.channel_id == conv.channel_id, Conversation.contact_id == conv.contact_id,
        Conversation.id != conv.id, Conversation.status != ConversationStatus.RESOLVED))).scalar_one_or_none()
    if other is not None:
        raise Problem(409, "newer_conversation_open", "The customer has a newer open conversation",
                      f"Continue in conversation #{other}.")


async def set_priority(session: AsyncSession, conv: Conversation, priority: str, *, now: datetime) -> None:
    if priority not in PRIORITIES:
        raise Problem(422, "invalid_priority", f"Priority must be one of {', '.join(PRIORITIES)}")
    conv.priority = priority
    _changed(session, conv, now, ConversationUpdated(workspace_id=conv.workspace_id, conversation_id=conv.id,
                                                     priority=priority))
    await session.flush()


def effective_status(conv: Conversation, now: datetime) -> str:
    """A snooze that has run out shows as open (no job needed: the next message reopens it anyway)."""
    if conv.status == ConversationStatus.SNOOZED and conv.snoozed_until is not None and conv.snoozed_until <= now:
        return ConversationStatus.OPEN
    return conv.status


async def typing(bus: EventBus, workspace_id: int, conversation_id: int, *, user_id: int, name: str,
                 mode: str) -> None:
    """Tell the other agents someone is writing here (no database write: it is ephemeral)."""
    await bus.publish(workspace_id, {"type": EventType.TYPING.value, "conversation_id": conversation_id,
                                     "user_id": user_id, "name": name, "mode": "note" if mode == "note" else "reply"})
