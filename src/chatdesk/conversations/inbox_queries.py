"""Read models of the agent inbox: the filtered conversation list, a thread, the contact panel.

Every query is scoped by workspace id; the caller gets only its own workspace's rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    case,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.models import User
from ..channels.content import Reaction
from ..channels.models import Channel
from ..contacts import consent
from ..contacts.models import Consent, Contact, ContactIdentity
from ..contacts.service import name_contains, number_ends_with
from ..core.states import ConversationStatus
from .labels import labels_of
from .models import Conversation, ConversationLabel, Label, Message
from .paging import Cursor, Sort, after, order_by
from .queries import timeline_key

VIEWS = ("mine", "unassigned", "all")
STATUSES = (*ConversationStatus, "all")


@dataclass
class InboxFilter:
    view: str = "all"
    status: str = ConversationStatus.OPEN
    channel_id: int | None = None
    label_id: int | None = None
    team_id: int | None = None
    q: str = ""
    sort: str = Sort.NEWEST

    def normalised(self) -> InboxFilter:
        return InboxFilter(self.view if self.view in VIEWS else "all",
                           self.status if self.status in STATUSES else ConversationStatus.OPEN,
                           self.channel_id, self.label_id, self.team_id, self.q.strip()[:100],
                           self.sort if self.sort in tuple(Sort) else Sort.NEWEST)


@dataclass
class Row:
    conv: Conversation
    contact: Contact
    channel: Channel
    assignee: str | None = None
    last: Message | None = None
    labels: list[Label] = field(default_factory=list)


def _status_clause(status: str, now: datetime) -> Any:
    if status == ConversationStatus.OPEN:  # open, or snoozed until a time that has passed
        # the IN lets an index on (workspace_id, status) find both kinds; the OR alone does not
        return and_(Conversation.status.in_((ConversationStatus.OPEN, ConversationStatus.SNOOZED)),
                    or_(Conversation.status == ConversationStatus.OPEN, Conversation.snoozed_until <= now))
    if status == ConversationStatus.SNOOZED:
        return and_(Conversation.status == ConversationStatus.SNOOZED, Conversation.snoozed_until > now)
    return Conversation.status == status


def _filtered(workspace_id: int, f: InboxFilter, user_id: int, now: datetime, *, search: Any = None,
              with_view: bool = True, joined: bool = True) -> Any:
    """The filtered conversations, joined with their contact and channel unless ``joined`` is
    false (counts need no joins); ``search`` is ``search_clause``'s answer for ``f.q``."""
    query = select(*((Conversation, Contact, Channel) if joined else (Conversation,)))
    if joined:
        query = (query
                 .join(Contact, Contact.id == Conversation.contact_id)
                 .join(Channel, Channel.id == Conversation.channel_id))
    if isinstance(search, ByIds) and search.unindexed_workspace:
        # SQLite: "+column" keeps the planner from walking a workspace index past every
        # conversation to find the few ids; the ids themselves came from this workspace only
        query = query.where(literal_column("+conversations.workspace_id", Integer) == workspace_id)
    else:
        query = query.where(Conversation.workspace_id == workspace_id)
    if isinstance(search, ByIds):
        search = search.clause
    if with_view and f.view == "mine":
        query = query.where(Conversation.assignee_id == user_id)
    elif with_view and f.view == "unassigned":
        query = query.where(Conversation.assignee_id.is_(None))
    if f.status != "all":
        query = query.where(_status_clause(f.status, now))
    if f.channel_id:
        query = query.where(Conversation.channel_id == f.channel_id)
    if f.team_id:
        query = query.where(Conversation.team_id == f.team_id)
    if f.label_id:
        query = query.where(exists().where(ConversationLabel.conversation_id == Conversation.id,
                                           ConversationLabel.label_id == f.label_id))
    if search is not None:
        query = query.where(search)
    return query


async def search_clause(session: AsyncSession, workspace_id: int, q: str, *, listing: bool) -> Any:
    """Conversations whose contact's name contains ``q`` (any case, with or without accents),
    whose number ends with its digits, or with a message whose text contains it.

    Built to be answered from indexes (migration 0005; docs/indexes.md). A rare term (at most
    ``COMMON`` hits) is looked up in the text index and the contacts first, and the list is then
    read by conversation id. A common term (or one under three characters, which a trigram
    index cannot serve) is checked conversation by conversation instead: for a page of the
    list, newest first, that finds a page of matches long before an index has listed every
    match. Counting a common term's matches reads them all: SQLite collects them from the index
    in one pass; PostgreSQL keeps the per-conversation check, because ``IN (subquery)`` over
    that many rows falls back to re-running the subquery per conversation there.
    """
    dialect = session.get_bind().dialect.name
    likes = _patterns(dialect, q)
    by_name = name_contains(q)
    by_number = number_ends_with(q)
    by_text = conversations_with_text(dialect, workspace_id, q)
    ids = await _rare_term_ids(session, workspace_id, q, by_name, by_number, by_text)
    if ids is not None:
        return ByIds(Conversation.id.in_(ids), unindexed_workspace=dialect == "sqlite")
    contact = or_(by_name, by_number) if by_number is not None else by_name
    contact_match = exists().where(Contact.id == Conversation.contact_id, contact).correlate(Conversation)
    if dialect == "sqlite" and not listing:
        return or_(contact_match, Conversation.id.in_(by_text))
    return or_(contact_match, exists().where(Message.conversation_id == Conversation.id,
                                             _any_like(func.lower(Message.text), likes)))


COMMON = 2000  # hits; see search_clause


async def _rare_term_ids(session: AsyncSession, workspace_id: int, q: str, by_name: Any, by_number: Any,
                         by_text: Any) -> set[int] | None:
    """The conversations a rare term matches, or None for a common one. Kept on the session:
    an inbox page asks for the list and for the counts, and the lookups are the same."""
    key = ("chatdesk.inbox.rare_term_ids", workspace_id, q)
    if key in session.info:
        return session.info[key]
    dialect = session.get_bind().dialect.name
    contact_ids: set[int] = set()
    for matches in (by_name, by_number):  # apart: each gets its own best plan
        if matches is not None:
            contact_ids |= set((await session.execute(select(Contact.id).where(
                Contact.workspace_id == workspace_id, matches).limit(COMMON + 1))).scalars())
    likes = _patterns(dialect, q)
    common = len(likes[0]) < 5 or await _common_text(session, dialect, workspace_id, likes)  # "%ab%": no trigram
    ids: set[int] | None = None
    if not common and len(contact_ids) <= COMMON:
        ids = set((await session.execute(by_text)).scalars())
        if contact_ids:
            ids |= set((await session.execute(select(Conversation.id).where(
                Conversation.workspace_id == workspace_id, Conversation.contact_id.in_(contact_ids)))).scalars())
    session.info[key] = ids
    return ids


@dataclass
class ByIds:
    """A search answered as a short list of conversation ids (see ``_filtered``)."""

    clause: Any
    unindexed_workspace: bool = False


async def _common_text(session: AsyncSession, dialect: str, workspace_id: int, likes: list[str]) -> bool:
    """Whether more than ``COMMON`` messages match, counted from the trigram index and stopping
    there (on PostgreSQL the planner is told not to scan the table for it: with a LIMIT it
    would bet on finding the rows early, and lose on a rare term)."""
    if dialect == "sqlite":
        hits = _fts_hits(likes)
    else:
        hits = select(Message.id).where(Message.workspace_id == workspace_id,
                                        _any_like(func.lower(Message.text), likes))
        await session.execute(text("SET LOCAL enable_seqscan = off"))
    try:
        counted = select(func.count()).select_from(hits.limit(COMMON + 1).subquery())
        return (await session.execute(counted)).scalar_one() > COMMON
    finally:
        if dialect != "sqlite":
            await session.execute(text("SET LOCAL enable_seqscan = on"))


MESSAGES_FTS = table("messages_fts", column("rowid"), column("text"))  # SQLite only: migration 0005


def _patterns(dialect: str, q: str) -> list[str]:
    """LIKE patterns for "contains ``q`` in any case", with LIKE's wildcards taken out.

    PostgreSQL's ``lower()`` folds every letter, so one lower-cased pattern does. SQLite's
    ``lower()`` and ``LIKE`` fold ASCII letters only: for a term with other letters (Ö, Ü, É)
    the ways people write it are tried too (lower, UPPER, Capitalised, Title Case), so that
    "ömer" finds "Ömer" and "überweisung" finds "ÜBERWEISUNG" on the embedded database.
    """
    term = q.replace("%", "").replace("_", "")
    if dialect != "sqlite" or term.isascii():
        return [f"%{term.lower()}%"]
    spellings = dict.fromkeys((term.lower(), term.upper(), term.capitalize(), term.title()))
    return [f"%{spelling}%" for spelling in spellings]


def _any_like(column: Any, likes: list[str]) -> Any:
    return column.like(likes[0]) if len(likes) == 1 else or_(*(column.like(like) for like in likes))


def _fts_hits(likes: list[str]) -> Any:
    """Ids of messages whose text matches one of ``likes``, from SQLite's trigram index (one
    indexed lookup per pattern: FTS5 answers a single LIKE, not an OR of them)."""
    lookups = [select(MESSAGES_FTS.c.rowid).where(MESSAGES_FTS.c.text.like(like)) for like in likes]
    return lookups[0] if len(lookups) == 1 else union(*lookups)


def conversations_with_text(dialect: str, workspace_id: int, q: str) -> Any:
    """Ids of the workspace's conversations with a message whose text contains ``q`` (any
    case), answered from the trigram index of migration 0005: FTS5 on SQLite, pg_trgm's GIN
    index on ``lower(text)`` on PostgreSQL."""
    likes = _patterns(dialect, q)
    found = select(Message.conversation_id).where(Message.workspace_id == workspace_id)
    if dialect == "sqlite":
        return found.where(Message.id.in_(_fts_hits(likes)))
    return found.where(_any_like(func.lower(Message.text), likes))


async def inbox_rows(session: AsyncSession, workspace_id: int, f: InboxFilter, *, user_id: int,
                     now: datetime, limit: int = 100, cursor: Cursor | None = None) -> list[Row]:
    """A page in ``f.sort`` order (after ``cursor``), with assignee names, labels and each
    conversation's last message."""
    search = await search_clause(session, workspace_id, f.q, listing=True) if f.q else None
    query = _filtered(workspace_id, f, user_id, now, search=search)
    if cursor is not None:
        query = query.where(after(cursor))
    rows = (await session.execute(query.order_by(*order_by(Sort(f.sort))).limit(limit))).all()
    out = [Row(conv, contact, channel) for conv, contact, channel in rows]
    ids = [r.conv.id for r in out]
    if not ids:
        return out
    last_ids = select(func.max(Message.id)).where(Message.conversation_id.in_(ids)) \
        .group_by(Message.conversation_id)
    lasts = {m.conversation_id: m for m in (await session.execute(
        select(Message).where(Message.id.in_(last_ids)))).scalars()}
    names = await user_names(session, [r.conv.assignee_id for r in out if r.conv.assignee_id])
    labels = await labels_of(session, ids)
    for r in out:
        r.last, r.labels = lasts.get(r.conv.id), labels[r.conv.id]
        r.assignee = names.get(r.conv.assignee_id) if r.conv.assignee_id else None
    return out


async def view_counts(session: AsyncSession, workspace_id: int, f: InboxFilter, *, user_id: int,
                      now: datetime) -> dict[str, int]:
    """How many conversations each view holds under the other filters."""
    search = await search_clause(session, workspace_id, f.q, listing=False) if f.q else None
    base = _filtered(workspace_id, f, user_id, now, search=search, with_view=False, joined=False).with_only_columns(
        func.count(), func.sum(case((Conversation.assignee_id == user_id, 1), else_=0)),
        func.sum(case((Conversation.assignee_id.is_(None), 1), else_=0)))
    total, mine, unassigned = (await session.execute(base)).one()
    return {"all": total or 0, "mine": mine or 0, "unassigned": unassigned or 0}


async def count_matching(session: AsyncSession, workspace_id: int, f: InboxFilter, *, user_id: int,
                         now: datetime) -> int:
    """How many conversations ``f`` lists (its view included): a saved view's number."""
    search = await search_clause(session, workspace_id, f.q, listing=False) if f.q else None
    query = _filtered(workspace_id, f, user_id, now, search=search, joined=False).with_only_columns(func.count())
    return (await session.execute(query)).scalar_one()


async def user_names(session: AsyncSession, user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = (await session.execute(select(User.id, User.name, User.email).where(User.id.in_(set(user_ids))))).all()
    return {uid: name or email for uid, name, email in rows}


@dataclass
class Thread:
    messages: list[Message]
    quoted: dict[int, Message]
    authors: dict[int, str]
    has_more: bool


async def thread(session: AsyncSession, conv: Conversation, *, after: int = 0, limit: int = 300,
                 only: int | None = None) -> Thread:
    """The conversation's messages in timeline order: the latest ``limit``, those after
    ``after``, or just the message ``only`` (to re-render it when its status moves)."""
    query = select(Message).where(Message.conversation_id == conv.id)
    if after:
        query = query.where(Message.id > after)
    if only is not None:
        query = query.where(Message.id == only)
    rows = list((await session.execute(query.order_by(Message.id.desc()).limit(limit + 1))).scalars())
    has_more = len(rows) > limit
    messages = sorted(rows[:limit], key=timeline_key)
    reply_ids = {m.reply_to_id for m in messages if m.reply_to_id}
    quoted = {m.id: m for m in (await session.execute(select(Message).where(
        Message.id.in_(reply_ids), Message.conversation_id == conv.id))).scalars()} if reply_ids else {}
    # reactions point at the provider id of the message they react to
    wamids = {m.content.message_id for m in messages if isinstance(m.content, Reaction)} - {None}
    if wamids:
        for target in (await session.execute(select(Message).where(
                Message.channel_id == conv.channel_id, Message.provider_message_id.in_(wamids)))).scalars():
            quoted[-target.id] = target
    authors = await user_names(session, [m.author_id for m in messages
                                         if m.author_type == "agent" and m.author_id]
                               + [u for m in messages for u in getattr(m.content, "mentions", ())])
    return Thread(messages, quoted, authors, has_more)


PANEL_CONSENTS = 10  # the panel shows the latest entries; the API has the whole history


@dataclass
class ContactPanel:
    contact: Contact
    identities: list[ContactIdentity]
    others: list[tuple[Conversation, Channel]]
    consents: list[Consent] = field(default_factory=list)  # the consent ledger, newest first

    @property
    def handle(self) -> str | None:
        """The username the customer shows (the newest reported), as "@name": shown, never an id."""
        name = next((i.username for i in reversed(self.identities) if i.username), None)
        return name if name is None or name.startswith("@") else f"@{name}"


async def contact_panel(session: AsyncSession, conv: Conversation) -> ContactPanel:
    contact = await session.get_one(Contact, conv.contact_id)   # a foreign key: it exists
    idents = list((await session.execute(select(ContactIdentity).where(
        ContactIdentity.contact_id == contact.id).order_by(ContactIdentity.id))).scalars())
    others = [(c, ch) for c, ch in (await session.execute(
        select(Conversation, Channel).join(Channel, Channel.id == Conversation.channel_id).where(
            Conversation.contact_id == contact.id, Conversation.workspace_id == conv.workspace_id,
            Conversation.id != conv.id).order_by(Conversation.last_message_at.desc()).limit(20))).all()]
    return ContactPanel(contact, idents, others, (await consent.history(session, contact.id))[:PANEL_CONSENTS])
