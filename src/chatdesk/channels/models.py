"""Tables owned by the channels layer: connected channels, raw inbound events, delivery statuses.

Adapters (``channels/<kind>/adapter.py``) never touch these; the services around them do.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, Id, Json, UTCDateTime

# A provider's message id: Instagram's run past 150 characters (migration 0018 widens the column on
# PostgreSQL; SQLite does not enforce a VARCHAR length, and its column stays as it was).
MESSAGE_ID = String(128).with_variant(String(255), "postgresql")


class Channel(Base):
    """A connected number, page or account. Secrets live encrypted in ``secrets``."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    external_id: Mapped[str] = mapped_column(String(64))  # phone_number_id, page id, IG id
    display: Mapped[str] = mapped_column(String(64), default="")  # e.g. the display phone number
    config: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # non-secret provider ids
    secrets: Mapped[str] = mapped_column(Text)  # Cipher-encrypted JSON
    rate_limit_mps: Mapped[float] = mapped_column(Float, default=80.0)
    health: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # WhatsApp: the number's messaging limit tier (TIER_250 ... TIER_UNLIMITED) and quality rating
    # (GREEN, YELLOW, RED), from the provider's webhooks or set by hand; None: not known
    messaging_tier: Mapped[str | None] = mapped_column(String(16), nullable=True)
    quality_rating: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("kind", "external_id"),)


class InboundEvent(Base):
    """A webhook body exactly as received, stored before we answer 200.

    ``dedupe_key`` is the SHA-256 of the body: Meta's redelivery of the same POST is a no-op.
    """

    __tablename__ = "inbound_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"), nullable=True)
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class DeliveryStatus(Base):
    """Every delivery receipt a provider reported, once each, even before its message is known.

    The message's own ``status`` is the highest of these; keeping them all makes replays
    no-ops and lets a status that outran its send response be applied later.
    """

    __tablename__ = "delivery_statuses"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    provider_message_id: Mapped[str] = mapped_column(MESSAGE_ID)
    status: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    error_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    pricing: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)

    __table_args__ = (UniqueConstraint("channel_id", "provider_message_id", "status"),)
