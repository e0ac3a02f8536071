"""The Messenger and Instagram Send API: the conformance request is accepted with the
conformance response shape; each documented refusal answers Meta's envelope, sends nothing."""
from __future__ import annotations

import pytest

from tests.sandbox.sandbox_helpers import Harness
from tests.sandbox.social_helpers import (
    IG,
    IG_TOKEN,
    PAGE,
    PAGE_TOKEN,
    SOCIAL_URLS,
    add_user,
    assert_meta_error,
    fixture,
    send,
    shape,
    text,
    user_says,
)


async def _writer(hs: Harness, platform: str = "messenger") -> str:
    user = await add_user(hs, platform)
    await user_says(hs, platform, user["id"], type="text", text="Hi")
    return user["id"]


async def test_conformance_send_request_answers_the_conformance_response(hs: Harness):
    psid = await _writer(hs)
    body = fixture("messenger_send_request.json")
    body["recipient"]["id"] = psid
    response = await send(hs, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert shape(answer) == shape(fixture("messenger_send_response.json"))
    assert answer["recipient_id"] == psid and answer["message_id"].startswith("m_")
    sent = (await hs.http.get("/_sandbox/sent?platform=messenger")).json()["sent"]
    assert [s["mid"] for s in sent] == [answer["message_id"]]
    assert (await hs.http.get("/_sandbox/sent")).json()["sent"] == []   # WhatsApp's list


async def test_token_as_query_parameter_and_me_path(hs: Harness):
    psid = await _writer(hs)
    await send(hs, text(psid))   # binds the page token on first use
    response = await hs.http.post(f"/v23.0/me/messages?access_token={PAGE_TOKEN}",
                                  json=text(psid))
    assert response.status_code == 200, response.text


async def test_instagram_send_and_text_limit(hs: Harness):
    igsid = await _writer(hs, "instagram")
    ok = await send(hs, text(igsid, "x" * 1000), account=IG, token=IG_TOKEN)
    assert ok.status_code == 200 and ok.json()["message_id"].startswith("aWdf")
    long = await send(hs, text(igsid, "x" * 1001), account=IG, token=IG_TOKEN)
    assert "1000" in assert_meta_error(long, 100)
    template = {"recipient": {"id": igsid}, "messaging_type": "RESPONSE", "message": {
        "attachment": {"type": "template", "payload": {"template_type": "button", "text": "t",
                                                       "buttons": []}}}}
    assert_meta_error(await send(hs, template, account=IG, token=IG_TOKEN), 100)


async def test_outside_the_window_needs_the_human_agent_tag(hs: Harness):
    psid = await _writer(hs)
    await send(hs, text(psid))
    hs.clock.advance(days=3)
    message = assert_meta_error(await send(hs, text(psid)), 10, 2018278)
    assert message == "(#10) This message is sent outside of allowed window."
    tagged = text(psid, messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
    assert (await send(hs, tagged)).status_code == 200
    hs.clock.advance(days=5)
    assert_meta_error(await send(hs, tagged), 10, 2018278)
    assert len((await hs.http.get("/_sandbox/sent?platform=messenger")).json()["sent"]) == 2


async def test_message_tag_without_tag_and_unknown_tag(hs: Harness):
    psid = await _writer(hs)
    assert_meta_error(await send(hs, text(psid, messaging_type="MESSAGE_TAG")), 100)
    assert_meta_error(await send(hs, text(psid, messaging_type="MESSAGE_TAG", tag="NOPE")), 100)
    assert_meta_error(await send(hs, {"recipient": {"id": psid}, "message": {"text": "x"}}), 100)


async def test_unknown_and_unavailable_users(hs: Harness):
    assert_meta_error(await send(hs, text("7000000000000001")), 100, 2018001)
    user = await add_user(hs, available=False)
    await user_says(hs, "messenger", user["id"], type="text", text="Hi")
    message = assert_meta_error(await send(hs, text(user["id"])), 551, 1545041)
    assert message == "(#551) This person isn't available right now."


async def test_unknown_users_leniency(make_harness):
    h = await make_harness(unknown_social_users=True, **SOCIAL_URLS)
    assert (await send(h, text("7000000000000001"))).status_code == 200


async def test_bad_token_is_190(hs: Harness):
    psid = await _writer(hs)
    await send(hs, text(psid))
    assert_meta_error(await send(hs, text(psid), token="wrong"), 190, 467)
    assert_meta_error(await send(hs, text(psid), token=None), 190)
    me = await hs.http.get("/v23.0/me", headers={"Authorization": "Bearer wrong"})
    assert me.status_code == 400 and me.json()["error"]["code"] == 190


@pytest.mark.parametrize("message", [
    {"text": "x" * 2001},
    {"text": "a", "attachment": {"type": "image", "payload": {"url": "https://x.test/a.png"}}},
    {"text": "pick", "quick_replies": [{"content_type": "text", "title": f"o{i}",
                                        "payload": f"P{i}"} for i in range(14)]},
    {"attachment": {"type": "template", "payload": {
        "template_type": "button", "text": "Choose",
        "buttons": [{"type": "postback", "title": f"b{i}", "payload": f"B{i}"}
                    for i in range(4)]}}},
    {"attachment": {"type": "image", "payload": {"attachment_id": "123456"}}},
    {"attachment": {"type": "sticker", "payload": {"url": "https://x.test/a.png"}}},
], ids=["text-2001", "text-and-attachment", "14-quick-replies", "4-buttons",
        "unknown-attachment-id", "bad-type"])
async def test_invalid_parameters_are_100(hs: Harness, message):
    psid = await _writer(hs)
    body = {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": message}
    assert_meta_error(await send(hs, body), 100)
    assert (await hs.http.get("/_sandbox/sent?platform=messenger")).json()["sent"] == []
    rejected = (await hs.http.get("/_sandbox/rejected")).json()["rejected"]
    assert rejected[-1]["code"] == 100


async def test_limits_at_the_edge_are_accepted(hs: Harness):
    psid = await _writer(hs)
    replies = [{"content_type": "text", "title": f"option {i}", "payload": f"P{i}"}
               for i in range(13)]
    assert (await send(hs, text(psid, "x" * 2000))).status_code == 200
    body = {"recipient": {"id": psid}, "messaging_type": "RESPONSE",
            "message": {"text": "pick", "quick_replies": replies}}
    assert (await send(hs, body)).status_code == 200
    buttons = {"recipient": {"id": psid}, "messaging_type": "UPDATE", "message": {
        "attachment": {"type": "template", "payload": {
            "template_type": "button", "text": "Choose", "buttons": [
                {"type": "postback", "title": "Yes", "payload": "Y"},
                {"type": "postback", "title": "No", "payload": "N"},
                {"type": "web_url", "title": "Site", "url": "https://shop.test"}]}}}}
    assert (await send(hs, buttons)).status_code == 200


async def test_attachment_upload_then_send_by_id(hs: Harness):
    psid = await _writer(hs)
    upload = await hs.http.post(
        f"/v23.0/{PAGE}/message_attachments", headers={"Authorization": f"Bearer {PAGE_TOKEN}"},
        json={"message": {"attachment": {"type": "image", "payload": {
            "url": "https://shop.test/a.png", "is_reusable": True}}}})
    assert upload.status_code == 200, upload.text
    attachment_id = upload.json()["attachment_id"]
    body = {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": {
        "attachment": {"type": "image", "payload": {"attachment_id": attachment_id}}}}
    assert (await send(hs, body)).status_code == 200


async def test_sender_actions(hs: Harness):
    psid = await _writer(hs)
    for action in ("typing_on", "mark_seen"):
        response = await send(hs, {"recipient": {"id": psid}, "sender_action": action})
        assert response.json() == {"recipient_id": psid}
    inbox = (await hs.http.get(f"/_sandbox/messenger/users/{psid}/inbox")).json()
    assert inbox["all_read_by_business"] and inbox["received"] == []
