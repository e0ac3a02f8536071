"""The words the domain is spoken in, in one place: message statuses, conversation states,
priorities, directions, authors and event names.

``StrEnum``s: a member equals its string, so rows, JSON and templates keep plain strings while
code names the value instead of repeating a literal.
"""
from __future__ import annotations

from enum import StrEnum


class MessageStatus(StrEnum):
    """Where a message is. Outbound ones move only forward, in the order declared here
    (see ``conversations.policy.next_status``); ``failed`` is final."""

    QUEUED = "queued"  # in the outbox
    PENDING = "pending"  # accepted by the provider
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    RECEIVED = "received"  # inbound messages
    NOTE = "note"  # private notes never leave


# The only order an outbound message's status may move in.
OUTBOUND_ORDER: tuple[MessageStatus, ...] = (MessageStatus.QUEUED, MessageStatus.PENDING, MessageStatus.SENT,
                                             MessageStatus.DELIVERED, MessageStatus.READ)
# What a provider's delivery receipt may report.
RECEIPT_STATUSES = frozenset({MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ,
                              MessageStatus.FAILED})


class ConversationStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class Priority(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class AuthorType(StrEnum):
    CONTACT = "contact"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"
    API = "api"
    EXTERNAL = "external"  # sent by the business from another tool (a provider's echo)


class EventType(StrEnum):
    """Names of domain events, as their consumers (the live stream, automation rules, outgoing
    webhooks) see them. The inbox's browser code listens for these names."""

    MESSAGE_RECEIVED = "message.received"  # a customer's message was stored
    MESSAGE_CREATED = "message.created"  # an outbound message was queued, or a note added
    MESSAGE_SENT = "message.sent"  # the provider accepted an outbound message (it has its id)
    MESSAGE_STATUS_CHANGED = "message.status_changed"  # sent, delivered, read or failed
    MESSAGE_UPDATED = "message.updated"  # its content changed (inbound media fetched)
    CONVERSATION_CREATED = "conversation.created"
    CONVERSATION_ASSIGNED = "conversation.assigned"  # agent and/or team
    CONVERSATION_STATUS_CHANGED = "conversation.status_changed"
    CONVERSATION_UPDATED = "conversation.updated"  # priority, labels, window reported closed
    CONVERSATION_READ = "conversation.read"
    CONTACT_CREATED = "contact.created"
    CONTACT_UPDATED = "contact.updated"
    MESSAGING_LIMIT_WARNING = "channel.messaging_limit_warning"  # a number reached 80 % of its tier
    CHANNEL_QUALITY_UPDATED = "channel.quality_updated"  # a number's tier or quality rating changed
    BUDGET_ALERT = "costs.budget_alert"  # the month's spend reached 80 % / 100 % of the budget
    NOTIFICATION_CREATED = "notification.created"  # an agent was notified (notifications/)
    TYPING = "conversation.typing"  # ephemeral: published live, never stored
    VISITOR_TYPING = "conversation.visitor_typing"  # a web-chat visitor writes; ephemeral too
