"""The one place that knows which channel kinds exist. Everything else asks the registry.

Adding a kind is one line in ``ADAPTERS`` (and its folder under ``channels/``).
"""
from __future__ import annotations

import httpx

from ..core.settings import Settings
from .base import ChannelAdapter
from .instagram.adapter import InstagramAdapter
from .messenger.adapter import MessengerAdapter
from .webchat.adapter import WebchatAdapter
from .whatsapp.adapter import WhatsAppAdapter

ADAPTERS: list[type[ChannelAdapter]] = [
    WhatsAppAdapter,
    MessengerAdapter,
    InstagramAdapter,
    WebchatAdapter,
]


class UnknownChannelKind(KeyError):
    pass


def adapter_class(kind: str) -> type[ChannelAdapter]:
    """A kind's adapter class: its settings model, capabilities and webhook entry, usable without
    an HTTP client (the CLI reads them)."""
    for cls in ADAPTERS:
        if cls.kind == kind:
            return cls
    raise UnknownChannelKind(kind)


def kinds() -> list[str]:
    return [cls.kind for cls in ADAPTERS]


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
    return ChannelRegistry([cls.create(http, settings) for cls in ADAPTERS])
