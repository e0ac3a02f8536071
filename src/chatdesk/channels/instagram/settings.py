"""An Instagram channel's settings: the professional account and the shared Meta messaging secrets."""
from __future__ import annotations

from pydantic import Field

from ..base import ChannelRow
from ..meta.messaging_settings import MessagingSettings
from ..whatsapp.settings import Digits


class InstagramSettings(MessagingSettings):
    account_id: Digits = Field(
        title="Instagram account ID",
        description="The Instagram professional account's id (Meta Business Suite → Settings → Instagram accounts)",
        json_schema_extra={"numeric": True})

    def to_row(self) -> ChannelRow:
        return self.messaging_row(self.account_id)
