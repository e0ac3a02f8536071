"""Webhook delivery: signing, an ordered send queue, redelivery with backoff, and a delivery log.

Every POST carries ``X-Hub-Signature-256: sha256=<HMAC-SHA256(app_secret, body)>`` and the legacy
``X-Hub-Signature: sha1=...``. A non-200 answer or a transport error is redelivered with the same
bytes after each delay of ``config.webhook_retry``; after the last one the delivery is dropped
(and logged), as Meta drops notifications after its retry horizon. An optional ``gate`` (the
verify handshake, handshake.py) is awaited before each attempt; a closed gate refuses the delivery.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

log = logging.getLogger("chatdesk.sandbox.webhooks")


def signature_headers(app_secret: str, body: bytes) -> dict[str, str]:
    key = app_secret.encode()
    return {
        "Content-Type": "application/json",
        "User-Agent": "facebookexternalua",
        "X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest(),
        "X-Hub-Signature": "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest(),
    }


@dataclass
class Delivery:
    id: int
    kind: str
    body: bytes
    created_at: datetime
    state: str = "queued"     # queued, delivered, retrying, failed, cancelled, refused
    secret: str | None = None  # signs this delivery instead of the dispatcher's app secret
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        try:
            body: Any = json.loads(self.body)
        except ValueError:
            body = self.body.decode(errors="replace")
        return {"id": self.id, "kind": self.kind, "state": self.state,
                "created_at": self.created_at.isoformat(), "attempts": self.attempts,
                "body": body}


class WebhookDispatcher:
    def __init__(self, url: str, app_secret: str, retry: tuple[float, ...],
                 clock: Callable[[], datetime], client: httpx.AsyncClient | None) -> None:
        self.url, self.app_secret, self.retry, self.clock = url, app_secret, retry, clock
        self._client = client
        self._own_client = client is None
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._worker: asyncio.Task[None] | None = None
        self.log: list[Delivery] = []
        self.gate: Callable[[], Awaitable[bool]] | None = None
        # A fault mode (faults.py): while it answers True, every attempt fails unsent.
        self.unreachable: Callable[[], bool] = lambda: False

    @property
    def client(self) -> httpx.AsyncClient:
        assert self._client is not None, "WebhookDispatcher.start() was not called"
        return self._client

    async def start(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0)
        self._worker = asyncio.create_task(self._run(), name="sandbox-webhooks")

    async def stop(self) -> None:
        tasks = [t for t in (self._worker, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._worker, self._tasks = None, set()
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    def reset(self) -> None:
        self.log.clear()

    def send(self, body: bytes, kind: str, secret: str | None = None) -> Delivery:
        """Queue a body for delivery; first attempts go out in the order they were queued."""
        delivery = Delivery(id=len(self.log) + 1, kind=kind, body=body, created_at=self.clock(),
                            secret=secret)
        self.log.append(delivery)
        self._queue.put_nowait(delivery)
        return delivery

    async def _run(self) -> None:
        while True:
            delivery = await self._queue.get()
            if not await self._allowed(delivery) or await self._attempt(delivery):
                continue
            # Retries run beside the queue so one failing delivery does not hold up the rest.
            task = asyncio.create_task(self._redeliver(delivery))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _redeliver(self, delivery: Delivery) -> None:
        delivery.state = "retrying"
        for delay in self.retry:
            await asyncio.sleep(delay)
            if not await self._allowed(delivery) or await self._attempt(delivery):
                return
        delivery.state = "failed"
        log.warning("webhook %s (%s) dropped after %d attempts", delivery.id, delivery.kind,
                    len(delivery.attempts))

    async def _allowed(self, delivery: Delivery) -> bool:
        if self.gate is None or await self.gate():
            return True
        delivery.state = "refused"
        log.warning("webhook %s (%s) refused: %s did not pass the verify handshake",
                    delivery.id, delivery.kind, self.url)
        return False

    async def _attempt(self, delivery: Delivery) -> bool:
        assert self._client is not None, "WebhookDispatcher.start() was not called"
        attempt: dict[str, Any] = {"at": self.clock().isoformat()}
        delivery.attempts.append(attempt)
        try:
            if self.unreachable():
                raise httpx.ConnectError(f"{self.url} is unreachable (sandbox fault mode)")
            response = await self._client.post(
                self.url, content=delivery.body,
                headers=signature_headers(delivery.secret or self.app_secret, delivery.body))
        except Exception as exc:
            # Network errors, and with an in-process transport the receiver's own exceptions,
            # both mean "no 200": log it and let the retry schedule decide.
            attempt["error"] = f"{type(exc).__name__}: {exc}"
            return False
        attempt["status_code"] = response.status_code
        if response.status_code == 200:
            delivery.state = "delivered"
            return True
        return False
