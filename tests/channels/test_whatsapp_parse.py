"""Every recorded WhatsApp payload parses into the right neutral events (DESIGN convention 7)."""
from __future__ import annotations

import json

import pytest

from chatdesk.channels.base import (
    InboundMessageEvent,
    InboundStatusEvent,
    NumberStatusEvent,
    PartyId,
    PayloadError,
    UnreadableItem,
)
from chatdesk.channels.whatsapp.inbound import parse_events
from chatdesk.channels.whatsapp.payloads import SendRequest, WebhookEnvelope
from tests.conftest import PAYLOADS, payload

INBOUND = {
    "wa_inbound_text.json": ["text"],
    "wa_inbound_image.json": ["image"],
    "wa_inbound_document.json": ["document"],
    "wa_inbound_location.json": ["location"],
    "wa_inbound_contacts.json": ["contacts"],
    "wa_inbound_list_reply.json": ["list_reply"],
    "wa_inbound_button_reply.json": ["button_reply"],
    "wa_inbound_template_button.json": ["quick_reply"],
    "wa_inbound_reaction.json": ["reaction"],
    "wa_inbound_order.json": ["order"],
    "wa_inbound_reply_context.json": ["text"],
    "wa_inbound_referral.json": ["text"],
    "wa_inbound_unsupported.json": ["unsupported"],
    "wa_batched_multi.json": ["text", "text", "reaction", "status:delivered"],
    "wa_status_sent.json": ["status:sent"],
    "wa_status_sent_v23.json": ["status:sent"],
    "wa_status_delivered.json": ["status:delivered"],
    "wa_status_read.json": ["status:read"],
    "wa_status_failed.json": ["status:failed"],
    "wa_inbound_username_only.json": ["text"],
    "wa_status_delivered_bsuid.json": ["status:delivered"],
    "wa_phone_number_quality_update.json": ["number:TIER_2K"],
    "wa_phone_number_quality_flagged.json": ["number:TIER_2K"],
}


def kinds(events):
    return [e.type if isinstance(e, InboundMessageEvent) else f"number:{e.tier}" if isinstance(e, NumberStatusEvent)
            else f"status:{e.status}" for e in events]


def test_every_whatsapp_webhook_payload_is_covered():
    files = {p.name for p in (PAYLOADS / "whatsapp").glob("wa_*.json")
             # template webhooks are parsed in tests/templates/test_template_webhooks.py
             if not p.name.startswith(("wa_send_", "wa_error_", "wa_template_"))}
    assert files == set(INBOUND)


@pytest.mark.parametrize("name,expected", sorted(INBOUND.items()))
def test_payload_parses_to_typed_events(name, expected):
    events = parse_events(payload(name))
    assert kinds(events) == expected
    for event in events:
        if isinstance(event, NumberStatusEvent):  # names the number by its display number
            assert event.display_number == "15550001111"
            continue
        assert event.channel_external_id == "109876543210987"


def test_text_keeps_body_sender_and_profile_name():
    (event,) = parse_events(payload("wa_inbound_text.json"))
    assert event.text == "Hi! Do you have the blue sneakers in size 42?"
    assert event.sender_name == "Alex Doe"
    # keyed on the business-scoped user id (Meta: not on the number), the number kept beside it
    assert event.sender_ids() == (PartyId("US.10293847561029384756", "user_id"), PartyId("15550002222", "phone"))
    assert event.sent_at.timestamp() == 1781811992


def test_media_message_carries_a_reference_to_fetch():
    (event,) = parse_events(payload("wa_inbound_image.json"))
    raw = json.loads(payload("wa_inbound_image.json"))["entry"][0]["changes"][0]["value"]["messages"][0]["image"]
    assert event.content.media_to_fetch() == event.content.provider_media_id == raw["id"]
    assert event.content.mime_type == raw["mime_type"]
    assert event.text == raw.get("caption")


def test_reply_context_and_referral_are_kept():
    (reply,) = parse_events(payload("wa_inbound_reply_context.json"))
    assert reply.reply_to_provider_id and reply.reply_to_provider_id.startswith("wamid.")
    (ad,) = parse_events(payload("wa_inbound_referral.json"))
    assert ad.content.referral.source_type == "ad"
    assert ad.content.referral.ctwa_clid


def test_list_reply_and_order_keep_their_typed_content():
    (choice,) = parse_events(payload("wa_inbound_list_reply.json"))
    assert choice.content.reply.id and choice.text == choice.content.reply.title
    (order,) = parse_events(payload("wa_inbound_order.json"))
    assert [i.quantity for i in order.content.product_items] == [2, 1]


def test_unsupported_keeps_raw_payload_and_error():
    (event,) = parse_events(payload("wa_inbound_unsupported.json"))
    assert event.content.error.code == 131051
    assert event.content.raw["type"] == "unsupported"


def test_an_unknown_type_is_stored_as_unsupported_never_dropped():
    body = json.loads(payload("wa_inbound_text.json"))
    msg = body["entry"][0]["changes"][0]["value"]["messages"][0]
    msg["type"] = "hologram"
    msg["hologram"] = {"beam": 3}
    del msg["text"]
    (event,) = parse_events(json.dumps(body).encode())
    assert event.type == "unsupported"
    assert event.content.original_type == "hologram"
    assert event.content.raw["hologram"] == {"beam": 3}


def test_failed_status_keeps_code_and_title():
    (status,) = parse_events(payload("wa_status_failed.json"))
    assert isinstance(status, InboundStatusEvent)
    assert (status.error_code, status.error_title) == (131047, "Re-engagement message")
    assert "24 hours" in status.error_detail


def test_unknown_fields_are_tolerated_and_kept():
    body = json.loads(payload("wa_inbound_text.json"))
    body["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"] = "US.13491208655302741918"
    body["entry"][0]["changes"][0]["value"]["messages"][0]["from_user_id"] = "US.1"
    (event,) = parse_events(json.dumps(body).encode())
    assert event.raw["from_user_id"] == "US.1"


def test_a_contact_known_only_by_its_user_id_still_names_the_sender():
    body = json.loads(payload("wa_inbound_text.json"))
    value = body["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": "Nick", "username": "@nick"}, "user_id": "NL.999"}]
    value["messages"][0]["from_user_id"] = "NL.999"
    (event,) = parse_events(json.dumps(body).encode())
    assert ("15550002222", "Nick") in {(p.value, event.sender_name) for p in event.sender_ids()}
    del value["messages"][0]["from_user_id"]   # the change's only contact is the sender
    (event,) = parse_events(json.dumps(body).encode())
    assert event.sender_name == "Nick"
    assert [p.value for p in event.sender_ids()] == ["NL.999", "15550002222"]


def test_an_unreadable_status_is_reported_and_the_rest_is_read():
    body = json.loads(payload("wa_status_delivered.json"))
    statuses = body["entry"][0]["changes"][0]["value"]["statuses"]
    statuses.insert(0, {"status": "read", "timestamp": "1750362500"})   # no id
    unreadable, delivered = parse_events(json.dumps(body).encode())
    assert isinstance(unreadable, UnreadableItem) and unreadable.reason == "status: id: Field required"
    assert isinstance(delivered, InboundStatusEvent) and delivered.status == "delivered"


@pytest.mark.parametrize("timestamp", ["abc", "", "nan", "1e20", 10**20])
def test_an_impossible_timestamp_costs_only_its_own_item(timestamp):
    """A message keeps its body (its time becomes the time it is stored); a status, whose time
    orders it, is reported instead. The other items of the delivery are read as usual."""
    body = json.loads(payload("wa_inbound_text.json"))
    good = body["entry"][0]["changes"][0]["value"]["messages"][0]
    body["entry"][0]["changes"][0]["value"]["messages"] = [{**good, "id": "wamid.ODD", "timestamp": timestamp}, good]
    odd, fine = parse_events(json.dumps(body).encode())
    assert (odd.provider_message_id, odd.sent_at, odd.text) == ("wamid.ODD", None, fine.text)
    assert fine.sent_at.timestamp() == int(good["timestamp"])
    receipts = json.loads(payload("wa_status_delivered.json"))
    statuses = receipts["entry"][0]["changes"][0]["value"]["statuses"]
    statuses.insert(0, {**statuses[0], "timestamp": timestamp})
    unreadable, delivered = parse_events(json.dumps(receipts).encode())
    assert isinstance(unreadable, UnreadableItem) and "timestamp" in unreadable.reason
    assert isinstance(delivered, InboundStatusEvent)


@pytest.mark.parametrize("raw", [b"", b"[]", b'{"object": "page", "entry": []}', b"{not json"])
def test_garbage_is_a_payload_error(raw):
    with pytest.raises(PayloadError):
        parse_events(raw)


@pytest.mark.parametrize("name", ["wa_send_text_request.json", "wa_send_list_request.json",
                                  "wa_send_buttons_request.json", "wa_send_template_request.json"])
def test_send_request_payloads_round_trip(name):
    raw = json.loads(payload(name))
    assert SendRequest.model_validate(raw).wire() == raw


@pytest.mark.parametrize("name", sorted(f.name for f in (PAYLOADS / "whatsapp").glob("wa_*.json")
                                         if f.name.startswith(("wa_inbound", "wa_status", "wa_batched"))))
def test_the_light_routing_view_finds_the_same_numbers_as_the_full_parse(name):
    from chatdesk.channels.whatsapp.inbound import routing_ids
    raw = payload(name)
    assert routing_ids(raw) == WebhookEnvelope.model_validate_json(raw).phone_number_ids()


def test_routing_refuses_what_is_not_a_whatsapp_webhook():
    from chatdesk.channels.whatsapp.inbound import routing_ids
    for raw in (b"{not json", b"{}", b'{"object": "page", "entry": []}', b'{"object": 1}'):
        with pytest.raises(PayloadError):
            routing_ids(raw)


def test_envelope_lists_numbers_once():
    envelope = WebhookEnvelope.model_validate_json(payload("wa_batched_multi.json"))
    assert envelope.phone_number_ids() == ["109876543210987"]


# ----------------------------------------------------------------------------- user ids (issue 13)


def test_a_username_only_sender_is_known_by_its_user_id_alone():
    (event,) = parse_events(payload("wa_inbound_username_only.json"))
    assert event.sender_ids() == (PartyId("NL.1234567890123456789", "user_id"),)
    assert (event.sender_name, event.sender_username) == ("Robin Vale", "@robin.vale")
    assert event.text.startswith("Hi, I found you via your username")


def test_empty_phone_fields_of_the_earlier_revision_read_as_absent():
    body = json.loads(payload("wa_inbound_username_only.json"))
    value = body["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = ""
    value["messages"][0]["from"] = ""
    (event,) = parse_events(json.dumps(body).encode())
    assert [p.value for p in event.sender_ids()] == ["NL.1234567890123456789"]


def test_a_message_without_any_sender_id_is_reported():
    body = json.loads(payload("wa_inbound_username_only.json"))
    del body["entry"][0]["changes"][0]["value"]["messages"][0]["from_user_id"]
    (item,) = parse_events(json.dumps(body).encode())
    assert isinstance(item, UnreadableItem) and "no sender" in item.reason


def test_an_unreadable_username_only_message_is_kept_under_its_user_id():
    body = json.loads(payload("wa_inbound_username_only.json"))
    body["entry"][0]["changes"][0]["value"]["messages"][0]["text"] = {"body": 7}
    (event,) = parse_events(json.dumps(body).encode())
    assert event.type == "unsupported"
    assert (event.sender_id, event.sender_username) == ("NL.1234567890123456789", "@robin.vale")


def test_parent_user_ids_are_read():
    body = json.loads(payload("wa_inbound_username_only.json"))
    value = body["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["parent_user_id"] = "NL.ENT.11815799212886844830"
    (event,) = parse_events(json.dumps(body).encode())
    assert event.sender_parent_id == "NL.ENT.11815799212886844830"
    value["messages"][0]["from_parent_user_id"] = "NL.ENT.2"
    (event,) = parse_events(json.dumps(body).encode())
    assert event.sender_parent_id == "NL.ENT.2"


def test_a_receipt_for_a_send_by_user_id_names_its_recipient():
    (status,) = parse_events(payload("wa_status_delivered_bsuid.json"))
    assert status.recipient_id is None
    assert status.recipient_ids == (PartyId("NL.1234567890123456789", "user_id"),)
    assert status.recipient_username == "@robin.vale"
    (status,) = parse_events(payload("wa_status_delivered.json"))   # by number: the contacts add the user id
    assert status.recipient_ids == (PartyId("US.10293847561029384756", "user_id"), PartyId("15550002222", "phone"))


@pytest.mark.parametrize("spelling", ["recipient_parent_user_id", "parent_recipient_user_id"])
def test_the_recipient_s_parent_id_is_read_in_both_spellings(spelling):
    body = json.loads(payload("wa_status_delivered_bsuid.json"))
    body["entry"][0]["changes"][0]["value"]["statuses"][0][spelling] = "NL.ENT.9"
    (status,) = parse_events(json.dumps(body).encode())
    assert status.recipient_parent_id == "NL.ENT.9"


@pytest.mark.parametrize("change,key,new,kind", [("user_changed_number", "wa_id", "15550009999", "phone"),
                                                 ("user_changed_user_id", "user_id", "US.99", "user_id")])
def test_a_changed_number_or_user_id_joins_the_sender_s_ids(change, key, new, kind):
    body = json.loads(payload("wa_inbound_text.json"))
    value = body["entry"][0]["changes"][0]["value"]
    del value["contacts"]   # system messages carry none
    msg = value["messages"][0]
    del msg["text"]
    msg.update({"type": "system", "system": {"body": "User changed", "type": change, key: new}})
    (event,) = parse_events(json.dumps(body).encode())
    assert event.type == "system"
    assert PartyId(new, kind) in event.sender_ids()
    assert {PartyId("US.10293847561029384756", "user_id"), PartyId("15550002222", "phone")} <= set(event.sender_ids())


def test_every_recorded_payload_parses():
    """Every file of the folder, old shapes and Meta's 2026 ones, reads as what it is."""
    from chatdesk.channels.whatsapp.payloads import GraphError, SendResponse
    for path in sorted((PAYLOADS / "whatsapp").glob("wa_*.json")):
        raw = path.read_bytes()
        if path.name.startswith("wa_error_"):
            GraphError.model_validate_json(raw)
        elif path.name.startswith("wa_send_") and path.stem.endswith("_request"):
            assert SendRequest.model_validate_json(raw).wire() == json.loads(raw), path.name
        elif path.name.startswith("wa_send_"):
            assert SendResponse.model_validate_json(raw).messages, path.name
        else:
            events = parse_events(raw)
            assert events and not any(isinstance(e, UnreadableItem) for e in events), path.name


def test_a_send_by_user_id_and_its_answer_are_read():
    from chatdesk.channels.whatsapp.payloads import SendResponse
    request = SendRequest.model_validate_json(payload("wa_send_text_by_recipient_request.json"))
    assert (request.to, request.recipient) == (None, "NL.1234567890123456789")
    answer = SendResponse.model_validate_json(payload("wa_send_response_bsuid.json"))
    assert (answer.contacts[0].wa_id, answer.contacts[0].user_id) == (None, "NL.1234567890123456789")


def test_a_contact_entry_never_adds_a_second_user_id_to_a_sender_that_has_one():
    body = json.loads(payload("wa_inbound_username_only.json"))
    body["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"] = "NL.someone.else"
    (event,) = parse_events(json.dumps(body).encode())
    assert [p.value for p in event.sender_ids()] == ["NL.1234567890123456789"]
