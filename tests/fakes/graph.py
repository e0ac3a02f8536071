"""A small Graph API for a test to mount on the host router: it accepts sends the way Meta's
2026 API does (by ``to`` or by ``recipient``, answering with ``wa_id`` or ``user_id``), read
receipts and media uploads, and keeps every request body it got. Real HTTP over ASGI, so the
adapter's requests and the answers' parsing are both exercised (DESIGN: fakes, not mocks).

Until the sandbox sends user ids and accepts ``recipient`` (issue 13, another change), tests of
username-only customers use this instead of the sandbox."""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request


class FakeGraph:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.app = FastAPI()
        self.app.post("/{version}/{number}/messages")(self._messages)
        self.app.post("/{version}/{number}/media")(self._media)

    @property
    def sends(self) -> list[dict[str, Any]]:
        """The bodies of the messages sent (read receipts left out)."""
        return [r for r in self.requests if "status" not in r]

    async def _messages(self, request: Request) -> dict[str, Any]:
        body = await request.json()
        self.requests.append(body)
        if body.get("status") == "read":
            return {"success": True}
        wamid = f"wamid.FAKE{len(self.requests)}"
        if body.get("to"):   # Meta: ``to`` wins when both are given
            contact = {"input": body["to"], "wa_id": body["to"].lstrip("+")}
        else:
            contact = {"input": body["recipient"], "user_id": body["recipient"]}
        return {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]}

    async def _media(self, request: Request) -> dict[str, Any]:
        form = await request.form()
        self.requests.append({"upload": form.get("type")})
        return {"id": f"media-{len(self.requests)}"}
