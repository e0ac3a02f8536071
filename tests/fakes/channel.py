"""A channel adapter that parses like WhatsApp but sends nowhere: it records what it was asked
to send and answers with the provider ids a test chose (DESIGN: fakes, not mocks)."""
from __future__ import annotations

from chatdesk.channels.base import Connection, OutboundMessage, SendResult
from chatdesk.channels.whatsapp.adapter import WhatsAppAdapter


class RecordingWhatsApp(WhatsAppAdapter):
    def __init__(self, http, provider_ids: list[str]):
        super().__init__(http, graph_url="http://nowhere.invalid", graph_version="v23.0")
        self.provider_ids = list(provider_ids)
        self.sent: list[OutboundMessage] = []

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        self.sent.append(message)
        return SendResult(self.provider_ids.pop(0), message.to)
