"""The bodies the widget router stores for the inbound job (chatdesk writes them itself, from
visitor requests it has checked): a visitor's message, or the widget's receipt for a reply."""
from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

TEXT_MAX = 4096
NAME_MAX = 100


class VisitorMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: Literal["message"] = "message"
    id: str = Field(min_length=1, max_length=64)  # chatdesk's id for it ("wcm_..."), unique per channel
    visitor: str = Field(min_length=1, max_length=160)
    id_type: str = Field("id", max_length=16)
    name: str | None = Field(None, max_length=NAME_MAX)
    email: str | None = Field(None, max_length=320)  # a pre-chat form's: kept with the message, not trusted
    text: str | None = Field(None, max_length=TEXT_MAX)
    sent_at: AwareDatetime
    # an attachment already stored by chatdesk's media store: its link and type
    media_url: str | None = Field(None, max_length=500)
    media_type: Literal["image", "document"] | None = None
    mime_type: str | None = Field(None, max_length=100)
    filename: str | None = Field(None, max_length=200)


class WidgetReceipt(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: Literal["receipt"] = "receipt"
    message_id: str = Field(min_length=1, max_length=128)  # the provider id the adapter gave the reply
    status: Literal["delivered", "read"]
    visitor: str = Field(min_length=1, max_length=160)
    at: AwareDatetime


class Delivery(BaseModel):
    """One stored body: the channel's public key and its items."""

    model_config = ConfigDict(extra="ignore")

    channel: str = Field(min_length=1, max_length=64)
    items: list[VisitorMessage | WidgetReceipt] = Field(max_length=100)
