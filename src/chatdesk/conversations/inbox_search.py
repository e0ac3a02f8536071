"""The inbox's search: which conversations a term finds, planned so that a page of the list and
the views' counts stay fast on a million messages (docs/indexes.md, bench/inbox_queries.py).

A conversation matches when its contact's name contains the term, their number ends with its
digits, or one of its messages contains it: any case, with or without accents (text and names
are matched through their folded keys, ``core.folding``).

How a term is answered depends on how often it occurs: first among the workspace's newest
``SAMPLE`` messages (a couple of milliseconds), then in the trigram index of migration 0025
(FTS5 on SQLite, pg_trgm on PostgreSQL), read up to ``LISTED`` hits:

- **Up to ``LISTED`` hits** (names, order numbers, most words): the matching conversations are
  collected from the hits, and the list and the counts are read by conversation id. Exact.
- **More** (a word of one language, a common word, or a term too short for trigrams): each
  conversation is checked in the list's own order until a page is full, which takes few checks
  because so many match. The check reads the conversation's messages (a common word), or on
  SQLite, for a word in under 1 in 20 messages, tests its message ids against the index's
  hits among the newest conversations' messages (``WINDOW``) and reads only older ones. On
  PostgreSQL it first tests the conversation's trigram bits (migration 0026, ``may_contain``):
  the messages of a conversation that cannot hold the term are not read.
  Counts stop at ``COUNT_CAP`` and then read "100+" (``Count``): an exact count would read
  every one of those messages.
"""
from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    any_,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from ..contacts.models import Contact
from ..contacts.service import name_contains, number_ends_with
from ..core.folding import fold
from .models import Conversation, Message

LISTED = 5000  # message hits up to which a term's conversations are collected (see module doc)
CONTACTS_LISTED = 2000  # contacts whose name or number matches, likewise
COUNT_CAP = 100  # a dense term's counts stop here and read "100+"
SAMPLE = 2000  # newest messages looked at to tell a dense term (see _few_hits)
WINDOW = 2000  # newest conversations whose messages' hits SQLite lists for a term in under 1 in 20
WINDOW_TTL = 60.0  # seconds a connection remembers where that window starts
SEARCH_BITS: Any = literal_column("conversations.search_bits")  # PostgreSQL only: migration 0026
MESSAGES_FTS = table("messages_fts", column("rowid"), column("text_key"))  # SQLite only: migration 0025
CONTACTS_FTS = table("contacts_fts", column("rowid"), column("name_key"))  # likewise


class Count(int):
    """A number of conversations that may be a lower bound: shown as "100+" when ``capped``."""

    capped: bool

    def __new__(cls, value: int, capped: bool = False) -> Count:
        made = super().__new__(cls, value)
        made.capped = capped
        return made

    def __str__(self) -> str:
        return f"{int(self)}+" if self.capped else str(int(self))


@dataclass(frozen=True)
class Plan:
    """How the filters of a list or count include the search."""

    clause: Any  # a WHERE clause on Conversation
    by_ids: bool  # the clause is a short ``id IN (...)``: exact counts, and SQLite is told to use the ids
    capped: bool  # counts stop at COUNT_CAP

    def count_limit(self) -> int | None:
        return COUNT_CAP + 1 if self.capped else None


def pattern(q: str) -> str:
    """The LIKE pattern for "contains ``q``", folded as ``messages.text_key`` is, with LIKE's
    wildcards taken out."""
    return f"%{fold(q.replace('%', '').replace('_', ''))}%"


def _text_hits(dialect: str, workspace_id: int, like: str) -> Any:
    """The workspace's messages whose folded text matches ``like``, as (conversation_id) rows,
    from the trigram index."""
    found = select(Message.conversation_id).where(Message.workspace_id == workspace_id)
    if dialect == "sqlite":
        term = like[1:-1]
        if len(term) >= 3:
            return found.where(Message.id.in_(_fts_match(term)))
        return found.where(Message.text_key.like(like))
    return found.where(Message.text_key.like(like))


def conversations_with_text(dialect: str, workspace_id: int, q: str) -> Any:
    """Ids of the workspace's conversations with a message whose text contains ``q``."""
    return _text_hits(dialect, workspace_id, pattern(q))


async def plan(session: AsyncSession, workspace_id: int, q: str) -> Plan:
    """How to search for ``q`` (see the module doc). Kept on the session: an inbox page asks
    for the list and for the counts, and the lookups are the same."""
    key = ("chatdesk.inbox.search", workspace_id, q)
    if key in session.info:
        return session.info[key]
    dialect = session.get_bind().dialect.name
    like = pattern(q)
    term = like[1:-1]  # the folded term, as the pattern holds it
    by_name, by_number = name_contains(q), number_ends_with(q)
    contact_ids = await _contacts(session, dialect, workspace_id, term, by_name, by_number)
    density = await _density(session, workspace_id, like) if len(term) >= 3 else None
    conv_ids = None
    if contact_ids is not None and density is not None and density <= SAMPLE * LISTED // 1_000_000:
        conv_ids = await _few_hits(session, dialect, workspace_id, like, term)
    if conv_ids is not None:
        by_id = ids_in(Conversation.id, conv_ids, dialect)
        found = Plan(or_(by_id, ids_in(Conversation.contact_id, contact_ids, dialect)) if contact_ids else by_id,
                     by_ids=True, capped=False)
    else:
        if contact_ids is None:  # too many to list: each conversation's contact is looked at
            contact = or_(by_name, by_number) if by_number is not None else by_name
            by_contact = exists().where(Contact.id == Conversation.contact_id, contact).correlate(Conversation)
        else:
            by_contact = ids_in(Conversation.contact_id, contact_ids, dialect)
        if dialect == "sqlite" and density is not None and density <= SAMPLE // 20:
            by_text = await _recent_hits_or_text(session, workspace_id, like, term)
        else:  # (selecting the id only: SQLite then reads just the timeline index)
            by_text = select(Message.id).where(Message.conversation_id == Conversation.id,
                                               Message.text_key.like(like)).exists()
            if dialect == "postgresql" and len(term) >= 3:
                by_text = and_(may_contain(term), by_text)
        found = Plan(or_(by_contact, by_text) if contact_ids != set() else by_text, by_ids=False, capped=True)
    session.info[key] = found
    return found


async def _recent_hits_or_text(session: AsyncSession, workspace_id: int, like: str, term: str) -> Any:
    """SQLite, a term in under 1 in 20 messages: whether a conversation has a message with it,
    from the index's hits among the recent messages and by reading the older ones. The recent
    ones start at the first message of the newest ``WINDOW`` conversations, which the list walks
    first: their hits are listed once (a few thousand, not every hit of the term) and each
    conversation's recent messages are a membership test on its timeline index, no row read.
    ("+": the id is a membership test, not an index seek per hit.)"""
    start = await _window_start(session, workspace_id)
    recent_hits = select(MESSAGES_FTS.c.rowid).where(MESSAGES_FTS.c.text_key.match(_phrase(term)),
                                                     MESSAGES_FTS.c.rowid >= start)
    return or_(select(Message.id).where(Message.conversation_id == Conversation.id, Message.id >= start,
                                        literal_column("+messages.id", Integer).in_(recent_hits)).exists(),
               select(Message.id).where(Message.conversation_id == Conversation.id, Message.id < start,
                                        Message.text_key.like(like)).exists())


async def _window_start(session: AsyncSession, workspace_id: int) -> int:
    """The first message of the workspace's newest ``WINDOW`` conversations, remembered on the
    database connection for ``WINDOW_TTL`` seconds. Any start gives the same answers (older
    messages are read instead of listed): an outdated one only costs a little time."""
    info = (await session.connection()).info
    key = ("chatdesk.inbox.window", workspace_id)
    remembered = info.get(key)
    if remembered is not None and time.monotonic() - remembered[1] < WINDOW_TTL:
        return int(remembered[0])
    newest = select(Conversation.id).where(Conversation.workspace_id == workspace_id) \
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc()).limit(WINDOW).subquery()
    first = select(func.min(Message.id)).where(Message.conversation_id == newest.c.id) \
        .correlate(newest).scalar_subquery()  # one seek in each one's timeline index
    start = (await session.execute(select(func.min(first)).select_from(newest))).scalar_one() or 0
    info[key] = (start, time.monotonic())
    return int(start)


def may_contain(term: str) -> Any:
    """PostgreSQL: the conversation's trigram bits (migration 0026) hold all of the term's, as
    those of every conversation with a message that contains it do. The walk reads the messages
    of only these: for a word of one language, 7-10 conversations in 100 instead of every one,
    nearly all of which match (docs/indexes.md). (The term's bits are computed once per
    statement, as a subquery.)"""
    need = select(func.chatdesk_trigram_bits(term)).scalar_subquery()
    return SEARCH_BITS.op("&")(need) == need


def ids_in(column: Any, ids: set[int], dialect: str) -> Any:
    """``column IN ids`` with one parameter however many ids: an array on PostgreSQL, a JSON
    list read by ``json_each`` on SQLite: one statement text whatever the number, so it is
    compiled once and cached (the same ids as 1,500 parameters measured no faster)."""
    if dialect == "postgresql":
        return column == any_(literal(sorted(ids), ARRAY(BigInteger)))
    listed = func.json_each(literal(json.dumps(sorted(ids)), String)).table_valued("value")
    return column.in_(select(listed.c.value))


def _phrase(term: str) -> str:
    """An FTS5 phrase of ``term``: with the trigram tokenizer it matches exactly the texts that
    contain ``term`` (three characters or more), without reading them, unlike LIKE."""
    return '"' + term.replace('"', '""') + '"'


async def _ids(session: AsyncSession, query: Any) -> set[int]:
    """The first column of ``query``'s rows, read as plain rows without ORM loading (about
    1 ms of 7.5 for the 1,500 contacts named "Müller")."""
    return set((await (await session.connection()).execute(query)).scalars())


def _fts_match(term: str) -> Any:
    return select(MESSAGES_FTS.c.rowid).where(MESSAGES_FTS.c.text_key.match(_phrase(term)))


async def _contacts(session: AsyncSession, dialect: str, workspace_id: int, term: str, by_name: Any,
                    by_number: Any) -> set[int] | None:
    """The workspace's contacts whose name contains the term or whose number ends with its
    digits; None when there are more than ``CONTACTS_LISTED``. (SQLite looks names up in its
    trigram index of migration 0025; PostgreSQL's planner uses its own.)"""
    found: set[int] = set()
    if dialect == "sqlite" and len(term) >= 3:
        by_name = Contact.id.in_(select(CONTACTS_FTS.c.rowid).where(CONTACTS_FTS.c.name_key.match(_phrase(term))))
    for matches in (by_name, by_number):  # apart: each gets its own best plan
        if matches is not None:
            found |= await _ids(session, select(Contact.id).where(
                Contact.workspace_id == workspace_id, matches).limit(CONTACTS_LISTED + 1))
    return found if len(found) <= CONTACTS_LISTED else None


async def _density(session: AsyncSession, workspace_id: int, like: str) -> int:
    """How many of the workspace's newest ``SAMPLE`` messages contain the term: a common word
    is told without asking the index, which would list every one of its hits first (60-80 ms
    for a word in 12 % of a million messages)."""
    sample = select(Message.text_key).where(Message.workspace_id == workspace_id) \
        .order_by(Message.created_at.desc()).limit(SAMPLE).subquery()  # ix_messages_workspace_created
    return (await session.execute(select(func.count()).where(sample.c.text_key.like(like)))).scalar_one()


async def _few_hits(session: AsyncSession, dialect: str, workspace_id: int, like: str,
                    term: str) -> set[int] | None:
    """The conversations of a term's message hits when there are at most ``LISTED``, else
    None, reading no more than ``LISTED + 1`` hits from the index. (SQLite's index holds every
    workspace's messages: the hits are taken first, then kept to this workspace's. PostgreSQL's
    planner is told to use the index: with a LIMIT it would bet on a table scan finding the
    rows early.)"""
    if dialect == "sqlite":
        hits = list((await session.execute(_fts_match(term).limit(LISTED + 1))).scalars())
        if len(hits) > LISTED:
            return None
        return set((await session.execute(select(Message.conversation_id).where(
            Message.id.in_(hits), Message.workspace_id == workspace_id))).scalars()) if hits else set()
    async with planner(session, {"enable_seqscan": "off"}):
        rows = list((await session.execute(_text_hits(dialect, workspace_id, like).limit(LISTED + 1))).scalars())
    return set(rows) if len(rows) <= LISTED else None


WALK = {"enable_seqscan": "off", "enable_bitmapscan": "off", "max_parallel_workers_per_gather": "0"}


@asynccontextmanager
async def planner(session: AsyncSession, settings: dict[str, str] | None = None) -> AsyncIterator[None]:
    """PostgreSQL: planner settings for the statements inside (``SET LOCAL``), then back to what
    they were; nothing on SQLite."""
    if session.get_bind().dialect.name != "postgresql" or not settings:
        yield
        return
    before = await _set_local(session, settings)
    try:
        yield
    finally:
        await _set_local(session, before)


async def _set_local(session: AsyncSession, settings: dict[str, str]) -> dict[str, str]:
    """Set them for the transaction (``set_config(..., true)`` is ``SET LOCAL``) in one round
    trip, and say what they were: the select list reads each before it sets any."""
    names = list(settings)
    reads = [f"current_setting(:n{i})" for i in range(len(names))]
    writes = [f"set_config(:n{i}, :v{i}, true)" for i in range(len(names))]
    params = {**{f"n{i}": n for i, n in enumerate(names)}, **{f"v{i}": settings[n] for i, n in enumerate(names)}}
    row = (await session.execute(text(f"SELECT {', '.join(reads + writes)}"), params)).one()
    return dict(zip(names, row[:len(names)], strict=True))


def walk(found: Plan | None) -> dict[str, str]:
    """The planner settings for a list or count with ``found`` (see ``planner``): for a dense
    term, conversations are checked one by one in index order, never by listing every message
    that contains the term (the planner's hashed alternative), and in one process: parallel
    workers each walk ahead of the page (measured 36 ms against 3.5 for a page of "pedido")."""
    return WALK if found is not None and found.capped else {}


def workspace_clause(workspace_id: int, found: Plan | None, dialect: str) -> Any:
    """The workspace filter; for a search answered by ids on SQLite, written so the planner
    reads the few ids (and the contacts' conversations) instead of walking the workspace's
    index past every conversation. (PostgreSQL's plans for the ids' arrays, once prepared, do
    better with the filter as it is.)"""
    if found is not None and found.by_ids and dialect == "sqlite":
        return literal_column("+conversations.workspace_id", Integer) == workspace_id
    return Conversation.workspace_id == workspace_id


async def count(session: AsyncSession, query: Any, found: Plan | None) -> Count:
    """``SELECT count(*)`` of ``query``'s rows, stopping at ``COUNT_CAP`` for a dense term."""
    limit = found.count_limit() if found is not None else None
    if limit is None:
        return Count((await session.execute(query.with_only_columns(func.count()))).scalar_one())
    async with planner(session, walk(found)):
        counted = (await session.execute(select(func.count()).select_from(
            query.with_only_columns(Conversation.id).limit(limit).subquery()))).scalar_one()
    return Count(min(counted, COUNT_CAP), capped=counted > COUNT_CAP)


async def capped_view_counts(session: AsyncSession, query: Any, found: Plan, user_id: int) -> dict[str, Count]:
    """The views' counts for a dense term, from one walk of up to ``COUNT_CAP + 1`` matching
    conversations: past the cap, "mine" and "unassigned" are what that walk met ("at least",
    shown with a "+" too)."""
    async with planner(session, walk(found)):
        rows = (await session.execute(query.with_only_columns(Conversation.assignee_id)
                                      .limit(COUNT_CAP + 1))).scalars().all()
    capped = len(rows) > COUNT_CAP
    rows = rows[:COUNT_CAP]
    return {"all": Count(len(rows), capped), "mine": Count(sum(1 for a in rows if a == user_id), capped),
            "unassigned": Count(sum(1 for a in rows if a is None), capped)}
