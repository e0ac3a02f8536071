"""A Messenger channel's settings: the Facebook page and the shared Meta messaging secrets."""
from __future__ import annotations

from pydantic import Field

from ..base import ChannelRow
from ..meta.messaging_settings import MessagingSettings
from ..whatsapp.settings import Digits


class MessengerSettings(MessagingSettings):
    page_id: Digits = Field(title="Page ID", description="The Facebook page's id (Page → About → Page transparency)",
                            json_schema_extra={"numeric": True})

    def to_row(self) -> ChannelRow:
        return self.messaging_row(self.page_id)
