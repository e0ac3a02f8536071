"""Bulk actions on selected conversations: assign, label, resolve, snooze (and pending, reopen).

One call changes every selected conversation of the workspace through ``triage.change`` (the
same checks and events as one at a time, so every agent's list updates live), all in the
caller's one transaction: a refusal for one (a label of another workspace, a reopen blocked by
a newer conversation) refuses the whole request. Ids that name no conversation of the
workspace are left alone and reported back, never touched.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.errors import Problem
from ..core.states import ConversationStatus
from . import labels, triage
from .models import Conversation

MAX_IDS = 500


class BulkAction(StrEnum):
    ASSIGN = "assign"  # assignee_id and/or team_id (null clears)
    LABEL = "label"  # add label_ids to each (the labels they have stay)
    RESOLVE = "resolve"
    SNOOZE = "snooze"  # until snooze_until
    PENDING = "pending"
    OPEN = "open"


@dataclass(frozen=True)
class Bulk:
    action: BulkAction
    assignee_id: Any = triage.UNSET
    team_id: Any = triage.UNSET
    label_ids: tuple[int, ...] = ()
    snooze_until: datetime | None = None


@dataclass
class BulkResult:
    updated: list[int] = field(default_factory=list)
    ignored: list[int] = field(default_factory=list)  # not conversations of this workspace


STATUS_OF = {BulkAction.RESOLVE: ConversationStatus.RESOLVED, BulkAction.SNOOZE: ConversationStatus.SNOOZED,
             BulkAction.PENDING: ConversationStatus.PENDING, BulkAction.OPEN: ConversationStatus.OPEN}


async def apply(session: AsyncSession, workspace_id: int, ids: list[int], bulk: Bulk, *, now: datetime) -> BulkResult:
    """Apply ``bulk`` to the workspace's conversations among ``ids``; raises ``Problem`` (and the
    caller's transaction rolls back) when any one of them refuses."""
    if not ids or len(ids) > MAX_IDS:
        raise Problem(422, "invalid_selection", f"Select between 1 and {MAX_IDS} conversations")
    if bulk.action == BulkAction.LABEL and not bulk.label_ids:
        raise Problem(422, "invalid_request", "The request is not valid", "label needs label_ids")
    if bulk.action == BulkAction.ASSIGN and bulk.assignee_id is triage.UNSET and bulk.team_id is triage.UNSET:
        raise Problem(422, "invalid_request", "The request is not valid", "assign needs assignee_id or team_id")
    convs = list((await session.execute(select(Conversation).where(
        Conversation.workspace_id == workspace_id, Conversation.id.in_(set(ids))).order_by(Conversation.id))).scalars())
    current = await labels.labels_of(session, [c.id for c in convs]) if bulk.action == BulkAction.LABEL else {}
    for conv in convs:
        await triage.change(session, conv, _change(bulk, [x.id for x in current.get(conv.id, [])]), now=now)
    found = {c.id for c in convs}
    return BulkResult(updated=sorted(found), ignored=sorted(set(ids) - found))


def _change(bulk: Bulk, has_labels: list[int]) -> triage.StateChange:
    if bulk.action == BulkAction.ASSIGN:
        return triage.StateChange(assignee_id=bulk.assignee_id, team_id=bulk.team_id)
    if bulk.action == BulkAction.LABEL:
        return triage.StateChange(label_ids=sorted({*has_labels, *bulk.label_ids}))
    return triage.StateChange(status=STATUS_OF[bulk.action], snooze_until=bulk.snooze_until)
