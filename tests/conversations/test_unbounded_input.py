"""Issue 12, defect 6: request bodies, notes and uploads are bounded. A body over the limit is
refused with 413 before it is read whole; a note over its length is 422; an upload is held to
the channel's size and type limits before it is stored (and before it is read into memory)."""
from __future__ import annotations

from collections.abc import AsyncIterator

from chatdesk.conversations import policy
from tests.conversations.test_outbound import open_conversation


def _stored_files(stack) -> list:
    root = stack.rt.settings.media_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _url(conv: dict) -> str:
    return f"/api/v1/conversations/{conv['id']}/messages"


async def test_a_json_body_over_the_limit_is_413_whether_announced_or_streamed(stack):
    conv = await open_conversation(stack)
    big = b'{"type": "note", "text": "' + b"x" * (stack.rt.settings.max_body_bytes + 10) + b'"}'
    resp = await stack.api.post(_url(conv), content=big, headers={"Content-Type": "application/json"})
    assert resp.status_code == 413
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["code"] == "payload_too_large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(4):
            yield b" " * (stack.rt.settings.max_body_bytes // 2)
    resp = await stack.api.post(_url(conv), content=chunks(), headers={"Content-Type": "application/json"})
    assert resp.status_code == 413 and resp.json()["code"] == "payload_too_large"
    assert [m["type"] for m in await stack.messages(conv["id"])] == ["text"]  # nothing added


async def test_a_note_over_its_length_is_422(stack):
    conv = await open_conversation(stack)
    resp = await stack.api.post(_url(conv), json={"type": "note", "text": "n" * (policy.NOTE_MAX + 1)})
    assert resp.status_code == 422 and resp.json()["code"] == "note_too_long"
    resp = await stack.api.post(_url(conv), json={"type": "note", "text": "n" * policy.NOTE_MAX})
    assert resp.status_code == 202


async def test_a_file_with_a_text_message_is_refused_and_not_stored(stack):
    conv = await open_conversation(stack)
    before = _stored_files(stack)
    resp = await stack.api.post(_url(conv), data={"type": "text", "text": "see attached"},
                                files={"file": ("big.bin", b"\0" * (3 * 2**20), "application/octet-stream")})
    assert resp.status_code == 422 and resp.json()["code"] == "upload_not_media"
    assert _stored_files(stack) == before
    assert [m["type"] for m in await stack.messages(conv["id"])] == ["text"]


async def test_an_upload_over_the_request_limit_is_413_and_not_stored(stack):
    conv = await open_conversation(stack)
    stack.rt.settings.max_upload_body_bytes = 2 * 2**20
    before = _stored_files(stack)
    resp = await stack.api.post(_url(conv), data={"type": "document"},
                                files={"file": ("big.pdf", b"%PDF" + b"\0" * (3 * 2**20), "application/pdf")})
    assert resp.status_code == 413 and resp.json()["code"] == "payload_too_large"
    assert _stored_files(stack) == before


async def test_an_upload_within_the_limits_is_still_sent(stack):
    conv = await open_conversation(stack)
    resp = await stack.api.post(_url(conv), data={"type": "document", "text": "invoice"},
                                files={"file": ("i.pdf", b"%PDF-1.4 " + b"x" * 2**20, "application/pdf")})
    assert resp.status_code == 202, resp.text
    assert resp.json()["content"]["size"] == 9 + 2**20
    assert len(_stored_files(stack)) == 1


async def test_a_file_type_the_channel_cannot_send_is_a_422_and_not_stored(stack):
    conv = await open_conversation(stack)
    before = _stored_files(stack)
    resp = await stack.api.post(_url(conv), data={"type": "document"},
                                files={"file": ("photos.zip", b"PK\x03\x04" + b"x" * 100, "application/zip")})
    assert resp.status_code == 422 and resp.json()["code"] == "media_type_unsupported", resp.text
    assert "application/zip" in resp.json()["detail"] and "application/pdf" in resp.json()["detail"]
    assert _stored_files(stack) == before
    assert [m["type"] for m in await stack.messages(conv["id"])] == ["text"]  # only the customer's
