"""The settings Messenger and Instagram channels share: the token we send with, the app secret
Meta signs webhooks with, the webhook verify token, and the operator's Graph URL. Each kind adds
the id of its page / account and says how it maps to the stored row (``messaging_row``)."""
from __future__ import annotations

import secrets
from typing import Annotated

from pydantic import AfterValidator, Field

from ..base import ChannelRow, ChannelSettings
from ..whatsapp.settings import Secret, _http_url, _positive


class MessagingSettings(ChannelSettings):
    access_token: Secret = Field(
        title="Access token", description="A page access token with pages_messaging (Instagram: "
        "instagram_manage_messages).", json_schema_extra={"secret": True, "wide": True})
    app_secret: Secret = Field(title="App secret", description="Signs the webhooks Meta sends.",
                               json_schema_extra={"secret": True})
    verify_token: Secret = Field(
        default_factory=lambda: secrets.token_urlsafe(18), title="Verify token",
        description="What Meta's webhook set-up must present (the browser generates one)",
        json_schema_extra={"secret": True, "form": False, "cli_required": True})
    # filled from the health check (the page's or account's name as Meta reports it)
    name: str = Field("", title="Name", description="The page's or account's name (read from Meta when empty)",
                      json_schema_extra={"form": False})
    # Operator configuration, never asked in the browser (issue 12), as for WhatsApp.
    graph_url: Annotated[str | None, AfterValidator(_http_url)] = Field(
        None, title="Graph API URL",
        description="Leave empty for Meta (CHATDESK_GRAPH_URL); the sandbox URL to try chatdesk without a real page.",
        json_schema_extra={"form": False})
    rate_limit: Annotated[float, AfterValidator(_positive)] = Field(
        40.0, title="Rate limit", description="messages per second", json_schema_extra={"form": False})

    def messaging_row(self, external_id: str) -> ChannelRow:
        config: dict[str, str] = {"graph_url": self.graph_url} if self.graph_url else {}
        return ChannelRow(external_id, self.name or external_id, config,
                          {"access_token": self.access_token, "app_secret": self.app_secret,
                           "verify_token": self.verify_token}, self.rate_limit)
