"""The join rule: whether a new channel identity is a customer we already know.

A new identity that carries a phone number or email the channel vouches for (a WhatsApp number;
a web chat visitor whose site signed their user id) joins the contact that already has it on a
verified identity, or a contact the business entered itself (no identities: imported, typed in).
Anything weaker (the same number or email typed by an anonymous visitor, the same name and email
from a pre-chat form, the same name and the same last digits) is only a merge suggestion for an
agent: never merged on its own, never across workspaces. ``decide`` is pure; ``candidates`` is
the one query it needs.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Contact, ContactIdentity, name_key

# How many digits at the end of two numbers make "the same name and the same last digits" likely.
LAST_DIGITS = 4


def e164(raw: str | None, region: str | None = None) -> str | None:
    """A phone number in E.164 ("+31612000444"), or None when it cannot be one."""
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    if region is None and not text.startswith("+"):
        text = "+" + text  # ids like WhatsApp's wa_id are numbers without the plus
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):  # lenient: new ranges, test numbers
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_key(raw: str | None) -> str | None:
    """An email as compared: trimmed and case-folded; None unless it looks like one."""
    text = (raw or "").strip().casefold()
    return text if "@" in text.strip("@") else None


@dataclass(frozen=True)
class Claim:
    """What a new identity carries: its phone (E.164), email (case-folded), the name it shows,
    and whether the channel vouches for the phone and email."""

    phone: str | None
    email: str | None
    name: str | None
    verified: bool


@dataclass(frozen=True)
class Candidate:
    """A contact of the workspace that shares something with a claim: its own phone and email,
    those its verified identities vouch for, and whether it has any identity at all."""

    contact_id: int
    name: str
    phone: str | None
    email: str | None
    vouched: frozenset[str] = frozenset()
    has_identities: bool = True


@dataclass(frozen=True)
class Verdict:
    """The contact to join (None: a new one), and the likely matches to suggest, with why."""

    join: int | None
    suggest: tuple[tuple[int, str], ...] = ()


def decide(claim: Claim, candidates: Iterable[Candidate]) -> Verdict:
    """Join the oldest contact a verified claim matches for sure; suggest the likely others."""
    ordered = sorted(candidates, key=lambda c: c.contact_id)
    wanted = {v for v in (claim.phone, claim.email) if v}
    join = None
    if claim.verified and wanted:
        join = next((c.contact_id for c in ordered if wanted & c.vouched
                     or (not c.has_identities and wanted & {_e164(c.phone), email_key(c.email)})), None)
    suggest = tuple((c.contact_id, why) for c in ordered if c.contact_id != join and (why := _likely(claim, c)))
    return Verdict(join, suggest)


def _e164(phone: str | None) -> str | None:
    return e164(phone)


def _likely(claim: Claim, c: Candidate) -> str | None:
    """Why ``c`` may be the same customer (None: no reason to think so)."""
    same_name = bool(claim.name) and name_key(claim.name) == name_key(c.name)
    phone, email = _e164(c.phone), email_key(c.email)
    if claim.email and (claim.email == email or claim.email in c.vouched):
        return "name_email" if same_name else "email"
    if claim.phone and (claim.phone == phone or claim.phone in c.vouched):
        return "phone"
    if same_name and claim.phone and phone and claim.phone[-LAST_DIGITS:] == phone[-LAST_DIGITS:]:
        return "name_phone_end"
    return None


async def candidates(session: AsyncSession, workspace_id: int, claim: Claim,
                     exclude: Iterable[int] = ()) -> list[Candidate]:
    """The workspace's unmerged contacts that share the claim's phone, email or name, with what
    their identities vouch for (one query)."""
    conds = []
    if claim.phone:
        conds += [Contact.phone_key == claim.phone[1:][::-1], ContactIdentity.phone == claim.phone]
    if claim.email:
        conds += [func.lower(Contact.email) == claim.email, ContactIdentity.email == claim.email]
    if claim.name and (key := name_key(claim.name)) and (claim.phone or claim.email):
        conds.append(Contact.name_key == key)
    if not conds:
        return []
    rows = (await session.execute(
        select(Contact, ContactIdentity).outerjoin(ContactIdentity, ContactIdentity.contact_id == Contact.id)
        .where(Contact.workspace_id == workspace_id, Contact.merged_into_id.is_(None),
               Contact.id.not_in(list(exclude)), or_(*conds)))).all()
    found: dict[int, tuple[Contact, set[str], bool]] = {}
    for contact, ident in rows:
        _, vouched, _ = found.setdefault(contact.id, (contact, set(), False))
        if ident is not None:
            if ident.verified:
                vouched.update(v for v in (ident.phone, ident.email) if v)
            found[contact.id] = (contact, vouched, True)
    return [Candidate(c.id, c.name, c.phone, c.email, frozenset(v), has) for c, v, has in found.values()]
