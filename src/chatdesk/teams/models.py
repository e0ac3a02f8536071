"""Tables of the teams domain."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, Id, UTCDateTime


class Team(Base):
    """A group of agents in one workspace (e.g. "Returns", "Sales")."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # routing (0022): new conversations of the team go round robin to its online agents, each
    # holding at most ``assign_cap`` open ones (None: no cap); the last one given one
    auto_assign: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    assign_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_assigned_id: Mapped[int | None] = mapped_column(Id, nullable=True)

    __table_args__ = (UniqueConstraint("workspace_id", "name"),)


class TeamMember(Base):
    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    __table_args__ = (UniqueConstraint("team_id", "user_id"),)
