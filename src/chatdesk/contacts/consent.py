"""The consent ledger: record an opt-in or opt-out, read a contact's history and the current
state (its latest entry per channel and purpose). Append-only: nothing here changes a row.
The rules are pure, in ``consent_policy``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import column, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Consent


@dataclass(frozen=True)
class Record:
    """One entry to add. ``recorded_by``: "contact" (a keyword), "api", "user:<id>" ..."""

    purpose: str
    status: str
    source: str
    reference: str | None = None
    note: str | None = None
    recorded_by: str | None = None


async def record(session: AsyncSession, *, workspace_id: int, contact_id: int, channel_id: int, entry: Record,
                 now: datetime) -> Consent:
    row = Consent(workspace_id=workspace_id, contact_id=contact_id, channel_id=channel_id, purpose=entry.purpose,
                  status=entry.status, source=entry.source, reference=entry.reference, note=entry.note,
                  recorded_by=entry.recorded_by, at=now)
    session.add(row)
    await session.flush()
    return row


async def current_status(session: AsyncSession, contact_id: int, channel_id: int, purpose: str) -> str | None:
    """The status of the latest entry of the contact's channel and purpose; None: never recorded."""
    return (await session.execute(
        select(Consent.status).where(Consent.contact_id == contact_id, Consent.channel_id == channel_id,
                                     Consent.purpose == purpose).order_by(Consent.id.desc()).limit(1))).scalar()


HISTORY_MAX = 500  # an API answer's bound; a ledger this long is a contact toggling in a loop


async def history(session: AsyncSession, contact_id: int) -> list[Consent]:
    """The contact's entries, newest first."""
    return list((await session.scalars(select(Consent).where(Consent.contact_id == contact_id)
                                       .order_by(Consent.id.desc()).limit(HISTORY_MAX))).all())


# Read by name, not through the conversations domain's models (which sit above contacts): the
# channel a contact last wrote on or was written to is where a consent given without one applies.
_conversations = table("conversations", column("contact_id"), column("channel_id"), column("last_message_at"),
                       column("id"))


async def last_channel_id(session: AsyncSession, contact_id: int) -> int | None:
    c = _conversations.c
    return (await session.execute(select(c.channel_id).where(c.contact_id == contact_id)
                                  .order_by(c.last_message_at.desc(), c.id.desc()).limit(1))).scalar()
