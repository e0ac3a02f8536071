"""Read models of the agent inbox: the filtered conversation list, a thread, the contact panel.

Every query is scoped by workspace id; the caller gets only its own workspace's rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.models import User
from ..channels.models import Channel
from ..contacts.models import Contact, ContactIdentity
from .labels import ConversationLabel, Label, labels_of
from .models import Conversation, Message

VIEWS = ("mine", "unassigned", "all")
STATUSES = ("open", "pending", "snoozed", "resolved", "all")


@dataclass
class InboxFilter:
    view: str = "all"
    status: str = "open"
    channel_id: int | None = None
    label_id: int | None = None
    team_id: int | None = None
    q: str = ""

    def normalised(self) -> InboxFilter:
        return InboxFilter(self.view if self.view in VIEWS else "all",
                           self.status if self.status in STATUSES else "open",
                           self.channel_id, self.label_id, self.team_id, self.q.strip()[:100])


@dataclass
class Row:
    conv: Conversation
    contact: Contact
    channel: Channel
    assignee: str | None = None
    last: Message | None = None
    labels: list[Label] = field(default_factory=list)


def _status_clause(status: str, now: datetime) -> Any:
    if status == "open":  # open, or snoozed until a time that has passed
        # the IN lets an index on (workspace_id, status) find both kinds; the OR alone does not
        return and_(Conversation.status.in_(("open", "snoozed")),
                    or_(Conversation.status == "open", Conversation.snoozed_until <= now))
    if status == "snoozed":
        return and_(Conversation.status == "snoozed", Conversation.snoozed_until > now)
    return Conversation.status == status


def _filtered(workspace_id: int, f: InboxFilter, user_id: int, now: datetime, *, with_view: bool = True,
              joined: bool = True) -> Any:
    """The filtered conversations (joined with their contact and channel unless ``joined`` is
    false: counting needs the joins only to search the contact's name and phone)."""
    query = select(Conversation)
    if joined or f.q:
        query = (select(Conversation, Contact, Channel)
                 .join(Contact, Contact.id == Conversation.contact_id)
                 .join(Channel, Channel.id == Conversation.channel_id))
    query = query.where(Conversation.workspace_id == workspace_id)
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
    if f.q:
        query = query.where(_search(f.q))
    return query


def _search(q: str) -> Any:
    """Contact name, phone digits, or the text of any message in the conversation."""
    like = f"%{q.lower().replace('%', '').replace('_', '')}%"
    conds = [func.lower(Contact.name).like(like),
             exists().where(Message.conversation_id == Conversation.id, func.lower(Message.text).like(like))]
    digits = "".join(ch for ch in q if ch.isdigit())
    if len(digits) >= 3:
        conds.append(Contact.phone.like(f"%{digits}%"))
    return or_(*conds)


async def inbox_rows(session: AsyncSession, workspace_id: int, f: InboxFilter, *, user_id: int,
                     now: datetime, limit: int = 100) -> list[Row]:
    """Newest activity first, with assignee names, labels and each conversation's last message."""
    rows = (await session.execute(_filtered(workspace_id, f, user_id, now)
                                  .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
                                  .limit(limit))).all()
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
    base = _filtered(workspace_id, f, user_id, now, with_view=False, joined=False).with_only_columns(
        func.count(), func.sum(case((Conversation.assignee_id == user_id, 1), else_=0)),
        func.sum(case((Conversation.assignee_id.is_(None), 1), else_=0)))
    total, mine, unassigned = (await session.execute(base)).one()
    return {"all": total or 0, "mine": mine or 0, "unassigned": unassigned or 0}


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


async def thread(session: AsyncSession, conv: Conversation, *, after: int = 0, limit: int = 300) -> Thread:
    """The conversation's messages oldest first (the latest ``limit``, or those after ``after``)."""
    query = select(Message).where(Message.conversation_id == conv.id)
    if after:
        query = query.where(Message.id > after)
    rows = list((await session.execute(query.order_by(Message.id.desc()).limit(limit + 1))).scalars())
    has_more = len(rows) > limit
    messages = list(reversed(rows[:limit]))
    reply_ids = {m.reply_to_id for m in messages if m.reply_to_id}
    quoted = {m.id: m for m in (await session.execute(select(Message).where(
        Message.id.in_(reply_ids), Message.conversation_id == conv.id))).scalars()} if reply_ids else {}
    # reactions point at the provider id of the message they react to
    wamids = {(m.content or {}).get("message_id") for m in messages if m.type == "reaction"} - {None}
    if wamids:
        for target in (await session.execute(select(Message).where(
                Message.channel_id == conv.channel_id, Message.provider_message_id.in_(wamids)))).scalars():
            quoted[-target.id] = target
    authors = await user_names(session, [m.author_id for m in messages
                                         if m.author_type == "agent" and m.author_id])
    return Thread(messages, quoted, authors, has_more)


async def one_message(session: AsyncSession, conv: Conversation, message_id: int) -> Message | None:
    m = await session.get(Message, message_id)
    return m if m is not None and m.conversation_id == conv.id else None


@dataclass
class ContactPanel:
    contact: Contact
    identities: list[ContactIdentity]
    others: list[tuple[Conversation, Channel]]


async def contact_panel(session: AsyncSession, conv: Conversation) -> ContactPanel:
    contact = await session.get(Contact, conv.contact_id)
    idents = list((await session.execute(select(ContactIdentity).where(
        ContactIdentity.contact_id == contact.id).order_by(ContactIdentity.id))).scalars())
    others = [(c, ch) for c, ch in (await session.execute(
        select(Conversation, Channel).join(Channel, Channel.id == Conversation.channel_id).where(
            Conversation.contact_id == contact.id, Conversation.workspace_id == conv.workspace_id,
            Conversation.id != conv.id).order_by(Conversation.last_message_at.desc()).limit(20))).all()]
    return ContactPanel(contact, idents, others)
