"""A WhatsApp channel's settings and secrets: the Cloud API number, its business account, the
token we send with, the app secret Meta signs webhooks with and the webhook verify token."""
from __future__ import annotations

import secrets
from typing import Annotated

from pydantic import AfterValidator, Field

from ..base import ChannelRow, ChannelSettings


def _digits(value: str) -> str:
    if not value.isdigit():
        raise ValueError("must be digits (Meta's numeric id)")
    return value


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _http_url(value: str | None) -> str | None:
    if not value:
        return None
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")


def _positive(value: float) -> float:
    if not value > 0:
        raise ValueError("must be above zero")
    return value


Digits = Annotated[str, AfterValidator(_digits)]
Secret = Annotated[str, AfterValidator(_not_blank)]


class WhatsAppSettings(ChannelSettings):
    phone_number_id: Digits = Field(title="Phone number ID", description="WhatsApp Manager → API Setup",
                                    json_schema_extra={"numeric": True})
    display_phone_number: str = Field(
        "", title="Display phone number", description="The number as customers see it, e.g. +31 20 555 0100",
        json_schema_extra={"form": False, "cli_required": True})  # the browser takes it from the health check
    waba_id: Digits = Field(title="WhatsApp Business Account ID", json_schema_extra={"numeric": True})
    access_token: Secret = Field(
        title="Access token", description="A permanent system-user token with whatsapp_business_messaging.",
        json_schema_extra={"secret": True, "wide": True})
    app_secret: Secret = Field(title="App secret", description="Signs the webhooks Meta sends.",
                               json_schema_extra={"secret": True})
    verify_token: Secret = Field(
        default_factory=lambda: secrets.token_urlsafe(18), title="Verify token",
        description="What Meta's webhook set-up must present (the browser generates one)",
        json_schema_extra={"secret": True, "form": False, "cli_required": True})
    # Operator configuration, never asked in the browser: chatdesk sends the channel's token to
    # this host and downloads media it names (issue 12: a workspace admin must not aim it at
    # the server's own network). CHATDESK_GRAPH_URL applies when it is left empty.
    graph_url: Annotated[str | None, AfterValidator(_http_url)] = Field(
        None, title="Graph API URL",
        description="Leave empty for Meta (CHATDESK_GRAPH_URL); the sandbox URL to try chatdesk without a real number.",
        json_schema_extra={"form": False})
    rate_limit: Annotated[float, AfterValidator(_positive)] = Field(
        80.0, title="Rate limit", description="messages per second", json_schema_extra={"form": False})

    def to_row(self) -> ChannelRow:
        config: dict[str, str] = {"waba_id": self.waba_id}
        if self.graph_url:
            config["graph_url"] = self.graph_url
        return ChannelRow(self.phone_number_id, self.display_phone_number or self.phone_number_id, config,
                          {"access_token": self.access_token, "app_secret": self.app_secret,
                           "verify_token": self.verify_token}, self.rate_limit)
