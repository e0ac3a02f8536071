"""Tables of the contacts domain."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, validates

from ..channels.base import ID_DEFAULT
from ..core.db import Base, Id, Json, UTCDateTime
from ..core.folding import fold

# Search keys: byte-ordered ("C") on PostgreSQL so a prefix is a range scan whatever the
# database's collation; SQLite compares text bytewise already.
Key = String(200).with_variant(String(200, collation="C"), "postgresql")


def name_key(name: str | None) -> str:
    """What a name is matched against: case-folded (Unicode-aware, unlike SQLite's lower()) and
    without accents, so "muller" finds "Müller" (migration 0024 keeps stored keys in step)."""
    return fold(name or "")[:200]


def phone_key(phone: str | None) -> str | None:
    """A number's digits reversed, so "ends with these digits" is a prefix (index range) match."""
    digits = "".join(ch for ch in phone or "" if ch in "0123456789")
    return digits[::-1] or None


class Contact(Base):
    """One customer profile; every channel identity of the customer points here.

    ``name_key`` and ``phone_key`` are derived from ``name`` and ``phone`` whenever those are
    set through the ORM (``validates`` below); they exist only for indexed search.
    """

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    name_key: Mapped[str] = mapped_column(Key, default="", server_default="")
    phone_key: Mapped[str | None] = mapped_column(Key, nullable=True)
    avatar: Mapped[str | None] = mapped_column(String(200), nullable=True)  # media store key of their picture
    # merged into another contact (kept so an unmerge can restore it; hidden from lists). Migration 0020.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True)
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_contacts_workspace_phone", "workspace_id", "phone"),
        Index("ix_contacts_workspace_name", "workspace_id", "name"),
        Index("ix_contacts_name_key", "workspace_id", "name_key"),  # name prefix search
        Index("ix_contacts_phone_key", "workspace_id", "phone_key"),  # phone "ends with" search
        Index("ix_contacts_workspace_email", "workspace_id", "email"),  # imports match on it
    )

    @validates("name")
    def _set_name(self, _key: str, value: str) -> str:
        self.name_key = name_key(value)
        return value

    @validates("phone")
    def _set_phone(self, _key: str, value: str | None) -> str | None:
        self.phone_key = phone_key(value)
        return value


# Ids fit a business-scoped user id: "CC.ENT." (a parent id) + up to 128 alphanumerics.
ID_LENGTH = 160


class ContactIdentity(Base):
    """How one channel knows the customer: wa_id, PSID, IGSID, widget visitor id.

    Unique per channel: Messenger and Instagram ids are scoped per page / account, so the same id
    on two channels may be two people, and a send must use the identity on its own channel.
    A channel may know one person by several ids (``id_type``: a phone number and a platform
    user id, ``channels.base.ID_*``): one row each, all pointing at the same contact.
    ``username`` is the handle the person shows (never an id); ``parent_user_id`` the id a
    group of linked businesses shares.
    """

    __tablename__ = "contact_identities"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    profile_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    id_type: Mapped[str] = mapped_column(String(16), default=ID_DEFAULT, server_default=ID_DEFAULT)
    username: Mapped[str | None] = mapped_column(String(200), nullable=True)
    parent_user_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), nullable=True)
    username_key: Mapped[str | None] = mapped_column(Key, nullable=True)
    # when the channel's profile (name, picture) was last fetched; None: never (contacts/profiles.py)
    profile_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # the phone (E.164) and email (case-folded) the identity carries, and whether the channel
    # vouches for them (a WhatsApp number; a signed web chat visitor): verified ones join contacts
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the contact it belonged to before a merge moved it (an unmerge restores that contact)
    origin_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"),
                                                          nullable=True)

    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        Index("ix_contact_identities_phone", "workspace_id", "phone"),  # the join rule's lookups
        Index("ix_contact_identities_email", "workspace_id", "email"),
        # kinds whose ids are global (WhatsApp): a known customer writing to another number
        Index("ix_contact_identities_kind_external", "workspace_id", "kind", "external_id"),
        Index("ix_contact_identities_username_key", "workspace_id", "username_key"),  # username prefix search
    )

    @validates("username")
    def _set_username(self, _key: str, value: str | None) -> str | None:
        self.username_key = username_key(value)
        return value


def username_key(username: str | None) -> str | None:
    """What a username prefix is matched against: case-folded, without the leading "@"."""
    return name_key((username or "").lstrip("@")) or None


class Consent(Base):
    """One entry of a contact's consent ledger: append-only (rows are never changed or deleted
    but with their contact), so the history is the proof. The current state of a (contact,
    channel, purpose) is its latest row (highest id)."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))  # marketing | utility
    status: Mapped[str] = mapped_column(String(16))  # opted_in | opted_out
    source: Mapped[str] = mapped_column(String(16))  # keyword | widget | api | import | agent
    reference: Mapped[str | None] = mapped_column(String(500), nullable=True)  # proof: a message id, a form ...
    note: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    recorded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # contact, api, user:<id>
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # the current state: the latest row of a contact's channel and purpose
        Index("ix_consents_contact_channel_purpose", "contact_id", "channel_id", "purpose", "id"),
    )


class MergeSuggestion(Base):
    """A likely match an agent may merge or dismiss (never merged on its own): ``contact_id``
    is the newer contact, ``other_id`` the one it may be. ``status``: open | dismissed | merged."""

    __tablename__ = "merge_suggestions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))  # phone | email | name_email | name_phone_end
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (
        UniqueConstraint("contact_id", "other_id"),
        Index("ix_merge_suggestions_other_id", "other_id"),
    )


class ContactEvent(Base):
    """One entry of a contact's timeline (append-only): merged, unmerged, attribute_changed,
    consent_changed, label_added ...; ``data`` says what, ``actor`` who (``user:<id>``, ``api``)."""

    __tablename__ = "contact_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_contact_events_timeline", "contact_id", "at", "id"),)
class AttributeDef(Base):
    """A custom contact attribute of a workspace: values live in ``Contact.attributes`` under
    ``key``, checked against ``type`` (``attributes.py``)."""

    __tablename__ = "contact_attribute_defs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))  # text | number | date | bool | choice
    choices: Mapped[list[str]] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("workspace_id", "key"),)


class ContactLabel(Base):
    """A workspace label (the ``labels`` table conversations use too) on a contact."""

    __tablename__ = "contact_labels"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"), index=True)

    __table_args__ = (UniqueConstraint("contact_id", "label_id"),)


class ContactImport(Base):
    """A CSV import started from the contacts page: the uploaded file, run by a job, its
    progress and the report of rejected rows (``line,reason`` lines)."""

    __tablename__ = "contact_imports"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))  # queued | running | done | failed
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
