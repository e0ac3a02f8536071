"""The one place that knows which channel kinds exist. Everything else asks the registry."""
from __future__ import annotations

import httpx

from ..core.settings import Settings
from .base import ChannelAdapter
from .whatsapp.adapter import WhatsAppAdapter


class UnknownChannelKind(KeyError):
    pass


class ChannelRegistry:
    def __init__(self, adapters: list[ChannelAdapter]):
        self._by_kind = {a.kind: a for a in adapters}

    def get(self, kind: str) -> ChannelAdapter:
        try:
            return self._by_kind[kind]
        except KeyError:
            raise UnknownChannelKind(kind) from None

    def kinds(self) -> list[str]:
        return list(self._by_kind)


def build_registry(http: httpx.AsyncClient, settings: Settings) -> ChannelRegistry:
    """Adapters for every supported kind, sharing one HTTP client."""
    return ChannelRegistry([
        WhatsAppAdapter(http, graph_url=settings.graph_url, graph_version=settings.graph_version),
    ])
