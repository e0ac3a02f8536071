"""Merging two contacts into one and splitting an identity off again.

``merge(keep, other)`` moves everything of ``other`` to ``keep``: identities (remembering where
they came from), conversations (with their labels and notes), consents and attributes (``keep``'s
value wins a clash; the other is kept in the event). ``other`` stays, marked ``merged_into_id``,
so ``unmerge`` can restore it with the conversations of the identity split off. Both write the
timeline and tell the live stream; the caller owns the transaction (one for the whole move).
Labels of the other contact are copied to the kept one. Conversations and consents are moved by
table name: the conversations domain sits above contacts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import column, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.db import get_in_workspace
from ..core.errors import Problem, not_found
from ..core.events import emit
from . import labels as contact_labels
from .events import ContactUpdated, ConversationMoved
from .models import Consent, Contact, ContactEvent, ContactIdentity, ContactLabel, MergeSuggestion
from .timeline import record_contact_event

PROFILE = ("phone", "email", "language")  # filled in from the other contact where the kept one has none
_conversations = table("conversations", column("id"), column("contact_id"), column("channel_id"), column("status"))


@dataclass(frozen=True)
class Moved:
    """What a merge or unmerge moved: the contacts concerned and the conversations that changed hands."""

    contact_id: int
    other_id: int
    conversation_ids: tuple[int, ...]
    to_id: int  # the contact the conversations went to


async def merge(session: AsyncSession, workspace_id: int, keep_id: int, other_id: int, *, actor: str | None,
                now: datetime) -> Moved:
    """Merge contact ``other_id`` INTO ``keep_id``."""
    if keep_id == other_id:
        raise Problem(422, "merge_same_contact", "Cannot merge a contact with itself")
    keep = await live_contact(session, workspace_id, keep_id)
    other = await live_contact(session, workspace_id, other_id)
    idents = list((await session.scalars(select(ContactIdentity).where(ContactIdentity.contact_id == other.id)
                                         .order_by(ContactIdentity.id))).all())
    for ident in idents:
        ident.origin_contact_id = ident.origin_contact_id or other.id
        ident.contact_id = keep.id
    convs, resolved = await _move_conversations(session, other.id, keep.id)
    await session.execute(update(Consent).where(Consent.contact_id == other.id).values(contact_id=keep.id))
    # the other's labels are copied, not moved: an unmerge restores it with its own
    label_ids = (await session.scalars(select(ContactLabel.label_id).where(ContactLabel.contact_id == other.id))).all()
    await contact_labels.add(session, [(keep.id, label_id) for label_id in label_ids])
    await session.execute(update(Contact).where(Contact.merged_into_id == other.id).values(merged_into_id=keep.id))
    clashes, filled = _merge_profile(keep, other, now)
    other.merged_into_id, other.merged_at, other.updated_at = keep.id, now, now
    await _close_suggestions(session, keep.id, other.id, actor, now)
    await record_contact_event(session, keep.id, "merged", {
        "contact_id": other.id, "name": other.name, "identity_ids": [i.id for i in idents],
        "conversation_ids": list(convs), "resolved_conversation_ids": list(resolved),
        "attributes_kept_from_other": clashes, "filled": filled}, actor, at=now)
    await record_contact_event(session, other.id, "merged_into", {"contact_id": keep.id}, actor, at=now)
    return _told(session, workspace_id, Moved(keep.id, other.id, convs, keep.id))


async def unmerge(session: AsyncSession, workspace_id: int, contact_id: int, identity_id: int, *,
                  actor: str | None, now: datetime) -> Moved:
    """Split identity ``identity_id`` off contact ``contact_id``: into the contact it came from
    (restored) if a merge brought it, else into a new contact; its channel's conversations go with it."""
    contact = await live_contact(session, workspace_id, contact_id)
    ident = await session.get(ContactIdentity, identity_id)
    if ident is None or ident.contact_id != contact.id:
        raise not_found("Identity")
    rest = list((await session.scalars(select(ContactIdentity).where(
        ContactIdentity.contact_id == contact.id, ContactIdentity.id != ident.id))).all())
    # the same person's other ids on the channel (a phone and a user id) go along
    going = [ident, *(r for r in rest if _group(r) == _group(ident))]
    if len(going) > len(rest):
        raise Problem(422, "last_identity", "Cannot split off all of a contact's identities")
    target = await _split_target(session, contact, ident, now)
    for row in going:
        row.contact_id, row.origin_contact_id = target.id, None
    taking, reopen = await _taking(session, contact, target, going, rest)
    convs, _ = await _move_conversations(session, contact.id, target.id, channel_id=ident.channel_id, only=taking)
    await _reopen(session, target.id, [c for c in convs if c in reopen])
    data = {"identity_ids": [r.id for r in going], "conversation_ids": list(convs)}
    await record_contact_event(session, contact.id, "unmerged", {"contact_id": target.id, **data}, actor, at=now)
    await record_contact_event(session, target.id, "unmerged_from", {"contact_id": contact.id, **data}, actor,
                               at=now)
    return _told(session, workspace_id, Moved(contact.id, target.id, convs, target.id))


def _group(ident: ContactIdentity) -> tuple[int, int | None]:
    """Identities that split off together: one channel's ids of one person (a phone and a user id)."""
    return (ident.channel_id, ident.origin_contact_id)


def splittable(idents: list[ContactIdentity]) -> set[int]:
    """The ids of identities an unmerge can split off: all, unless they are one group (the contact
    would be left with none)."""
    return {i.id for i in idents} if len({_group(i) for i in idents}) > 1 else set()


async def live_contact(session: AsyncSession, workspace_id: int, contact_id: int) -> Contact:
    """The contact, unless it was merged: then a 404 naming the one it was merged into."""
    contact = await get_in_workspace(session, Contact, workspace_id, contact_id)
    if contact.merged_into_id is not None:
        raise Problem(404, "contact_merged", "Contact merged into another",
                      f"Contact {contact.id} was merged into contact {contact.merged_into_id}.",
                      merged_into_id=contact.merged_into_id)
    return contact


async def _taking(session: AsyncSession, contact: Contact, target: Contact, going: list[ContactIdentity],
                  rest: list[ContactIdentity]) -> tuple[set[int] | None, set[int]]:
    """Which of the contact's conversations on the identity's channel go with it (None: all):
    those a merge brought from the restored contact; for a new contact, all of them unless an
    identity that stays is on that channel too (then none: whose they are is not known). And
    which of them the merge had resolved (reopened when they go back)."""
    events = (await session.scalars(select(ContactEvent).where(
        ContactEvent.contact_id == contact.id, ContactEvent.kind == "merged"))).all()
    mine = [e.data or {} for e in events if (e.data or {}).get("contact_id") == target.id]
    brought = {c for d in mine for c in d.get("conversation_ids", [])}
    resolved = {c for d in mine for c in d.get("resolved_conversation_ids", [])}
    if brought:
        return brought, resolved
    staying = {r.channel_id for r in rest if r not in going}
    return (set() if going[0].channel_id in staying else None), set()


async def _reopen(session: AsyncSession, contact_id: int, conv_ids: list[int]) -> None:
    """Reopen conversations a merge resolved, where the contact has no open one on that channel."""
    c = _conversations.c
    rows = (await session.execute(select(c.id, c.channel_id).where(c.id.in_(conv_ids), c.status == "resolved"))).all()
    busy = set((await session.scalars(select(c.channel_id).where(c.contact_id == contact_id,
                                                                 c.status != "resolved"))).all())
    for row in rows:
        if row.channel_id not in busy:
            busy.add(row.channel_id)
            await session.execute(update(_conversations).where(c.id == row.id).values(status="open"))


async def _split_target(session: AsyncSession, contact: Contact, ident: ContactIdentity, now: datetime) -> Contact:
    origin = await session.get(Contact, ident.origin_contact_id) if ident.origin_contact_id else None
    if origin is not None and origin.merged_into_id == contact.id:
        origin.merged_into_id, origin.merged_at, origin.updated_at = None, None, now
        return origin
    fresh = Contact(workspace_id=contact.workspace_id, attributes={}, created_at=now, updated_at=now,
                    name=ident.profile_name or ident.username or ident.phone or ident.external_id,
                    phone=ident.phone, email=ident.email)
    session.add(fresh)
    await session.flush()
    return fresh


async def _move_conversations(session: AsyncSession, src: int, dst: int, channel_id: int | None = None,
                              only: set[int] | None = None) -> tuple[tuple[int, ...], list[int]]:
    """Move ``src``'s conversations to ``dst``: the ids moved, and those resolved. One unresolved
    conversation per contact and channel: where both have one on a channel, the moved one is
    resolved (its messages stay; an unmerge reopens it)."""
    c = _conversations.c
    where = [c.contact_id == src] + ([c.channel_id == channel_id] if channel_id is not None else [])
    if only is not None:
        where.append(c.id.in_(only))
    rows = (await session.execute(select(c.id, c.channel_id, c.status).where(*where))).all()
    busy = set((await session.scalars(select(c.channel_id).where(c.contact_id == dst, c.status != "resolved"))).all())
    clash = [r.id for r in rows if r.status != "resolved" and r.channel_id in busy]
    if clash:
        await session.execute(update(_conversations).where(c.id.in_(clash)).values(status="resolved"))
    if rows:
        await session.execute(update(_conversations).where(c.id.in_([r.id for r in rows])).values(contact_id=dst))
    return tuple(r.id for r in rows), clash


def _merge_profile(keep: Contact, other: Contact, now: datetime) -> tuple[dict[str, Any], list[str]]:
    """``keep``'s attributes and profile win; the other's values it lacked are added. Returns the
    other's values that lost a clash and the profile fields filled in."""
    mine, theirs = dict(keep.attributes or {}), dict(other.attributes or {})
    clashes = {k: v for k, v in theirs.items() if k in mine and mine[k] != v}
    keep.attributes = {**theirs, **mine}
    filled = [f for f in PROFILE if getattr(keep, f) is None and getattr(other, f) is not None]
    for f in filled:
        setattr(keep, f, getattr(other, f))
    keep.updated_at = now
    return clashes, filled


async def _close_suggestions(session: AsyncSession, a: int, b: int, actor: str | None, now: datetime) -> None:
    await session.execute(update(MergeSuggestion).where(
        MergeSuggestion.status == "open",
        ((MergeSuggestion.contact_id == a) & (MergeSuggestion.other_id == b))
        | ((MergeSuggestion.contact_id == b) & (MergeSuggestion.other_id == a)))
        .values(status="merged", decided_at=now, decided_by=actor))


def _told(session: AsyncSession, workspace_id: int, moved: Moved) -> Moved:
    """The live stream: both contacts changed, and every conversation that changed hands."""
    for cid in (moved.contact_id, moved.other_id):
        emit(session, ContactUpdated(workspace_id=workspace_id, contact_id=cid, fields=("identities",)))
    for conv in moved.conversation_ids:
        emit(session, ConversationMoved(workspace_id=workspace_id, conversation_id=conv, contact_id=moved.to_id))
    return moved
