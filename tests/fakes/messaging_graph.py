"""A small Send API (Messenger / Instagram) for a test to mount on the host router: it accepts
sends and attachment uploads the way SPEC §4.2 shows them, answers profile and page look-ups,
serves attachment bytes, keeps every request body, and can be told to refuse the next sends with
a Graph error. Real HTTP over ASGI (fakes, not mocks). The sandbox emulation of both platforms
(branch sbx9) replaces it for end-to-end tests."""
from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class FakeMessagingGraph:
    def __init__(self) -> None:
        self.sends: list[dict[str, Any]] = []
        self.uploads: list[dict[str, Any]] = []
        self.lookups: list[str] = []
        self.errors: list[tuple[int, dict[str, Any]]] = []  # (HTTP status, error) for the next sends
        self.app = FastAPI()
        self.app.post("/{version}/{page}/messages")(self._messages)
        self.app.post("/{version}/{page}/message_attachments")(self._upload)
        self.app.get("/cdn/{name}")(self._cdn)
        self.app.get("/{version}/{object_id}")(self._object)

    def refuse_next(self, code: int, message: str, *, subcode: int | None = None, status: int = 400) -> None:
        error: dict[str, Any] = {"message": f"(#{code}) {message}", "type": "OAuthException", "code": code,
                                 "fbtrace_id": "AbCdEf"}
        if subcode is not None:
            error["error_subcode"] = subcode
        self.errors.append((status, error))

    async def _messages(self, request: Request) -> Response:
        body = await request.json()
        if self.errors:
            status, error = self.errors.pop(0)
            return JSONResponse({"error": error}, status_code=status)
        self.sends.append(body)
        return JSONResponse({"recipient_id": body["recipient"]["id"], "message_id": f"m_FAKE{len(self.sends)}"})

    async def _upload(self, request: Request) -> dict[str, Any]:
        form = await request.form()
        upload = form["filedata"]
        assert not isinstance(upload, str)
        self.uploads.append({"message": json.loads(str(form["message"])), "size": len(await upload.read())})
        return {"attachment_id": f"{1000 + len(self.uploads)}"}

    async def _cdn(self, name: str) -> Response:
        return Response(PNG, media_type="image/png")

    async def _object(self, object_id: str, request: Request) -> dict[str, Any]:
        self.lookups.append(object_id)
        fields = request.query_params.get("fields", "")
        if "picture" in fields and "profile_pic" not in fields:  # a page (or account): the health check
            return {"id": object_id, "name": "Test Page", "picture": {"data": {"url": "http://graph.test/cdn/page.png"}}}
        return {"id": object_id, "first_name": "Alex", "last_name": "Doe", "name": "Alex Doe",
                "profile_pic": "http://graph.test/cdn/alex.png"}
