"""``Idempotency-Key`` for REST requests that create something (issue 12, defect 9).

A client that lost the answer to a send retries it; with the same key and the same request
within ``WINDOW`` it gets the first answer again and nothing is done twice; the same key with
another request is a 422. The key's row is written in the transaction that did the work, so the
work and the record of it commit together; a concurrent twin hits the unique key, rolls back,
and answers what the first one stored.
"""
from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, Database, Id, Json, UTCDateTime
from .errors import Problem

WINDOW = timedelta(hours=24)
MAX_KEY = 255


class IdempotencyKey(Base):
    """The first answer to a request made with a client's ``Idempotency-Key``."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (UniqueConstraint("workspace_id", "key"),)


def fingerprint(*parts: str | bytes) -> str:
    """What makes two requests the same request (their meaning, not a multipart boundary)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def checked_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY or not key.isprintable():
        raise Problem(422, "invalid_idempotency_key", "The Idempotency-Key header is not valid",
                      f"use 1 to {MAX_KEY} printable characters, e.g. a UUID")
    return key


async def _replay(session: AsyncSession, workspace_id: int, key: str, fp: str, now: datetime) -> JSONResponse | None:
    row = (await session.execute(select(IdempotencyKey).where(
        IdempotencyKey.workspace_id == workspace_id, IdempotencyKey.key == key))).scalar_one_or_none()
    if row is None:
        return None
    if row.created_at <= now - WINDOW:  # an old key may be used afresh
        await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
        return None
    if row.fingerprint != fp:
        raise Problem(422, "idempotency_key_reused", "This Idempotency-Key was used for another request",
                      "send a new key for a new request; the same key only repeats the same request")
    return JSONResponse(row.response, status_code=row.status, headers={"Idempotent-Replayed": "true"})


async def answer_once(db: Database, workspace_id: int, key: str | None, fp: str, now: datetime,
                      work: Callable[[AsyncSession], Awaitable[Any]], *, status: int) -> Any:
    """Run ``work`` in a writing session and return its (JSON-able) answer, once per key."""
    key = checked_key(key)
    if key is None:
        async with db.session() as session:
            return await work(session)
    try:
        async with db.session() as session:
            if (replayed := await _replay(session, workspace_id, key, fp, now)) is not None:
                return replayed
            body = await work(session)
            session.add(IdempotencyKey(workspace_id=workspace_id, key=key, fingerprint=fp, status=status,
                                       response=body, created_at=now))
            await session.flush()
    except IntegrityError:  # a twin with the same key committed first: its answer is ours
        async with db.reader() as session:
            replayed = await _replay(session, workspace_id, key, fp, now)
        if replayed is None:
            raise
        return replayed
    return JSONResponse(body, status_code=status)
