"""The contacts domain's events: a contact was created or changed (ids only, no personal data)."""
from __future__ import annotations

from ..core.events import DomainEvent
from ..core.states import EventType


class ContactCreated(DomainEvent):
    type = EventType.CONTACT_CREATED
    contact_id: int


class ContactUpdated(DomainEvent):
    """Its profile changed; ``fields`` names what (e.g. ``("name",)``)."""

    type = EventType.CONTACT_UPDATED
    contact_id: int
    fields: tuple[str, ...] = ()


class ConversationMoved(DomainEvent):
    """A merge or unmerge gave the conversation another contact. Sent as ``conversation.updated``
    (what changed: ``contact_id``), so every reader of conversation updates refreshes it; declared
    here because the contacts domain moves it and cannot import the conversations domain."""

    type = EventType.CONVERSATION_UPDATED
    conversation_id: int
    contact_id: int
