"""Read models of the agent inbox: the filtered conversation list, a thread, the contact panel.

Every query is scoped by workspace id; the caller gets only its own workspace's rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.models import User
from ..channels.content import Reaction
from ..channels.models import Channel
from ..contacts import consent
from ..contacts.models import Consent, Contact, ContactIdentity
from ..core.states import ConversationStatus
from . import inbox_search
from .inbox_search import Count, Plan
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


def _filtered(workspace_id: int, f: InboxFilter, user_id: int, now: datetime, *, search: Plan | None = None,
              with_view: bool = True, joined: bool = True, dialect: str = "") -> Any:
    """The filtered conversations, joined with their contact and channel unless ``joined`` is
    false (counts need no joins); ``search`` is ``inbox_search.plan``'s answer for ``f.q``."""
    query = select(*((Conversation, Contact, Channel) if joined else (Conversation,)))
    if joined:
        query = (query
                 .join(Contact, Contact.id == Conversation.contact_id)
                 .join(Channel, Channel.id == Conversation.channel_id))
    query = query.where(inbox_search.workspace_clause(workspace_id, search, dialect))
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
        query = query.where(search.clause)
    return query


async def inbox_rows(session: AsyncSession, workspace_id: int, f: InboxFilter, *, user_id: int,
                     now: datetime, limit: int = 100, cursor: Cursor | None = None) -> list[Row]:
    """A page in ``f.sort`` order (after ``cursor``), with assignee names, labels and each
    conversation's last message."""
    search = await inbox_search.plan(session, workspace_id, f.q) if f.q else None
    by_ids = search is not None and search.by_ids
    query = _filtered(workspace_id, f, user_id, now, search=search, dialect=_dialect(session), joined=not by_ids)
    if cursor is not None:
        query = query.where(after(cursor))
    query = query.order_by(*order_by(Sort(f.sort))).limit(limit)
    if by_ids:  # the page's ids first, then their contacts and channels (not those of every match)
        page = query.with_only_columns(Conversation.id).subquery()
        query = (select(Conversation, Contact, Channel)
                 .join(Contact, Contact.id == Conversation.contact_id)
                 .join(Channel, Channel.id == Conversation.channel_id)
                 .where(Conversation.id.in_(select(page.c.id)))
                 .order_by(*order_by(Sort(f.sort))))
    async with inbox_search.planner(session, inbox_search.walk(search)):
        rows = (await session.execute(query)).all()
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
                      now: datetime) -> dict[str, Count]:
    """How many conversations each view holds under the other filters (a dense search term's
    counts stop at ``inbox_search.COUNT_CAP``: see ``Count``)."""
    search = await inbox_search.plan(session, workspace_id, f.q) if f.q else None
    base = _filtered(workspace_id, f, user_id, now, search=search, with_view=False, joined=False,
                     dialect=_dialect(session))
    if search is not None and search.capped:
        return await inbox_search.capped_view_counts(session, base, search, user_id)
    total, mine, unassigned = (await session.execute(base.with_only_columns(
        func.count(), func.sum(case((Conversation.assignee_id == user_id, 1), else_=0)),
        func.sum(case((Conversation.assignee_id.is_(None), 1), else_=0))))).one()
    return {"all": Count(total or 0), "mine": Count(mine or 0), "unassigned": Count(unassigned or 0)}


async def count_matching(session: AsyncSession, workspace_id: int, f: InboxFilter, *, user_id: int,
                         now: datetime) -> Count:
    """How many conversations ``f`` lists (its view included): a saved view's number."""
    search = await inbox_search.plan(session, workspace_id, f.q) if f.q else None
    query = _filtered(workspace_id, f, user_id, now, search=search, joined=False, dialect=_dialect(session))
    return await inbox_search.count(session, query, search)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


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
