"""Helpers for the Messenger / Instagram sandbox tests: a harness with both platforms wired to
the recording receiver, the fixtures' ids, and a structural comparison with the fixtures."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.sandbox.sandbox_helpers import Harness

PAYLOADS = Path(__file__).parent.parent / "payloads"
PAGE, IG = "104729384756102", "17841400000000001"
PAGE_TOKEN, IG_TOKEN = "EAAG-page-token", "IGAA-ig-token"
SOCIAL_URLS = {"messenger_webhook_url": "http://chatdesk.test/webhooks/messenger",
               "instagram_webhook_url": "http://chatdesk.test/webhooks/instagram"}


def fixture(name: str) -> dict[str, Any]:
    folder = name.split("_", 1)[0]
    return json.loads((PAYLOADS / folder / name).read_text())


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys (recursively) and value types, not values."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


async def add_user(h: Harness, platform: str = "messenger", **fields: Any) -> dict[str, Any]:
    body = {"first_name": "Alex", "last_name": "Doe", **fields}
    response = await h.http.post(f"/_sandbox/{platform}/users", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def user_says(h: Harness, platform: str, user_id: str, **spec: Any) -> dict[str, Any]:
    response = await h.http.post(f"/_sandbox/{platform}/users/{user_id}/messages", json=spec)
    assert response.status_code == 200, response.text
    return response.json()


async def send(h: Harness, body: dict[str, Any], account: str = PAGE,
               token: str | None = PAGE_TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return await h.http.post(f"/v23.0/{account}/messages", json=body, headers=headers)


def text(user_id: str, body: str = "Hello from chatdesk", **extra: Any) -> dict[str, Any]:
    return {"recipient": {"id": user_id}, "messaging_type": "RESPONSE",
            "message": {"text": body}, **extra}


def bodies(h: Harness, obj: str) -> list[dict[str, Any]]:
    parsed = [json.loads(b) for b in h.receiver.bodies]
    return [b for b in parsed if b.get("object") == obj]


def events(h: Harness, obj: str) -> list[dict[str, Any]]:
    return [item for b in bodies(h, obj) for e in b["entry"] for item in e["messaging"]]


def assert_meta_error(response: httpx.Response, code: int, subcode: int | None = None) -> str:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["type"] == "OAuthException"
    assert error["fbtrace_id"] and "error_data" not in error
    assert error.get("error_subcode") == subcode
    if code != 190:
        assert error["message"].startswith(f"(#{code}) ")
    return error["message"]
