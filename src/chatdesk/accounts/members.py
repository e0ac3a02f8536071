"""Signing in, the workspaces a user belongs to, members and invitations.

Invites are rows holding only a token's hash; the link (``/invite/<token>``) is shown once to
the admin and logged when no mailer is configured.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.crypto import new_token, token_hash
from ..core.errors import Problem, not_found
from .models import ROLES, Invite, Membership, User, Workspace
from .passwords import hash_password, password_matches, spend_a_verify
from .service import add_user

INVITE_TTL = timedelta(days=7)


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return (await session.execute(select(User).where(User.email == email.strip().lower()))).scalar_one_or_none()


async def authenticate(user: User | None, password: str) -> User | None:
    """``user`` if the password matches. An unknown email (None) costs the same argon2 time.
    Call it outside any transaction: the hash takes ~0.1 s in the hashing pool."""
    if user is None:
        await spend_a_verify(password)
        return None
    return user if await password_matches(user.password_hash, password) else None


async def has_account(session: AsyncSession, email: str) -> bool:
    """Whether a user with this email exists, with or without a password: then nobody but its
    owner (by its password, or signed in) may add it to a workspace."""
    return (await session.execute(select(User.id).where(
        User.email == email.strip().lower()))).scalar_one_or_none() is not None


async def user_workspaces(session: AsyncSession, user_id: int) -> list[tuple[Workspace, str]]:
    rows = (await session.execute(select(Workspace, Membership.role).join(
        Membership, Membership.workspace_id == Workspace.id).where(Membership.user_id == user_id)
        .order_by(Workspace.name))).all()
    return [(w, r) for w, r in rows]


async def membership(session: AsyncSession, user_id: int, slug: str) -> tuple[Workspace, str] | None:
    """The workspace named by ``slug`` and the user's role in it; None if not a member."""
    row = (await session.execute(select(Workspace, Membership.role).join(
        Membership, Membership.workspace_id == Workspace.id).where(
        Membership.user_id == user_id, Workspace.slug == slug))).first()
    return (row[0], row[1]) if row else None


async def workspace_users(session: AsyncSession, workspace_id: int) -> list[tuple[User, str]]:
    """(user, role) of every member of the workspace, by name."""
    rows = (await session.execute(select(User, Membership.role).join(Membership, Membership.user_id == User.id)
                                  .where(Membership.workspace_id == workspace_id).order_by(User.name))).all()
    return [(u, r) for u, r in rows]


async def is_member(session: AsyncSession, workspace_id: int, user_id: int) -> bool:
    return (await session.execute(select(Membership.id).where(
        Membership.workspace_id == workspace_id, Membership.user_id == user_id))).scalar_one_or_none() is not None


async def set_role(session: AsyncSession, workspace_id: int, user_id: int, role: str | None) -> None:
    """Change a member's role, or remove them (``role=None``). A workspace keeps at least one owner."""
    m = (await session.execute(select(Membership).where(
        Membership.workspace_id == workspace_id, Membership.user_id == user_id))).scalar_one_or_none()
    if m is None:
        raise not_found("Member")
    if role is not None and role not in ROLES:
        raise Problem(422, "invalid_role", f"Role must be one of {', '.join(ROLES)}")
    if m.role == "owner" and role != "owner":
        owners = (await session.execute(select(func.count()).where(
            Membership.workspace_id == workspace_id, Membership.role == "owner"))).scalar_one()
        if owners <= 1:
            raise Problem(422, "last_owner", "A workspace needs at least one owner")
    if role is None:
        await session.delete(m)
    else:
        m.role = role
    await session.flush()


async def create_invite(session: AsyncSession, workspace_id: int, email: str, role: str, *,
                        invited_by: int | None, now: datetime) -> str:
    """An invitation; returns the token for the link (stored only as a hash)."""
    email = email.strip().lower()
    if role not in ROLES:
        raise Problem(422, "invalid_role", f"Role must be one of {', '.join(ROLES)}")
    if "@" not in email or " " in email:
        raise Problem(422, "invalid_email", f"{email!r} is not an email address")
    token = new_token("inv")
    session.add(Invite(workspace_id=workspace_id, email=email, role=role, token_hash=token_hash(token),
                       invited_by=invited_by, created_at=now, expires_at=now + INVITE_TTL))
    await session.flush()
    return token


async def open_invite(session: AsyncSession, token: str, now: datetime) -> tuple[Invite, Workspace]:
    invite = (await session.execute(select(Invite).where(Invite.token_hash == token_hash(token))))\
        .scalar_one_or_none()
    if invite is None or invite.accepted_at is not None or invite.expires_at <= now:
        raise Problem(404, "invite_not_found", "This invitation is not valid (used or expired)")
    return invite, await session.get_one(Workspace, invite.workspace_id)  # the invite's own: a foreign key


@dataclass(frozen=True)
class InviteProof:
    """Who accepts an invitation, worked out before the writing transaction (argon2 must not hold
    SQLite's write lock): the existing account that proved itself, or a new one's hashed password."""

    user_id: int | None
    password_hash: str | None = None


async def prove_invitee(existing: User | None, password: str, signed_in: User | None) -> InviteProof:
    """A new user chooses a password; an existing user proves theirs, or accepts while signed in
    as that email (an invite link must never be a way to set someone's password: the inviter sees
    the link). An account without a password cannot prove anything, so it joins only once the
    operator has given it one."""
    if existing is None:
        if len(password) < 8:
            raise Problem(422, "weak_password", "Choose a password of at least 8 characters")
        return InviteProof(None, await hash_password(password))
    if not (signed_in is not None and signed_in.id == existing.id):
        if not existing.password_hash:
            raise Problem(422, "account_without_password",
                          "This email has an account without a password: ask your administrator to set one")
        if not await password_matches(existing.password_hash, password):
            raise Problem(422, "wrong_password", "This email already has an account: enter its current password")
    return InviteProof(existing.id)


async def accept_invite(session: AsyncSession, token: str, proof: InviteProof, *, name: str,
                        now: datetime) -> User:
    """Join the invite's workspace as ``proof`` says (see ``prove_invitee``)."""
    invite, workspace = await open_invite(session, token, now)
    existing = await user_by_email(session, invite.email)
    if (existing.id if existing else None) != proof.user_id:  # the account appeared since the proof
        raise Problem(409, "invite_changed", "This invitation changed meanwhile: open the link again")
    user = await add_user(session, workspace, invite.email, invite.role, now=now,
                          password_hash=proof.password_hash)
    if existing is None and name.strip():
        user.name = name.strip()[:200]
    invite.accepted_at = now
    await session.flush()
    return user


async def pending_invites(session: AsyncSession, workspace_id: int, now: datetime) -> list[Invite]:
    return list((await session.execute(select(Invite).where(
        Invite.workspace_id == workspace_id, Invite.accepted_at.is_(None), Invite.expires_at > now)
        .order_by(Invite.id.desc()))).scalars())
