"""The messages endpoint answers like Meta: documented success shape, documented error envelope,
and the documented order of checks (auth → schema → recipient → window → template → rates)."""
from __future__ import annotations

import httpx
import pytest

from chatdesk.channels.whatsapp.payloads import SendResponse
from chatdesk.sandbox.config import SandboxNumber
from tests.sandbox.sandbox_helpers import ALEX, DISPLAY, PNID, TOKEN, Harness, assert_error, text


async def test_text_send_returns_documented_response(h: Harness):
    response = await h.send(text(to="+1 (555) 000-2222"))
    assert response.status_code == 200
    body = SendResponse.model_validate(response.json())
    assert body.messaging_product == "whatsapp"
    assert [(c.input, c.wa_id) for c in body.contacts] == [("+1 (555) 000-2222", ALEX)]
    assert body.messages[0].id.startswith("wamid.HBgL")
    assert set(response.json()) == {"messaging_product", "contacts", "messages"}


async def test_bad_token_wins_over_invalid_payload(h: Harness):
    too_long = text(body="x" * 5000)
    assert_error(await h.send(too_long, token="wrong"), 190, 401)
    assert_error(await h.send(too_long, token=None), 190, 401)
    assert_error(await h.send(too_long), 131009,
                 details="Text body is too long. Max length is 4096")


async def test_text_length_boundary(h: Harness):
    assert (await h.send(text(body="x" * 4096))).status_code == 200
    assert_error(await h.send(text(body="x" * 4097)), 131009)


async def test_structural_and_missing_errors(h: Harness):
    bad_json = await h.http.post(f"/v23.0/{PNID}/messages", content=b"{not json",
                                 headers={"Authorization": f"Bearer {TOKEN}"})
    assert_error(bad_json, 100)
    no_product = {k: v for k, v in text().items() if k != "messaging_product"}
    assert_error(await h.send(no_product), 131008)
    no_to = {k: v for k, v in text().items() if k != "to"}
    assert_error(await h.send(no_to), 131008, details="The parameter to is required.")
    no_body = {"messaging_product": "whatsapp", "to": ALEX, "type": "text"}
    assert_error(await h.send(no_body), 131008, details="The parameter text is required.")
    wrong_type = {**text(), "text": {"body": 12}}
    assert_error(await h.send(wrong_type), 100)
    unknown_type = {**text(), "type": "hologram"}
    assert_error(await h.send(unknown_type), 131051)
    opaque = {**text(), "biz_opaque_callback_data": "x" * 513}
    assert_error(await h.send(opaque), 131009)
    assert (await h.send({**text(), "biz_opaque_callback_data": "x" * 512})).status_code == 200
    unknown_field = {**text(), "priority": "high"}
    assert_error(await h.send(unknown_field), 100, details='Unexpected key "priority" on param.')


async def test_recipient_cannot_be_sender(h: Harness):
    assert_error(await h.send(text(to=DISPLAY)), 131021)
    # ...but schema problems are reported first.
    assert_error(await h.send(text(to=DISPLAY, body="x" * 5000)), 131009)


async def test_rejections_are_logged_with_their_code(h: Harness):
    await h.send(text(), token="nope")
    await h.send(text(to=DISPLAY))
    rejected = (await h.control("rejected"))["rejected"]
    assert [(r["code"], r["http_status"]) for r in rejected] == [(190, 401), (131021, 400)]
    assert (await h.control("sent"))["sent"] == []


async def test_trust_on_first_use_binds_the_first_token(make_harness):
    h = await make_harness(numbers=[SandboxNumber(PNID, DISPLAY, "1029", access_token=None)])
    assert (await h.send(text(), token="first-token")).status_code == 200
    assert (await h.send(text(), token="first-token")).status_code == 200
    assert_error(await h.send(text(), token="second-token"), 190, 401)


async def test_unconfigured_sandbox_provisions_numbers_on_first_use(make_harness):
    """With no numbers configured, a number is provisioned on its first authenticated use."""
    h = await make_harness(numbers=[])
    assert (await h.send(text(), token="other", pnid="200000000000001")).status_code == 200
    assert_error(await h.send(text(), token="first-token", pnid="200000000000001"), 190, 401)
    numbers = {n["phone_number_id"]: n for n in (await h.control("numbers"))["numbers"]}
    assert numbers["200000000000001"]["token_bound"] is True


async def test_configured_token_is_the_only_one_accepted(h: Harness):
    assert_error(await h.send(text(), token="EAAG-other"), 190, 401)
    assert (await h.send(text())).status_code == 200


async def test_mark_as_read(h: Harness):
    first = (await h.customer(ALEX, type="text", text="one"))["id"]
    second = (await h.customer(ALEX, type="text", text="two"))["id"]
    third = (await h.customer(ALEX, type="text", text="three"))["id"]
    response = await h.send({"messaging_product": "whatsapp", "status": "read",
                             "message_id": second, "typing_indicator": {"type": "text"}})
    assert response.status_code == 200 and response.json() == {"success": True}
    inbox = await h.control(f"customers/{ALEX}/inbox")
    read = {m["wamid"]: m["read_by_business"] for m in inbox["sent"]}
    assert read == {first: True, second: True, third: False}
    assert inbox["all_read_by_business"] is False
    no_id = {"messaging_product": "whatsapp", "status": "read"}
    assert_error(await h.send(no_id), 131008)


async def test_media_send_checks(h: Harness):
    image = {"messaging_product": "whatsapp", "to": ALEX, "type": "image"}
    ok = await h.send({**image, "image": {"link": "https://example.com/a.jpg", "caption": "c"}})
    assert ok.status_code == 200
    assert_error(await h.send({**image, "image": {}}), 131008)
    assert_error(await h.send({**image, "image": {"link": "ftp://x/a.jpg"}}), 131009)
    assert_error(await h.send({**image, "image": {"id": "1234567890123456"}}), 131009)
    caption = {"link": "https://example.com/a.jpg", "caption": "c" * 1025}
    assert_error(await h.send({**image, "image": caption}), 131009,
                 details="Caption is too long. Max length is 1024")
    audio = {"messaging_product": "whatsapp", "to": ALEX, "type": "audio",
             "audio": {"link": "https://example.com/a.ogg", "caption": "no"}}
    assert_error(await h.send(audio), 100)


async def test_other_outbound_types_are_accepted(h: Harness):
    wamid = (await h.customer(ALEX, type="text", text="hi"))["id"]
    bodies = [
        {"type": "text", "text": {"body": "see https://example.com", "preview_url": True}},
        {"type": "location", "location": {"latitude": 52.37, "longitude": 4.89,
                                          "name": "Store", "address": "Damrak 1"}},
        {"type": "reaction", "reaction": {"message_id": wamid, "emoji": "👍"}},
        {"type": "reaction", "reaction": {"message_id": wamid, "emoji": ""}},
        {"type": "contacts", "contacts": [{"name": {"formatted_name": "Help desk"},
                                           "phones": [{"phone": "+31 20 123 4567"}]}]},
        {"type": "document", "document": {"link": "https://example.com/i.pdf",
                                          "filename": "invoice.pdf", "caption": "Invoice"}},
        {"type": "sticker", "sticker": {"link": "https://example.com/s.webp"}},
        {"type": "text", "context": {"message_id": wamid}, "text": {"body": "quoted"}},
    ]
    for body in bodies:
        response = await h.send({"messaging_product": "whatsapp", "to": ALEX, **body})
        assert response.status_code == 200, (body, response.text)
    location = {"messaging_product": "whatsapp", "to": ALEX, "type": "location",
                "location": {"latitude": 91, "longitude": 0}}
    assert_error(await h.send(location), 131009)
    assert_error(await h.send({"messaging_product": "whatsapp", "to": ALEX, "type": "location",
                               "location": {"latitude": 1}}), 131008)


async def test_graph_version_prefix(h: Harness):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for version in ("v17.0", "v25.0"):
        response = await h.http.post(f"/{version}/{PNID}/messages", json=text(), headers=headers)
        assert response.status_code == 200
    assert_error(await h.http.post(f"/latest/{PNID}/messages", json=text(), headers=headers), 2500,
                 details=f"Unknown path components: /{PNID}/messages")


async def test_injected_faults_answer_then_clear(h: Harness):
    await h.http.post("/_sandbox/faults", json={"count": 2, "http_status": 500})
    assert_error(await h.send(text()), 131000, 500)
    assert_error(await h.send(text()), 131000, 500)
    assert (await h.send(text())).status_code == 200


async def test_injected_faults_answer_with_the_codes_http_status(h: Harness):
    """A fault names a code; the answer is what Meta sends for it (SPEC §3.3), title included."""
    await h.http.post("/_sandbox/faults", json={"count": 1, "error_code": 130429})
    assert assert_error(await h.send(text()), 130429, 400).message == "(#130429) Rate limit hit"
    await h.http.post("/_sandbox/faults", json={"count": 1, "error_code": 10})
    assert assert_error(await h.send(text()), 10, 403).message == "(#10) Permission Denied"
    await h.http.post("/_sandbox/faults", json={"count": 1, "error_code": 133010})
    error = assert_error(await h.send(text()), 133010, 400)
    assert error.message == "(#133010) Phone number not registered"


async def test_dropped_connection_fault(h: Harness):
    await h.http.post("/_sandbox/faults", json={"count": 1, "drop": True})
    with pytest.raises(httpx.RemoteProtocolError):
        await h.send(text())
    assert (await h.send(text())).status_code == 200
