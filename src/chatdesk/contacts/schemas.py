"""REST shapes of contacts."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class IdentityOut(BaseModel):
    """How one channel knows the customer: identities are per channel (a customer who wrote to
    two numbers has one on each), one per id the channel knows them by (``id_type``: "phone",
    "user_id"; "id" where a channel has one kind). ``username`` is the handle they show, never
    an id; ``parent_user_id`` the id linked businesses share."""

    channel_id: int
    kind: str
    external_id: str
    id_type: str
    profile_name: str | None
    username: str | None = None
    parent_user_id: str | None = None


class ContactOut(BaseModel):
    id: int
    name: str
    phone: str | None
    email: str | None
    language: str | None
    attributes: dict[str, Any]
    identities: list[IdentityOut]
    created_at: datetime
    updated_at: datetime
