"""The conversations domain's events: what happened to messages and conversations, as ids and
states (never message bodies). Emitted with ``core.events.emit`` in the transaction that made
the change; consumers read them by cursor (the live stream, and next automation rules and
outgoing webhooks)."""
from __future__ import annotations

from datetime import datetime

from ..core.events import DomainEvent
from ..core.states import ConversationStatus, Direction, EventType, MessageStatus, Priority


class MessageEvent(DomainEvent):
    conversation_id: int
    message_id: int
    direction: Direction
    status: MessageStatus


class MessageReceived(MessageEvent):
    """A customer's message was stored."""

    type = EventType.MESSAGE_RECEIVED


class MessageCreated(MessageEvent):
    """An outbound message was queued, or a private note added."""

    type = EventType.MESSAGE_CREATED


class MessageSent(MessageEvent):
    """The provider accepted an outbound message (it now has the provider's id)."""

    type = EventType.MESSAGE_SENT


class MessageStatusChanged(MessageEvent):
    """An outbound message moved on: sent, delivered, read or failed (with the provider's code)."""

    type = EventType.MESSAGE_STATUS_CHANGED
    error_code: int | None = None


class MessageUpdated(MessageEvent):
    """A message's content changed (an inbound attachment was fetched, or could not be)."""

    type = EventType.MESSAGE_UPDATED


class ConversationEvent(DomainEvent):
    conversation_id: int


class ConversationCreated(ConversationEvent):
    type = EventType.CONVERSATION_CREATED
    channel_id: int
    contact_id: int
    status: ConversationStatus


class ConversationAssigned(ConversationEvent):
    """The agent and/or team changed (None: unassigned)."""

    type = EventType.CONVERSATION_ASSIGNED
    assignee_id: int | None
    team_id: int | None
    actor_id: int | None = None  # the agent who assigned it (None: the API, routing)
    assignee_changed: bool = True  # False when only the team changed


class ConversationStatusChanged(ConversationEvent):
    type = EventType.CONVERSATION_STATUS_CHANGED
    status: ConversationStatus
    snoozed_until: datetime | None = None


class ConversationUpdated(ConversationEvent):
    """Priority or labels changed, or the provider reported the service window closed (only the
    one that changed is set)."""

    type = EventType.CONVERSATION_UPDATED
    priority: Priority | None = None
    labels: tuple[int, ...] | None = None
    window_closed_at: datetime | None = None


class ConversationRead(ConversationEvent):
    """An agent read it: its unread count went to zero."""

    type = EventType.CONVERSATION_READ
