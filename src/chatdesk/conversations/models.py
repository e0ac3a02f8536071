"""Tables of the conversations domain: conversations, messages, send attempts, labels and
canned responses."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, validates
from sqlalchemy.types import TypeDecorator, TypeEngine

from ..channels.content import BaseContent, Content, dump_content, parse_content, validate_content
from ..channels.models import MESSAGE_ID
from ..core.db import Base, Id, Json, UTCDateTime
from ..core.folding import fold


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    priority: Mapped[str] = mapped_column(String(16), default="none")
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime)
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), nullable=True)
    # when the provider last reported the service window closed (a re-engagement failure, in its
    # time); closed until the customer writes after it (policy.window_open). Migration 0011.
    window_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # since when the customer has been waiting for our reply: set by their first message after
    # ours, cleared by our next reply (notes do not count). The "waiting longest" sort (0022).
    awaiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_conversations_inbox", "workspace_id", "last_message_at", "id"),
        Index("ix_conversations_status", "workspace_id", "status", "last_message_at"),
        Index("ix_conversations_contact", "contact_id", "channel_id"),
        Index("ix_conversations_team", "workspace_id", "team_id"),  # created by migration 0003
        # the inbox's "mine" / "unassigned" views, newest first (migration 0004)
        Index("ix_conversations_assignee", "workspace_id", "assignee_id", "last_message_at", "id"),
        # the inbox sorted by waiting longest, paged by keyset (migration 0022)
        Index("ix_conversations_waiting", "workspace_id", "awaiting_since", "id"),
        # at most one unresolved conversation per contact and channel
        Index("uq_conversations_current", "channel_id", "contact_id", unique=True,
              sqlite_where=text("status != 'resolved'"), postgresql_where=text("status != 'resolved'")),
    )


class ContentJson(TypeDecorator[Any]):
    """``messages.content``: typed content in (a dict must validate as content, ``type``
    included), the stored dict out. ``Message.content`` types what comes out: rows written before
    content was typed need the row's message type to be read."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, BaseContent):  # valid once built
            return dump_content(value)
        return dump_content(validate_content(value))


class Message(Base):
    """One entry of a conversation's timeline: inbound, outbound, or a private note."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    author_type: Mapped[str] = mapped_column(String(16))  # contact | agent | bot | system | api
    author_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    type: Mapped[str] = mapped_column(String(24))
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    # ``text`` as search matches it (core.folding; migration 0025): set with ``text`` through the
    # ORM, and by the column default on Core inserts that leave it out
    text_key: Mapped[str | None] = mapped_column(Text, nullable=True, default=lambda ctx: _text_key_default(ctx))
    # the stored form; read and write ``content``
    content_data: Mapped[Content | dict[str, Any]] = mapped_column("content", ContentJson)
    provider_message_id: Mapped[str | None] = mapped_column(MESSAGE_ID, nullable=True)
    reply_to_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    error_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    # what the provider charges for it (costs.Cost, from the receipts' pricing; migration 0011)
    cost_category: Mapped[str | None] = mapped_column(String(32), nullable=True)
    cost_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    cost_billable: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    cost_model: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # a template sent while the customer's service window was closed: it opens a business-initiated
    # conversation, counted against the number's messaging limit (``limits.py``)
    initiated: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_messages_timeline", "conversation_id", "id"),
        Index("uq_messages_provider", "channel_id", "provider_message_id", unique=True),
        # a period's messages of a workspace: costs, and the last 24 h of a number's limit (0016)
        Index("ix_messages_workspace_created", "workspace_id", "created_at"),
    )

    @property
    def content(self) -> Content:
        """The message's typed content (read once per loaded value)."""
        data = self.content_data
        if isinstance(data, BaseContent):
            return data
        cached = self.__dict__.get("_content_typed")
        if cached is None or cached[0] is not data:
            cached = (data, parse_content(self.type, data))
            self.__dict__["_content_typed"] = cached
        return cached[1]

    @content.setter
    def content(self, value: Content) -> None:
        self.content_data = value

    @validates("text")
    def _keep_text_key(self, _key: str, value: str | None) -> str | None:
        self.text_key = text_key(value)
        return value


def text_key(text: str | None) -> str | None:
    """What message search matches against (None for a message without text)."""
    return fold(text) if text else None


def _text_key_default(context: Any) -> str | None:
    return text_key(context.get_current_parameters().get("text"))


class SendAttempt(Base):
    """One try at handing an outbound message to the provider, with what came of it."""

    __tablename__ = "send_attempts"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))  # accepted | retry | failed
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Label(Base):
    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    color: Mapped[str] = mapped_column(String(16), default="slate")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("workspace_id", "name"),)


class ConversationLabel(Base):
    __tablename__ = "conversation_labels"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"), index=True)

    __table_args__ = (UniqueConstraint("conversation_id", "label_id"),)


class CannedResponse(Base):
    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    shortcut: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("workspace_id", "shortcut"),)


class SavedView(Base):
    """A saved set of inbox filters: an agent's own (``user_id``) or shared with the workspace (None)."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    name: Mapped[str] = mapped_column(String(64))
    filters: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_by: Mapped[int | None] = mapped_column(Id, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_saved_views_workspace", "workspace_id", "user_id"),)
