"""Tables of the accounts domain: workspaces, users, memberships, API tokens, invites."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, Id, UTCDateTime

ROLES = ("owner", "admin", "agent")


class Workspace(Base):
    """A business: the tenant every other row belongs to."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    default_region: Mapped[str | None] = mapped_column(String(2), nullable=True)  # phones without +CC
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # routing (0022): an unassigned conversation goes to the agent who first replies to it
    assign_first_replier: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The agent's own page (issue 16); None means the default (accounts/profile.py says which).
    avatar_color: Mapped[str | None] = mapped_column(String(16), nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    notify_sound: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    notify_desktop: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    notify_kinds: Mapped[str | None] = mapped_column(String(100), nullable=True)  # comma-separated


class Membership(Base):
    """A user's role in one workspace; a user can belong to several."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # presence (0022, accounts/presence.py): what the agent chose (online, away, offline), when their
    # inbox last said it is open (heartbeat) and when they last did something in it
    availability: Mapped[str] = mapped_column(String(8), default="online", server_default="online")
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    active_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)


class ApiToken(Base):
    """A REST API bearer token. Only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Invite(Base):
    """An open invitation to join a workspace with a role."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BrowserSession(Base):
    """A signed-in browser. The cookie names it (by a token stored only as a hash), so signing
    out ends it here too: a copied cookie stops working at once, not after 14 days."""

    __tablename__ = "browser_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
