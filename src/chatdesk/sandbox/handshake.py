"""The webhook target and its verify handshake, as Meta runs it before it delivers anything.

When the sandbox starts (and whenever the target is reconfigured) it GETs the webhook URL with
``hub.mode=subscribe``, ``hub.verify_token`` and a random ``hub.challenge`` (SPEC §1.5); the
target passes when it answers 200 with exactly the challenge. Meta will not deliver to a URL that
failed, so neither does the sandbox: deliveries wait for the result and are refused after a
failure, unless ``SandboxConfig.deliver_unverified`` (a documented leniency) says otherwise.
Connection errors and 5xx answers are retried until ``handshake_timeout`` (the receiver may
still be starting, as in ``chatdesk demo``); any other answer is final.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

log = logging.getLogger("chatdesk.sandbox.webhooks")
FIRST_RETRY, MAX_RETRY = 0.1, 2.0


class WebhookTarget:
    """Where webhooks go, and whether that URL passed the handshake."""

    def __init__(self, url: str, verify_token: str | None, *, lenient: bool, timeout: float,
                 clock: Callable[[], datetime]) -> None:
        self.url, self.verify_token = url, verify_token
        self.lenient, self.timeout, self.clock = lenient, timeout, clock
        self.state = "pending"    # pending, verified, failed, skipped (no verify token)
        self.detail = ""
        self.checked_at: datetime | None = None
        self._done = asyncio.Event()

    def reconfigure(self, url: str, verify_token: str | None) -> None:
        self.url, self.verify_token = url, verify_token
        self.state, self.detail, self.checked_at = "pending", "", None
        previous, self._done = self._done, asyncio.Event()
        previous.set()   # wakes deliveries waiting on the old check; they wait for the new one

    async def allows(self) -> bool:
        """Wait for the handshake's result; may a delivery go out?"""
        while True:
            done = self._done
            await done.wait()
            if done is self._done:
                return self.state in ("verified", "skipped") or self.lenient

    async def verify(self, client: httpx.AsyncClient) -> bool:
        """Run the handshake (retrying while the receiver is not up), record and log it."""
        if self.verify_token is None:
            self._finish("skipped", "no verify token configured: webhooks go out unverified")
            log.warning("webhook target %s: %s", self.url, self.detail)
        else:
            ok, detail = await self._handshake(client, self.verify_token)
            self._finish("verified" if ok else "failed", detail)
            if ok:
                log.info("webhook target %s verified", self.url)
            else:
                log.warning("webhook target %s failed the verify handshake (%s); %s", self.url,
                            detail, "delivering anyway (deliver_unverified)" if self.lenient
                            else "webhooks to it are refused")
        return self.state == "verified"

    def _finish(self, state: str, detail: str) -> None:
        self.state, self.detail, self.checked_at = state, detail, self.clock()
        self._done.set()

    async def _handshake(self, client: httpx.AsyncClient, token: str) -> tuple[bool, str]:
        challenge = str(secrets.randbelow(10**10))
        params = {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": token}
        deadline, delay = time.monotonic() + self.timeout, FIRST_RETRY
        while True:
            try:
                response = await client.get(self.url, params=params)
            except Exception as exc:   # not listening yet, or the in-process receiver raised
                detail = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200 and response.text.strip() == challenge:
                    return True, "answered the challenge"
                detail = f"HTTP {response.status_code}: {response.text[:200]!r}"
                if response.status_code < 500:
                    return False, detail
            if time.monotonic() + delay > deadline:
                return False, detail
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY)

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "state": self.state, "detail": self.detail,
                "checked_at": self.checked_at.isoformat() if self.checked_at else None,
                "deliver_unverified": self.lenient}
