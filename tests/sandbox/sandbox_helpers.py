"""Helpers for the sandbox tests: a recording fake of chatdesk's webhook endpoint, a movable
clock, a bounded wait, and the harness that drives a sandbox app in-process.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx

from chatdesk.channels.whatsapp.payloads import GraphError, GraphErrorBody, WebhookEnvelope

SECRET = "app-secret-for-tests"
VERIFY = "verify-token-for-tests"
TOKEN = "EAAG-test-token"
PNID = "109876543210987"
DISPLAY = "15550001111"
WABA = "102938475610293"
ALEX = "15550002222"
# A day when service messages were still free (Meta charges them from 2026-10-01).
BEFORE_OCTOBER = datetime(2026, 9, 15, 12, 0, tzinfo=UTC)


class Receiver:
    """A fake chatdesk webhook endpoint: answers the verify handshake (GET, recorded in
    ``handshakes``), verifies X-Hub-Signature-256 and records every POST."""

    def __init__(self, secret: str, verify_token: str = VERIFY) -> None:
        self.secret = secret.encode()
        self.verify_token = verify_token
        self.handshakes: list[dict[str, str]] = []
        self.attempts: list[tuple[int, bytes, dict[str, str]]] = []
        self.bodies: list[bytes] = []
        self.fail_next = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        if scope["method"] == "GET":
            await self._handshake(scope, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        expected = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        status = 200
        if not hmac.compare_digest(headers.get("x-hub-signature-256", ""), expected):
            status = 403
        elif self.fail_next > 0:
            self.fail_next -= 1
            status = 500
        self.attempts.append((status, body, headers))
        if status == 200:
            self.bodies.append(body)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok" if status == 200 else b"no"})

    async def _handshake(self, scope: dict[str, Any], send: Any) -> None:
        query = dict(parse_qsl(scope["query_string"].decode()))
        self.handshakes.append(query)
        ok = query.get("hub.mode") == "subscribe" and query.get("hub.verify_token") == self.verify_token
        body = query.get("hub.challenge", "").encode() if ok else b"Forbidden"
        await send({"type": "http.response.start", "status": 200 if ok else 403, "headers": []})
        await send({"type": "http.response.body", "body": body})

    def envelopes(self) -> list[WebhookEnvelope]:
        return [WebhookEnvelope.model_validate_json(body) for body in self.bodies]

    def messages(self) -> list[dict[str, Any]]:
        return [m.wire() for env in self.envelopes() for e in env.entry for c in e.changes
                for m in c.value.messages or []]

    def statuses(self) -> list[dict[str, Any]]:
        return [s.wire() for env in self.envelopes() for e in env.entry for c in e.changes
                for s in c.value.statuses or []]


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll until ``predicate()`` is truthy (bounded), returning its value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@dataclass
class Harness:
    app: Any
    http: httpx.AsyncClient
    receiver: Receiver
    clock: Clock
    hook_client: httpx.AsyncClient

    @property
    def sandbox(self) -> Any:
        return self.app.state.sandbox

    async def send(self, body: dict[str, Any], token: str | None = TOKEN,
                   pnid: str = PNID) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return await self.http.post(f"/v23.0/{pnid}/messages", json=body, headers=headers)

    async def customer(self, wa_id: str, **spec: Any) -> dict[str, Any]:
        response = await self.http.post(f"/_sandbox/customers/{wa_id}/messages", json=spec)
        assert response.status_code == 200, response.text
        return response.json()

    async def control(self, path: str) -> Any:
        response = await self.http.get(f"/_sandbox/{path}")
        assert response.status_code == 200, response.text
        return response.json()


def text(to: str = ALEX, body: str = "Hello from chatdesk") -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}}


def parse(body: bytes) -> dict[str, Any]:
    return json.loads(body)


def assert_error(response: httpx.Response, code: int, http_status: int = 400,
                 details: str | None = None) -> GraphErrorBody:
    """The response is the documented Graph error envelope with this code (and details).

    Graph-layer errors (190, 2500, 100 / subcode 33) carry Meta's own sentence as ``message``
    and no ``error_data``; Cloud-API errors carry ``(#code) Title`` and ``error_data``."""
    assert response.status_code == http_status, response.text
    error = GraphError.model_validate(response.json()).error
    assert error.code == code
    assert error.fbtrace_id
    assert response.headers["x-fb-trace-id"] == error.fbtrace_id
    assert response.headers["www-authenticate"].startswith('OAuth "Facebook Platform" ')
    if code in (190, 2500) or error.error_subcode == 33:
        assert error.error_data is None
        assert error.type == ("GraphMethodException" if error.error_subcode == 33 else "OAuthException")
        assert not error.message.startswith("(#")
        assert details is None or error.message == details
        return error
    assert error.type == "OAuthException"
    assert re.fullmatch(rf"\(#{code}\) .+", error.message)
    assert error.error_data["messaging_product"] == "whatsapp"
    if details is not None:
        assert error.error_data["details"] == details
    return error
