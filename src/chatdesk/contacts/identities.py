"""Who a customer is on a channel: the ids a channel knows them by (``contact_identities``) and
the contact those ids lead to.

A channel may know one person by several ids at once (WhatsApp: a phone number and a
business-scoped user id). Any of them finds the contact; the ones not known yet are attached to
it, so a user id arriving for a phone contact joins that contact, and a number change keeps it.
The handle (username) and parent id the channel reports are kept current on the rows.
Someone new whose phone or email the channel vouches for joins the contact that has it
(``join.py``); likely matches become merge suggestions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.base import ID_DEFAULT, ID_PHONE, PartyId
from ..core.events import emit
from . import join
from .events import ContactCreated, ContactUpdated
from .models import Contact, ContactIdentity, MergeSuggestion
from .timeline import record_contact_event


@dataclass(frozen=True)
class Sender:
    """Who wrote in (or received a message), as the channel reports them: the primary id, the
    other ids of the same person, the profile name, handle and parent id."""

    external_id: str
    profile_name: str | None
    phone: str | None
    id_type: str = ID_DEFAULT
    alt_ids: tuple[PartyId, ...] = ()
    username: str | None = None
    parent_id: str | None = None
    email: str | None = None
    # the channel vouches for the phone and email (a number the provider delivers to; a signed
    # web chat visitor): they may join an existing contact (``join.py``)
    verified: bool = False

    @classmethod
    def of(cls, ids: tuple[PartyId, ...], profile_name: str | None = None, username: str | None = None,
           parent_id: str | None = None, email: str | None = None) -> Sender:
        """From a channel's ids (primary first); the phone is the first phone-number id."""
        phone = next((f"+{p.value}" for p in ids if p.type == ID_PHONE), None)
        # a phone-number id is one the provider delivers to: vouched for (a typed email is not,
        # but only a verified phone or email joins a contact)
        return cls(ids[0].value, profile_name, phone, ids[0].type, ids[1:], username, parent_id,
                   email=email, verified=phone is not None)

    def claim(self) -> join.Claim:
        return join.Claim(join.e164(self.phone), join.email_key(self.email), self.profile_name or self.username,
                          self.verified)

    def ids(self) -> tuple[PartyId, ...]:
        return (PartyId(self.external_id, self.id_type), *self.alt_ids)

    def phones(self) -> set[str]:
        return {f"+{p.value}" for p in self.ids() if p.type == ID_PHONE}


@dataclass(frozen=True)
class IdentityChannel:
    """The channel a sender wrote on: its id, workspace, kind and whether the kind's ids are
    the same on every channel of the workspace (``identity_scope`` "global": WhatsApp's wa_id
    is the phone number) or scoped to this channel ("channel": Messenger PSID, Instagram IGSID)."""

    id: int
    workspace_id: int
    kind: str
    identity_scope: str


@dataclass
class _Known:
    """What the database knows of a batch's ids: this channel's rows, and the contact each id
    leads to (this channel's row first, else the oldest row of the kind in the workspace)."""

    here: dict[str, ContactIdentity]
    contacts: dict[str, Contact]


async def resolve_identity(session: AsyncSession, *, channel: IdentityChannel, external_id: str,
                           profile_name: str | None, phone: str | None, now: datetime) -> Contact:
    """The contact behind a channel identity, created on first contact."""
    found = await resolve_identities(session, channel=channel, senders=[Sender(external_id, profile_name, phone)],
                                     now=now)
    return found[external_id]


async def resolve_identities(session: AsyncSession, *, channel: IdentityChannel, senders: list[Sender],
                             now: datetime) -> dict[str, Contact]:
    """Contacts for many senders on one channel at once (a webhook batch), by every id of every
    sender: one query for the known ones, one flush for the new ones. A sender is found by any
    of their ids (on this channel, or, when the kind's ids are global, on another channel of the
    workspace); the ids not known here yet are attached to that contact; someone unknown gets a
    new contact. Profile names, handles and parent ids are kept up to date."""
    known = await _lookup(session, channel, [p.value for s in senders for p in s.ids()])
    leads = dict(known.contacts)
    owners: list[tuple[Sender, Contact]] = []
    new: list[Contact] = []
    hints: list[tuple[Contact, join.Verdict]] = []
    for s in senders:  # in order: a later report of the same person finds the contact made for an earlier one
        contact = next((leads[p.value] for p in s.ids() if p.value in leads), None)
        verdict = join.Verdict(None)
        if contact is None:
            verdict = await _verdict(session, channel, s)
            contact = await session.get(Contact, verdict.join) if verdict.join else None
            if contact is not None:
                await record_contact_event(session, contact.id, "identity_joined", {
                    "channel_id": channel.id, "external_id": s.external_id, "kind": channel.kind}, None, at=now)
        if contact is None:
            contact = Contact(workspace_id=channel.workspace_id, attributes={}, created_at=now, updated_at=now,
                              name=s.profile_name or s.username or s.phone or s.external_id, phone=s.phone,
                              email=s.email)
            new.append(contact)
            hints.append((contact, verdict))
        for p in s.ids():
            leads.setdefault(p.value, contact)   # an id another contact holds stays theirs
        owners.append((s, contact))
    if new:
        session.add_all(new)
        await session.flush()
        for contact in new:
            emit(session, ContactCreated(workspace_id=channel.workspace_id, contact_id=contact.id))
        _suggest(session, hints, now)
    _attach(session, channel, owners, known.here, leads, now)
    return {p.value: leads[p.value] for s in senders for p in s.ids()}


async def _verdict(session: AsyncSession, channel: IdentityChannel, s: Sender) -> join.Verdict:
    """Whether someone new is a known customer (join) or may be one (suggest)."""
    claim = s.claim()
    if not (claim.phone or claim.email):
        return join.Verdict(None)
    return join.decide(claim, await join.candidates(session, channel.workspace_id, claim))


def _suggest(session: AsyncSession, hints: list[tuple[Contact, join.Verdict]], now: datetime) -> None:
    session.add_all(MergeSuggestion(workspace_id=contact.workspace_id, contact_id=contact.id, other_id=other,
                                    reason=reason, status="open", created_at=now)
                    for contact, verdict in hints for other, reason in verdict.suggest)


async def attach_identities(session: AsyncSession, *, channel: IdentityChannel,
                            found: list[tuple[int, Sender]], now: datetime) -> None:
    """Ids learnt for known contacts (a receipt reporting its recipient's user id and number):
    each attached to its contact unless another contact holds it already."""
    if not found:
        return
    contacts = {c.id: c for c in (await session.execute(
        select(Contact).where(Contact.id.in_({cid for cid, _ in found})))).scalars()}
    known = await _lookup(session, channel, [p.value for _, s in found for p in s.ids()])
    leads = dict(known.contacts)
    owners = [(s, contacts[cid]) for cid, s in found if cid in contacts]
    for s, contact in owners:
        for p in s.ids():
            leads.setdefault(p.value, contact)
    _attach(session, channel, owners, known.here, leads, now)


async def _lookup(session: AsyncSession, channel: IdentityChannel, values: list[str]) -> _Known:
    where: list[Any] = [ContactIdentity.channel_id == channel.id]
    if channel.identity_scope == "global":
        where = [ContactIdentity.workspace_id == channel.workspace_id, ContactIdentity.kind == channel.kind]
    rows = (await session.execute(
        select(Contact, ContactIdentity).join(ContactIdentity, ContactIdentity.contact_id == Contact.id)
        .where(*where, ContactIdentity.external_id.in_(set(values))).order_by(ContactIdentity.id))).all()
    known = _Known({}, {})
    for contact, ident in rows:
        if ident.channel_id == channel.id and ident.external_id not in known.here:
            known.here[ident.external_id] = ident
            known.contacts[ident.external_id] = contact
    for contact, ident in rows:
        known.contacts.setdefault(ident.external_id, contact)
    return known


def _attach(session: AsyncSession, channel: IdentityChannel, owners: list[tuple[Sender, Contact]],
            here: dict[str, ContactIdentity], leads: dict[str, Contact], now: datetime) -> None:
    """Each sender's ids on its contact: new rows for ids not on this channel yet, current
    profile name, handle and parent id on the rows it has; the contact's name and phone follow."""
    changed: dict[int, tuple[Contact, set[str]]] = {}
    for s, contact in owners:
        mine = [here[p.value] for p in s.ids() if p.value in here and here[p.value].contact_id == contact.id]
        fields = _follow(contact, s, mine, now)
        for ident in mine:
            _refresh(ident, s)
        for p in s.ids():
            if p.value not in here and leads[p.value] is contact:
                here[p.value] = ContactIdentity(
                    workspace_id=channel.workspace_id, contact_id=contact.id, channel_id=channel.id,
                    kind=channel.kind, external_id=p.value, id_type=p.type, profile_name=s.profile_name,
                    username=s.username, parent_user_id=s.parent_id, created_at=now, phone=join.e164(s.phone),
                    email=join.email_key(s.email), verified=s.verified)
                session.add(here[p.value])
        if fields:
            changed.setdefault(contact.id, (contact, set()))[1].update(fields)
    for contact, fields in changed.values():
        emit(session, ContactUpdated(workspace_id=contact.workspace_id, contact_id=contact.id,
                                     fields=tuple(sorted(fields))))


def _refresh(ident: ContactIdentity, s: Sender) -> None:
    """What the channel last reported about the person, kept on their row (absent: unchanged,
    since Meta leaves the handle out of some receipts)."""
    ident.profile_name = s.profile_name or ident.profile_name
    ident.username = s.username or ident.username
    ident.parent_user_id = s.parent_id or ident.parent_user_id


def _follow(contact: Contact, s: Sender, rows: list[ContactIdentity], now: datetime) -> set[str]:
    """Bring a contact's name and phone up to what the channel reports, unless an agent changed
    them: the name follows the profile name (else the handle) while it is still one the channel
    gave; the phone is filled in when first learnt and follows a number change. What changed."""
    fields: set[str] = set()
    wanted = s.profile_name or s.username
    given = {"", *(p.value for p in s.ids()), *s.phones(), *(r.profile_name for r in rows if r.profile_name),
             *(r.username for r in rows if r.username)}
    if wanted and contact.name != wanted and contact.name in given:
        contact.name = wanted
        fields.add("name")
    if s.phone and contact.phone != s.phone and (contact.phone is None or contact.phone in s.phones()):
        contact.phone = s.phone
        fields.add("phone")
    if fields or any(r.profile_name != s.profile_name and s.profile_name for r in rows):
        contact.updated_at = now
    return fields


async def identity_for(session: AsyncSession, contact_id: int, channel_id: int,
                       address_by: tuple[str, ...] = (ID_DEFAULT,)) -> ContactIdentity | None:
    """The id a send to the contact on this channel must use: of the kinds the channel can
    address (``address_by``, most preferred first) the first the contact has, the newest of
    that kind (a changed number replaces the old); else the contact's oldest id there."""
    rows = list((await session.execute(select(ContactIdentity).where(
        ContactIdentity.contact_id == contact_id, ContactIdentity.channel_id == channel_id)
        .order_by(ContactIdentity.id))).scalars())
    for id_type in address_by:
        of_type = [r for r in rows if r.id_type == id_type]
        if of_type:
            return of_type[-1]
    return rows[0] if rows else None
