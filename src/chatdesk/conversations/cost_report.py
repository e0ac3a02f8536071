"""Spend: every outbound message of a period priced (``pricing.py``) and summed by day,
category, channel, country or team, with the cost per conversation; a workspace's own rates and
its monthly budget. Reads only; the edge owns the transaction.

Days are UTC days (the date a message was queued). A message whose pricing the provider has not
reported yet is counted as ``unpriced`` and adds nothing to the spend.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.models import Channel
from ..contacts.models import Contact
from ..core.errors import Problem
from ..teams.models import Team
from . import pricing
from .cost_models import CostBudget, RateOverride
from .models import Conversation, Message

GROUPS = ("day", "category", "channel", "country", "team")
MAX_DAYS = 366
UNKNOWN = "unknown"
NO_TEAM = "no team"


@dataclass(frozen=True)
class PricedMessage:
    """One outbound message with what it cost (None: pricing not reported yet)."""

    message_id: int
    conversation_id: int
    day: date
    category: str
    channel: str
    country: str
    team: str
    billable: bool | None
    micros: int | None


@dataclass
class Line:
    """A group's (or the whole period's) figures."""

    key: str
    messages: int = 0
    billable: int = 0
    free: int = 0
    unpriced: int = 0
    micros: int = 0
    conversations: set[int] = field(default_factory=set)

    def add(self, m: PricedMessage) -> None:
        self.messages += 1
        self.conversations.add(m.conversation_id)
        if m.micros is None:
            self.unpriced += 1
        elif m.billable:
            self.billable += 1
            self.micros += m.micros
        else:
            self.free += 1

    @property
    def per_conversation(self) -> int:
        return self.micros // len(self.conversations) if self.conversations else 0


@dataclass(frozen=True)
class Report:
    start: date
    end: date  # inclusive
    group_by: str
    currency: str
    total: Line
    rows: list[Line]
    messages: list[PricedMessage]


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC)


async def overrides(session: AsyncSession, workspace_id: int) -> tuple[pricing.Rate, ...]:
    rows = (await session.execute(select(RateOverride).where(RateOverride.workspace_id == workspace_id))).scalars()
    return tuple(pricing.Rate(r.market, r.category, r.price_micros, r.valid_from) for r in rows)


async def priced_messages(session: AsyncSession, workspace_id: int, start: date, end: date) -> list[PricedMessage]:
    """Every outbound message (notes aside) queued from ``start`` to ``end`` (inclusive), priced."""
    card, own = pricing.shipped_card(), await overrides(session, workspace_id)
    since, until = bounds(start, end)
    rows = (await session.execute(
        select(Message.id, Message.conversation_id, Message.created_at, Message.cost_category,
               Message.cost_billable, Channel.name, Channel.display, Contact.phone, Team.name)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Channel, Channel.id == Message.channel_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .outerjoin(Team, Team.id == Conversation.team_id)
        .where(Message.workspace_id == workspace_id, Message.direction == "out", Message.type != "note",
               Message.created_at >= since, Message.created_at < until)
        .order_by(Message.id))).all()
    found = []
    for mid, cid, at, category, billable, channel, display, phone, team in rows:
        market = pricing.market_of(phone)
        micros = pricing.price(card, own, billable=billable, category=category, market=market, on=at.date())
        found.append(PricedMessage(mid, cid, at.date(), category or UNKNOWN, channel or display, market,
                                   team or NO_TEAM, billable, micros))
    return found


def group(messages: list[PricedMessage], by: str, start: date, end: date) -> list[Line]:
    """Lines per ``by`` value; by day, every day of the period (a quiet day is a zero bar)."""
    lines: dict[str, Line] = {}
    if by == "day":
        lines = {d.isoformat(): Line(d.isoformat()) for d in days(start, end)}
    for m in messages:
        key = m.day.isoformat() if by == "day" else str(getattr(m, by))
        lines.setdefault(key, Line(key)).add(m)
    ordered = list(lines.values())
    return ordered if by == "day" else sorted(ordered, key=lambda line: (-line.micros, line.key))


def days(start: date, end: date) -> Iterator[date]:
    for n in range((end - start).days + 1):
        yield start + timedelta(days=n)


async def report(session: AsyncSession, workspace_id: int, start: date, end: date, by: str) -> Report:
    messages = await priced_messages(session, workspace_id, start, end)
    total = Line("total")
    for m in messages:
        total.add(m)
    return Report(start, end, by, pricing.shipped_card().currency, total, group(messages, by, start, end), messages)


async def month_spend(session: AsyncSession, workspace_id: int, today: date) -> int:
    start = today.replace(day=1)
    return sum(m.micros or 0 for m in await priced_messages(session, workspace_id, start, today) if m.billable)


async def budget_of(session: AsyncSession, workspace_id: int) -> int | None:
    row = await session.get(CostBudget, workspace_id)
    return row.monthly_micros if row else None


def by_conversation(messages: list[PricedMessage]) -> dict[int, int]:
    spent: dict[int, int] = defaultdict(int)
    for m in messages:
        spent[m.conversation_id] += m.micros or 0
    return spent


CSV_HEADER = ("message_id", "conversation_id", "day", "category", "channel", "country", "team", "billable",
              "price")


def csv_lines(messages: list[PricedMessage]) -> Iterator[str]:
    """The report's messages as CSV lines, one at a time (a streamed export never holds the file)."""
    def line(values: tuple[object, ...]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(values)
        return buf.getvalue()

    yield line(CSV_HEADER)
    for m in messages:
        price = "" if m.micros is None else str(pricing.from_micros(m.micros))
        billable = "" if m.billable is None else str(m.billable).lower()
        yield line((m.message_id, m.conversation_id, m.day.isoformat(), m.category, m.channel, m.country, m.team,
                    billable, price))


def period(start: str | None, end: str | None, by: str, today: date) -> tuple[date, date]:
    """The period a request names (default: this month to today), or a 422 problem."""
    if by not in GROUPS:
        raise Problem(422, "invalid_request", "The request is not valid",
                      f"group_by must be one of: {', '.join(GROUPS)}")
    try:
        first = date.fromisoformat(start) if start else today.replace(day=1)
        last = date.fromisoformat(end) if end else today
    except ValueError:
        raise Problem(422, "invalid_request", "The request is not valid",
                      "from and to are dates (YYYY-MM-DD)") from None
    if first > last:
        raise Problem(422, "invalid_request", "The request is not valid", "from is after to")
    if (last - first).days >= MAX_DAYS:
        raise Problem(422, "invalid_request", "The request is not valid", f"at most {MAX_DAYS} days at once")
    return first, last
