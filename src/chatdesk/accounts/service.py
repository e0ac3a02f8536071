"""Workspaces, users, memberships and API tokens."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.crypto import new_token, token_hash
from ..core.errors import Problem
from .models import ROLES, ApiToken, Membership, User, Workspace
from .passwords import hash_password


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48] or "workspace"


def check_timezone(timezone: str) -> str:
    """An IANA time zone name (``Europe/Amsterdam``), as the inbox shows times in it."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = timezone.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Problem(422, "invalid_timezone", "Unknown time zone",
                      f"{name!r} is not a time zone name such as Europe/Amsterdam or UTC") from None
    return name


async def create_workspace(session: AsyncSession, name: str, *, now: datetime,
                           timezone: str = "UTC") -> Workspace:
    """A new workspace with a unique slug derived from its name (``demo-shop``, ``demo-shop-2``)."""
    name = name.strip()
    if not name:
        raise Problem(422, "invalid_name", "A workspace needs a name")
    timezone = check_timezone(timezone)
    base = slugify(name)
    taken = set((await session.execute(
        select(Workspace.slug).where(Workspace.slug.like(f"{base}%")))).scalars())
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    workspace = Workspace(slug=slug, name=name, timezone=timezone, created_at=now)
    session.add(workspace)
    await session.flush()
    return workspace


async def workspace_by_slug(session: AsyncSession, slug: str) -> Workspace:
    workspace = (await session.execute(select(Workspace).where(Workspace.slug == slug))).scalar_one_or_none()
    if workspace is None:
        raise Problem(404, "workspace_not_found", f"No workspace with slug {slug!r}")
    return workspace


async def add_user(session: AsyncSession, workspace: Workspace, email: str, role: str, *,
                   now: datetime, password: str | None = None, password_hash: str | None = None,
                   name: str = "", reset_password: bool = False) -> User:
    """Create the user if new, and give them ``role`` in the workspace.

    ``password_hash`` is one hashed before the transaction (``passwords.hash_password``); a plain
    ``password`` is hashed here, holding the transaction ~0.1 s longer (the CLI, tests).
    A password is set only on a new user. An existing account's password is its owner's: an
    admin of another workspace choosing it would be an account takeover (issue 12), so it is
    refused unless ``reset_password`` (the operator's CLI, which owns every account) says so.
    """
    email = email.strip().lower()
    if role not in ROLES:
        raise Problem(422, "invalid_role", f"Role must be one of {', '.join(ROLES)}")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise Problem(422, "invalid_email", f"{email!r} is not an email address")
    user = (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()
    if password:
        password_hash = await hash_password(password)
    if user is not None and password_hash and not reset_password:
        raise Problem(409, "user_exists", "This email already has an account: invite it instead")
    if user is None:
        user = User(email=email, name=name or email.split("@")[0], created_at=now)
        session.add(user)
    if password_hash:
        user.password_hash = password_hash
    await session.flush()
    membership = (await session.execute(select(Membership).where(
        Membership.workspace_id == workspace.id, Membership.user_id == user.id))).scalar_one_or_none()
    if membership is None:
        session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=role, created_at=now))
    else:
        membership.role = role
    await session.flush()
    return user


async def create_token(session: AsyncSession, workspace: Workspace, *, now: datetime, name: str = "") -> str:
    """A new API token for the workspace. The token itself is returned once and never stored."""
    token = new_token("cd")
    session.add(ApiToken(workspace_id=workspace.id, name=name, token_hash=token_hash(token), created_at=now))
    await session.flush()
    return token


async def workspace_for_token(session: AsyncSession, token: str) -> int | None:
    row = (await session.execute(select(ApiToken.workspace_id).where(
        ApiToken.token_hash == token_hash(token)))).scalar_one_or_none()
    return row


async def touch_token(session: AsyncSession, token: str, now: datetime) -> None:
    await session.execute(update(ApiToken).where(ApiToken.token_hash == token_hash(token))
                          .values(last_used_at=now))


async def update_workspace(session: AsyncSession, workspace_id: int, *, name: str, timezone: str) -> Workspace:
    """Rename a workspace or change its time zone (its slug, in every URL, stays)."""
    workspace = await session.get(Workspace, workspace_id)
    if workspace is None:
        raise Problem(404, "not_found", "Workspace not found")
    if not name.strip():
        raise Problem(422, "invalid_name", "A workspace needs a name")
    workspace.name, workspace.timezone = name.strip()[:200], check_timezone(timezone)
    return workspace
