"""Meta's webhook entry, shared by WhatsApp, Messenger and Instagram: the ``hub.*`` verification
handshake (GET) and the ``X-Hub-Signature-256`` check of POST bodies with the app secret."""
from __future__ import annotations

import hmac
from collections.abc import Mapping

from . import signature


class MetaWebhook:
    signing_secret: str = "app_secret"
    verify_secret: str | None = "verify_token"

    @staticmethod
    def handshake(query: Mapping[str, str], tokens: list[str]) -> str | None:
        """``hub.mode=subscribe`` with one of our verify tokens: the challenge to echo; else None."""
        given = (query.get("hub.verify_token") or "").encode()
        # compared in constant time: the answer must not tell how much of a guess was right
        if query.get("hub.mode") == "subscribe" and any(hmac.compare_digest(given, t.encode()) for t in tokens):
            return query.get("hub.challenge", "")
        return None

    @staticmethod
    def verify(raw: bytes, headers: Mapping[str, str], secret: str) -> bool:
        return signature.verify(raw, headers.get("x-hub-signature-256"), secret)


META_WEBHOOK = MetaWebhook()
