"""Automatic assignment. A conversation that lands in a team with automatic assignment (and no
agent) is given, by the ``conversation.route`` job, to the next ONLINE agent of the team in
round-robin order whose open conversations are under the team's cap. ``choose_assignee`` is
the pure policy; the rest reads its inputs and applies its answer through ``triage``.
Also "assign to the first replier": an agent's reply to an unassigned conversation takes it
when the workspace says so."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts import presence
from ..core.clock import Clock
from ..core.db import Database
from ..core.jobs import ClaimedJob, JobKind, JobPayload, enqueue
from ..core.states import ConversationStatus
from ..teams import service as teams
from . import triage
from .models import Conversation


def choose_assignee(agents: Sequence[int], loads: Mapping[int, int], last_assigned: int | None,
                    cap: int | None) -> int | None:
    """The agent who gets the next conversation: the first of ``agents`` (available, in a fixed
    order) after ``last_assigned``, wrapping round, whose load is under ``cap`` (None: no cap).
    None when every one of them is full (or there is none): the conversation waits in the team."""
    order = sorted(agents)
    start = next((i for i, a in enumerate(order) if last_assigned is not None and a > last_assigned), 0)
    for agent in order[start:] + order[:start]:
        if cap is None or loads.get(agent, 0) < cap:
            return agent
    return None


class RouteConversation(JobPayload):
    """Give a conversation that arrived in a team to one of the team's agents."""

    conversation_id: int


ROUTE = JobKind("conversation.route", RouteConversation)
UNRESOLVED = (ConversationStatus.OPEN, ConversationStatus.PENDING, ConversationStatus.SNOOZED)


def route_later(session: AsyncSession, conv: Conversation, *, now: datetime) -> None:
    """Queue routing for ``conv`` in the caller's transaction (it runs once that commits)."""
    enqueue(session, ROUTE, RouteConversation(conversation_id=conv.id), now=now, workspace_id=conv.workspace_id)


async def open_loads(session: AsyncSession, workspace_id: int, agents: list[int]) -> dict[int, int]:
    """How many unresolved conversations each agent holds."""
    if not agents:
        return {}
    rows = (await session.execute(select(Conversation.assignee_id, func.count()).where(
        Conversation.workspace_id == workspace_id, Conversation.assignee_id.in_(agents),
        Conversation.status.in_(UNRESOLVED)).group_by(Conversation.assignee_id))).all()
    return {agent: n for agent, n in rows if agent is not None}


async def route(session: AsyncSession, conv: Conversation, *, now: datetime) -> int | None:
    """Assign ``conv`` by its team's round robin; the agent chosen, or None (left in the team)."""
    if conv.team_id is None or conv.assignee_id is not None or conv.status == ConversationStatus.RESOLVED:
        return None
    team = await teams.lock_for_routing(session, conv.workspace_id, conv.team_id)
    if not team.auto_assign:
        return None
    members = (await teams.members(session, conv.workspace_id)).get(team.id, [])
    online = await presence.online_agents(session, conv.workspace_id, members, now)
    agent = choose_assignee(online, await open_loads(session, conv.workspace_id, online),
                            team.last_assigned_id, team.assign_cap)
    if agent is not None:
        await triage.change(session, conv, triage.StateChange(assignee_id=agent), now=now)
        team.last_assigned_id = agent
    return agent


def route_handler(db: Database, clock: Clock) -> Any:
    """The ``conversation.route`` job: one conversation, in its own transaction (its row and its
    team's locked on PostgreSQL: jobs of one team run in turn, a retry cannot assign twice)."""
    async def handle(job: ClaimedJob) -> None:
        payload = ROUTE.parse(job)
        async with db.session() as session:
            conv = await session.get(Conversation, payload.conversation_id, with_for_update=True)
            if conv is not None:
                await route(session, conv, now=clock.now())
    return handle


async def first_replier(session: AsyncSession, conv: Conversation, agent_id: int, *, now: datetime) -> None:
    """An agent replied: if nobody has the conversation and the workspace assigns to the first
    replier, it is theirs."""
    if conv.assignee_id is not None:
        return
    if await presence.first_replier_assigned(session, conv.workspace_id):
        await triage.change(session, conv, triage.StateChange(assignee_id=agent_id), now=now)
