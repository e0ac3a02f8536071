"""Creating teams and managing their members. Every call is scoped by workspace."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.models import Membership
from ..core.db import get_in_workspace
from ..core.errors import Problem, not_found
from .models import Team, TeamMember


async def list_teams(session: AsyncSession, workspace_id: int) -> list[Team]:
    return list((await session.execute(select(Team).where(Team.workspace_id == workspace_id)
                                       .order_by(Team.name))).scalars())


async def get_team(session: AsyncSession, workspace_id: int, team_id: int) -> Team:
    return await get_in_workspace(session, Team, workspace_id, team_id)


async def create_team(session: AsyncSession, workspace_id: int, name: str, *, now: datetime) -> Team:
    name = name.strip()
    if not name:
        raise Problem(422, "invalid_name", "A team needs a name")
    exists = (await session.execute(select(Team.id).where(Team.workspace_id == workspace_id,
                                                          Team.name == name))).scalar_one_or_none()
    if exists is not None:
        raise Problem(409, "team_exists", f"There is already a team called {name!r}")
    team = Team(workspace_id=workspace_id, name=name, created_at=now)
    session.add(team)
    await session.flush()
    return team


async def delete_team(session: AsyncSession, workspace_id: int, team_id: int) -> None:
    await session.delete(await get_team(session, workspace_id, team_id))
    await session.flush()


async def members(session: AsyncSession, workspace_id: int) -> dict[int, list[int]]:
    """team id → user ids, for every team of the workspace."""
    rows = (await session.execute(select(TeamMember.team_id, TeamMember.user_id)
                                  .join(Team, Team.id == TeamMember.team_id)
                                  .where(Team.workspace_id == workspace_id))).all()
    out: dict[int, list[int]] = {}
    for team_id, user_id in rows:
        out.setdefault(team_id, []).append(user_id)
    return out


async def set_member(session: AsyncSession, workspace_id: int, team_id: int, user_id: int, member: bool) -> None:
    """Add or remove a member; only users of the same workspace can join."""
    await get_team(session, workspace_id, team_id)
    in_ws = (await session.execute(select(Membership.id).where(
        Membership.workspace_id == workspace_id, Membership.user_id == user_id))).scalar_one_or_none()
    if in_ws is None:
        raise not_found("User")
    await session.execute(delete(TeamMember).where(TeamMember.team_id == team_id, TeamMember.user_id == user_id))
    if member:
        session.add(TeamMember(team_id=team_id, user_id=user_id))
    await session.flush()



MAX_CAP = 1000


async def set_routing(session: AsyncSession, workspace_id: int, team_id: int, *, auto_assign: bool,
                      cap: int | None) -> Team:
    """Automatic assignment on or off, and the most open conversations an agent is given (None: no cap)."""
    if cap is not None and not 1 <= cap <= MAX_CAP:
        raise Problem(422, "invalid_cap", f"The cap is a number from 1 to {MAX_CAP}, or empty for none")
    team = await get_team(session, workspace_id, team_id)
    team.auto_assign, team.assign_cap = auto_assign, cap
    await session.flush()
    return team


async def lock_for_routing(session: AsyncSession, workspace_id: int, team_id: int) -> Team:
    """The team, its row locked until the caller commits (PostgreSQL): workers routing the same
    team's conversations take turns, each seeing the last one's choice and loads."""
    team = (await session.execute(select(Team).where(Team.workspace_id == workspace_id, Team.id == team_id)
                                  .with_for_update().execution_options(populate_existing=True))).scalar_one_or_none()
    if team is None:
        raise not_found("Team")
    return team
