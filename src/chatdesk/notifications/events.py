"""The notifications domain's event: an agent was notified (the inbox's bell listens for it)."""
from __future__ import annotations

from ..core.events import DomainEvent
from ..core.states import EventType


class NotificationCreated(DomainEvent):
    """``user_id`` has a new notification; the other agents' browsers ignore it."""

    type = EventType.NOTIFICATION_CREATED
    notification_id: int
    user_id: int
    kind: str
    conversation_id: int
