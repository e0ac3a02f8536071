"""Whether the secret key opens the channel secrets stored in the database (issue 12, defect 7).

A lost ``secret.key`` used to be replaced silently: ``serve`` reported ready and every webhook
answered 500 until Meta disabled the webhook. ``serve``, ``worker`` and ``/readyz`` ask here
first; the newest stored secrets stand for all (one key encrypts them all).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.crypto import BadSecretKey, Cipher
from ..core.db import Database
from ..core.settings import Settings
from .models import Channel


async def newest_secrets(session: AsyncSession) -> str | None:
    """The encrypted secrets of the newest channel that has any; None on a new install."""
    return (await session.execute(select(Channel.secrets).where(Channel.secrets != "")
                                  .order_by(Channel.id.desc()).limit(1))).scalar_one_or_none()


def key_problem(cipher: Cipher | None, stored: str | None) -> str | None:
    """None when ``cipher`` (None: no key configured) can open ``stored``; else one line saying why not."""
    if stored is None:
        return None
    if cipher is None:
        return ("no secret key (CHATDESK_SECRET_KEY or DATA_DIR/secret.key), but the database holds encrypted "
                "channel secrets: restore the key they were encrypted with")
    try:
        cipher.decrypt(stored)
    except ValueError:
        return ("the secret key does not decrypt the channel secrets stored in the database: restore the key "
                "they were encrypted with (CHATDESK_SECRET_KEY or DATA_DIR/secret.key)")
    return None


async def check_secret_key(settings: Settings) -> None:
    """Raises ``BadSecretKey`` (one line) when the key is too short, or is gone or another one
    while the database holds secrets encrypted with it. Never makes a key: only a new install
    (nothing stored) gets one generated, later, by ``Settings.encryption_key``."""
    key = settings.stored_key()
    db = Database(settings.db_url)
    try:
        async with db.reader() as session:
            stored = await newest_secrets(session)
    finally:
        await db.dispose()
    problem = key_problem(Cipher(key) if key else None, stored)
    if problem:
        raise BadSecretKey(problem)
