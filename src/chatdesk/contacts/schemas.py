"""REST shapes of contacts."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class IdentityOut(BaseModel):
    """How one channel knows the customer: identities are per channel (a customer who wrote to
    two numbers has one on each)."""

    channel_id: int
    kind: str
    external_id: str
    profile_name: str | None


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
