"""Tables of the notifications domain: one row per agent and thing to tell them, and the
cursor of the consumer that makes them from the domain events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, Id, UTCDateTime

KINDS = ("new_conversation", "assigned", "mention")


class Notification(Base):
    """Something one agent is told about a conversation; ``read_at`` None while unread."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    message_id: Mapped[int | None] = mapped_column(Id, nullable=True)  # the note of a mention
    event_id: Mapped[int] = mapped_column(Id)  # the domain event it was made from
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # One notification per agent and event: a consumer run that is repeated adds nothing.
    __table_args__ = (UniqueConstraint("user_id", "event_id"),
                      Index("ix_notifications_user_id_id", "user_id", "id"))


class NotificationCursor(Base):
    """The last domain event the fan-out has read (one row)."""

    __tablename__ = "notification_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Id)
