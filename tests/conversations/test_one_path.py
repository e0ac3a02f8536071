"""One send path and one state path: the REST API and the inbox get the same checks and events."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from chatdesk.conversations import labels, sending
from chatdesk.conversations.models import Conversation
from tests.conversations.test_outbound import open_conversation, reply


def _stored_files(stack) -> list:
    root = stack.rt.settings.media_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_a_refused_upload_stores_no_file(stack, clock):
    conv = await open_conversation(stack)
    clock.advance(hours=25)  # window closed: policy refuses before the media store is touched
    before = _stored_files(stack)
    resp = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages",
                                data={"type": "image", "text": "receipt"},
                                files={"file": ("r.png", b"\x89PNG fake", "image/png")})
    assert resp.status_code == 422 and resp.json()["code"] == "window_closed"
    assert _stored_files(stack) == before


async def test_an_empty_upload_is_refused_the_same_way_everywhere(stack):
    conv = await open_conversation(stack)
    resp = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages", data={"type": "document"},
                                files={"file": ("empty.pdf", b"", "application/pdf")})
    assert resp.status_code == 422 and resp.json()["code"] == "media_empty"
    async with stack.rt.db.session() as s:
        c = await s.get(Conversation, conv["id"])
        draft = sending.Draft(upload=sending.Upload(b"", "application/pdf", "empty.pdf"))
        try:
            await sending.send(s, stack.rt, c, draft)
        except Exception as exc:  # noqa: BLE001 - the Problem is what we check
            assert getattr(exc, "code", None) == "media_empty"
        else:
            raise AssertionError("an empty upload was queued")


def test_uploads_without_a_type_go_as_what_their_mime_type_says():
    assert sending.upload_type("image/jpeg") == "image"
    assert sending.upload_type("image/gif") == "document"  # WhatsApp refuses GIFs as images
    assert sending.upload_type("video/mp4") == "video"
    assert sending.upload_type("application/pdf") == "document"


async def test_rest_text_with_crlf_reaches_the_customer_with_plain_line_breaks(stack):
    conv = await open_conversation(stack)
    resp = await reply(stack, conv["id"], type="text", text="line one\r\nline two")
    assert resp.status_code == 202 and resp.json()["text"] == "line one\nline two"


async def test_quoting_a_message_of_another_conversation_is_refused(stack):
    a = await open_conversation(stack, "31612000001")
    b = await open_conversation(stack, "31612000002")
    other = (await stack.messages(b["id"]))[0]
    resp = await reply(stack, a["id"], type="text", text="hi", reply_to_id=other["id"])
    assert resp.status_code == 422 and resp.json()["code"] == "unknown_message"


async def patch(stack, conv_id: int, **body):
    return await stack.api.patch(f"/api/v1/conversations/{conv_id}", json=body)


async def test_rest_cannot_reopen_over_a_newer_open_conversation(stack):
    conv = await open_conversation(stack)
    assert (await patch(stack, conv["id"], status="resolved")).status_code == 200
    async with stack.rt.db.session() as s:  # a newer conversation with the same customer is open
        old = await s.get(Conversation, conv["id"])
        now = stack.clock.now()
        s.add(Conversation(workspace_id=old.workspace_id, channel_id=old.channel_id, contact_id=old.contact_id,
                           status="open", priority="none", unread_count=0, last_message_at=now,
                           created_at=now, updated_at=now))
    resp = await patch(stack, conv["id"], status="open")
    assert resp.status_code == 409 and resp.json()["code"] == "newer_conversation_open"
    assert (await stack.api.get(f"/api/v1/conversations/{conv['id']}")).json()["status"] == "resolved"


async def test_rest_snooze_needs_a_future_time_and_shows_it(stack, clock):
    conv = await open_conversation(stack)
    resp = await patch(stack, conv["id"], status="snoozed")
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_snooze"
    past = (clock.now() - timedelta(minutes=1)).isoformat()
    assert (await patch(stack, conv["id"], status="snoozed", snoozed_until=past)).json()["code"] == "invalid_snooze"
    naive = (clock.now() + timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert (await patch(stack, conv["id"], status="snoozed", snoozed_until=naive)).status_code == 422
    until = clock.now() + timedelta(days=1)
    resp = await patch(stack, conv["id"], status="snoozed", snoozed_until=until.isoformat())
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "snoozed" and body["snoozed_until"].startswith(until.strftime("%Y-%m-%dT%H:%M"))
    resp = await patch(stack, conv["id"], status="open")
    assert resp.json()["status"] == "open" and resp.json()["snoozed_until"] is None


async def test_rest_assigns_prioritises_and_labels_with_the_inbox_checks(stack):
    conv = await open_conversation(stack)
    async with stack.rt.db.session() as s:
        label = await labels.create_label(s, stack.workspace_id, "VIP", "red", now=stack.clock.now())
        label_id = label.id
    resp = await patch(stack, conv["id"], priority="urgent", label_ids=[label_id])
    assert resp.status_code == 200 and resp.json()["priority"] == "urgent"
    async with stack.rt.db.reader() as s:
        assert [lb.id for lb in (await labels.labels_of(s, [conv["id"]]))[conv["id"]]] == [label_id]
    # someone who is not a member of the workspace, and a label that does not exist, are 404
    assert (await patch(stack, conv["id"], assignee_id=987654)).status_code == 404
    assert (await patch(stack, conv["id"], label_ids=[label_id + 1000])).status_code == 404
    assert (await patch(stack, conv["id"], priority="asap")).status_code == 422
    # null clears; a refused change leaves nothing half done
    resp = await patch(stack, conv["id"], assignee_id=None, team_id=None, label_ids=[])
    assert resp.status_code == 200 and resp.json()["assignee_id"] is None
    async with stack.rt.db.reader() as s:
        assert (await labels.labels_of(s, [conv["id"]]))[conv["id"]] == []
        row = (await s.execute(select(Conversation.priority).where(Conversation.id == conv["id"]))).scalar_one()
        assert row == "urgent"
