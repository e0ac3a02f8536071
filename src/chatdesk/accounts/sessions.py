"""Browser sessions kept server-side: started at sign-in, ended at sign-out (issue 12).

The cookie stays a signed value (``inbox/security.py``) and now also carries a random token
whose hash is a ``browser_sessions`` row; a cookie whose row is gone (signed out, expired,
pruned) signs nobody in.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.crypto import new_token, token_hash
from ..core.db import table_of
from ..core.retention import Prunable
from .models import BrowserSession, User

SESSION_TTL = timedelta(days=14)
PRUNABLE = [Prunable(table_of(BrowserSession), "expires_at")]


async def start(session: AsyncSession, user_id: int, now: datetime) -> str:
    """A new session of the user; returns its token (for the cookie; stored only as a hash)."""
    token = new_token("ses")
    session.add(BrowserSession(user_id=user_id, token_hash=token_hash(token), created_at=now,
                               expires_at=now + SESSION_TTL))
    await session.flush()
    return token


async def end(session: AsyncSession, token: str) -> None:
    await session.execute(delete(BrowserSession).where(BrowserSession.token_hash == token_hash(token)))


async def user_of(session: AsyncSession, user_id: int, token: str, now: datetime) -> User | None:
    """The user of a live session: the token's row exists, is this user's and has not expired."""
    return (await session.execute(select(User).join(BrowserSession, BrowserSession.user_id == User.id).where(
        BrowserSession.token_hash == token_hash(token), User.id == user_id,
        BrowserSession.expires_at > now))).scalar_one_or_none()
