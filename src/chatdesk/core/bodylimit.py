"""Request body limits: a pure ASGI middleware that refuses a body over its limit with a 413
problem, before the body is read whole (a ``Content-Length`` over the limit is refused at once;
a body without one is counted as it arrives).

Two limits, from the settings: multipart requests (file uploads) may be as large as the
largest media a channel takes, and more; everything else (JSON, forms) is small. Paths that
bound their bodies themselves (the webhook receiver) are left to do so.
"""
from __future__ import annotations

import json
from typing import Any

from .errors import Problem
from .settings import Settings

PROBLEM = b"application/problem+json"
BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyTooLarge(Problem):
    def __init__(self, limit: int):
        super().__init__(413, "payload_too_large", "The request body is too large",
                         f"This request takes at most {limit} bytes.")


class BodyLimit:
    def __init__(self, app: Any, settings: Settings, exempt: tuple[str, ...] = ("/webhooks/",)):
        self.app, self.settings, self.exempt = app, settings, exempt

    def limit(self, scope: dict[str, Any]) -> int | None:
        if scope["type"] != "http" or scope["method"] in BODYLESS or scope["path"].startswith(self.exempt):
            return None
        ctype = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
        upload = ctype.lower().startswith(b"multipart/form-data")
        return self.settings.max_upload_body_bytes if upload else self.settings.max_body_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        limit = self.limit(scope)
        if limit is None:
            await self.app(scope, receive, send)
            return
        announced = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
        if announced.isdigit() and int(announced) > limit:
            await _refuse(send, limit)
            return
        over, started, seen = False, False, 0

        async def counted() -> dict[str, Any]:
            nonlocal over, seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                over = True
                raise BodyTooLarge(limit)
            return message

        async def guarded(message: dict[str, Any]) -> None:
            nonlocal started
            if over:  # whatever the app made of the refusal (a 400 from a form parser...): ours
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over:
                raise
        if over and not started:
            await _refuse(send, limit)


async def _refuse(send: Any, limit: int) -> None:
    body = json.dumps(BodyTooLarge(limit).body()).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", PROBLEM), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
