"""REST shapes of contacts."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class IdentityOut(BaseModel):
    """How one channel knows the customer: identities are per channel (a customer who wrote to
    two numbers has one on each), one per id the channel knows them by (``id_type``: "phone",
    "user_id"; "id" where a channel has one kind). ``username`` is the handle they show, never
    an id; ``parent_user_id`` the id linked businesses share."""

    id: int
    channel_id: int
    channel: str  # the channel's kind (the same as ``kind``)
    kind: str
    external_id: str
    id_type: str
    profile_name: str | None
    username: str | None = None
    parent_user_id: str | None = None
    display: str  # how to show it: the handle, name or number the channel reported
    phone: str | None = None
    email: str | None = None
    verified: bool = False  # the channel vouches for its phone / email
    created_at: datetime


class ContactOut(BaseModel):
    id: int
    name: str
    phone: str | None
    email: str | None
    language: str | None
    attributes: dict[str, Any]
    identities: list[IdentityOut]
    labels: list[str] = []
    created_at: datetime
    updated_at: datetime


class ContactIn(BaseModel):
    """A change to a contact: only the fields given change; ``attributes`` maps attribute keys
    to values (``null`` clears one)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    language: str | None = Field(default=None, max_length=16)
    attributes: dict[str, Any] | None = Field(default=None, max_length=100)


class ConsentIn(BaseModel):
    """Record an opt-in or opt-out; ``channel_id`` defaults to the channel the contact last used."""

    model_config = ConfigDict(extra="forbid")

    purpose: Literal["marketing", "utility"]
    status: Literal["opted_in", "opted_out"]
    source: Literal["keyword", "widget", "api", "import", "agent"]
    reference: str | None = Field(default=None, max_length=500, description="the proof: a form id, a message id ...")
    note: str | None = Field(default=None, max_length=1000)
    channel_id: int | None = None


class ConsentOut(BaseModel):
    id: int
    channel_id: int
    purpose: str
    status: str
    source: str
    reference: str | None
    note: str | None
    recorded_by: str | None
    at: datetime


class ConsentsOut(BaseModel):
    """A contact's consent history, newest first, and the current state (the latest entry) of
    each channel and purpose."""

    items: list[ConsentOut]
    current: list[ConsentOut]


class MergeIn(BaseModel):
    """Merge contact ``contact_id`` INTO the contact of the path."""

    model_config = ConfigDict(extra="forbid")

    contact_id: int


class UnmergeIn(BaseModel):
    """Split identity ``identity_id`` off the contact of the path."""

    model_config = ConfigDict(extra="forbid")

    identity_id: int


class UnmergeOut(BaseModel):
    contact: ContactOut  # the contact the identity left
    split: ContactOut  # the contact it now belongs to (restored, or new)


class TimelineItemOut(BaseModel):
    """An event (``type`` "event", ``kind`` merged, unmerged, attribute_changed ...) or a
    conversation (``type`` "conversation": channel, status, started, preview in ``data``)."""

    type: str
    id: int
    at: datetime
    kind: str
    data: dict[str, Any]
    actor: str | None


class TimelineOut(BaseModel):
    items: list[TimelineItemOut]
    next_cursor: str | None


class SuggestionOut(BaseModel):
    id: int
    contact_id: int  # the other contact, possibly the same customer
    name: str
    reason: str
    created_at: datetime
