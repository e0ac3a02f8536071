"""Keyset paging of conversation lists, for the inbox and the REST API: the sort orders and the
opaque cursor that says where the next page starts.

No OFFSET: a page starts after the last row of the one before, found from an index
(``ix_conversations_inbox`` for newest/oldest, ``ix_conversations_waiting`` for waiting longest),
so page 50 costs what page 1 does and a conversation that moves while an agent scrolls is
neither shown twice nor skipped because rows shifted below it.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, or_

from ..core.errors import Problem
from .models import Conversation


class Sort(StrEnum):
    NEWEST = "newest"  # latest activity first
    OLDEST = "oldest"  # least recent activity first
    WAITING = "waiting"  # awaiting our reply first, the longest waiting first; then the rest, oldest first


@dataclass(frozen=True)
class Cursor:
    """The sort key of the last row of a page: the next page starts after it."""

    sort: Sort
    at: datetime | None
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.sort.value, self.at.isoformat() if self.at else None, self.id])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def parse_sort(value: str | None) -> Sort:
    """The sort named by ``value``; blank means newest first."""
    if not value:
        return Sort.NEWEST
    try:
        return Sort(value)
    except ValueError:
        raise Problem(422, "invalid_sort", "Unknown sort order",
                      f"sort must be one of: {', '.join(s.value for s in Sort)}") from None


def decode(value: str, sort: Sort) -> Cursor:
    """The cursor a ``next_cursor`` gave; refused when it was made for another sort or altered."""
    try:
        name, at, last_id = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        cursor = Cursor(Sort(name), datetime.fromisoformat(at) if at else None, int(last_id))
    except (ValueError, TypeError):
        raise Problem(422, "invalid_cursor", "The cursor is not valid",
                      "Pass next_cursor from the previous page unchanged.") from None
    if cursor.sort != sort or (cursor.at is None and sort != Sort.WAITING) or (
            cursor.at is not None and cursor.at.tzinfo is None):
        raise Problem(422, "invalid_cursor", "The cursor is not valid",
                      "A cursor continues the sort order it came from.")
    return cursor


def order_by(sort: Sort) -> tuple[Any, ...]:
    if sort == Sort.OLDEST:
        return Conversation.last_message_at.asc(), Conversation.id.asc()
    if sort == Sort.WAITING:
        return Conversation.awaiting_since.asc().nulls_last(), Conversation.id.asc()
    return Conversation.last_message_at.desc(), Conversation.id.desc()


def cursor_of(sort: Sort, conv: Conversation) -> Cursor:
    at = conv.awaiting_since if sort == Sort.WAITING else conv.last_message_at
    return Cursor(sort, at, conv.id)


def after(cursor: Cursor) -> Any:
    """The rows that come after ``cursor`` in its sort order."""
    conv = Conversation
    if cursor.sort == Sort.NEWEST:
        return or_(conv.last_message_at < cursor.at, and_(conv.last_message_at == cursor.at, conv.id < cursor.id))
    if cursor.sort == Sort.OLDEST:
        return or_(conv.last_message_at > cursor.at, and_(conv.last_message_at == cursor.at, conv.id > cursor.id))
    if cursor.at is None:  # among those not waiting (they come last), by id
        return and_(conv.awaiting_since.is_(None), conv.id > cursor.id)
    return or_(conv.awaiting_since > cursor.at, and_(conv.awaiting_since == cursor.at, conv.id > cursor.id),
               conv.awaiting_since.is_(None))
