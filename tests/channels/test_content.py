"""Typed message content: every recorded WhatsApp message parses into the right content, the
stored form reads back the same, rows of before typed content still read, bad content is refused."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from chatdesk.channels import content as c
from chatdesk.channels.base import InboundMessageEvent
from chatdesk.channels.whatsapp.inbound import parse_events
from tests.conftest import PAYLOADS, payload

# file -> for each message of it: (message type, content class, what its typed fields say)
PARSED = {
    "wa_inbound_text.json": [("text", c.Text, {"body": "Hi! Do you have the blue sneakers in size 42?"})],
    "wa_inbound_image.json": [("image", c.Media, {"type": "image", "provider_media_id": "1003383421387256",
                                                  "mime_type": "image/jpeg",
                                                  "caption": "Photo of the damaged package"})],
    "wa_inbound_document.json": [("document", c.Media, {"type": "document", "provider_media_id": "1234567890123456",
                                                        "filename": "invoice-4471.pdf",
                                                        "mime_type": "application/pdf"})],
    "wa_inbound_location.json": [("location", c.Location, {"name": "Philz Coffee", "latitude": 37.44221496582,
                                                           "url": "https://philzcoffee.com/"})],
    "wa_inbound_contacts.json": [("contacts", c.Contacts, {})],
    "wa_inbound_list_reply.json": [("list_reply", c.Interactive, {"kind": "list_reply", "reply": c.Choice(
        id="priority_express", title="Priority Mail Express", description="Next Day to 2 Days")})],
    "wa_inbound_button_reply.json": [("button_reply", c.Interactive, {
        "kind": "button_reply", "reply": c.Choice(id="cancel-button", title="Cancel")})],
    "wa_inbound_template_button.json": [("quick_reply", c.Button, {"payload": "unsubscribe_promo_2025",
                                                                  "text": "Unsubscribe"})],
    "wa_inbound_reaction.json": [("reaction", c.Reaction, {"emoji": "👍"})],
    "wa_inbound_order.json": [("order", c.Order, {"catalog_id": "194836987003835"})],
    "wa_inbound_reply_context.json": [("text", c.Text, {"body": "Yes, that one. Is it still available?"})],
    "wa_inbound_referral.json": [("text", c.Text, {"body": "Hello! Can I get more info on this?"})],
    "wa_inbound_unsupported.json": [("unsupported", c.Unsupported, {"original_type": "unsupported"})],
    "wa_batched_multi.json": [("text", c.Text, {}), ("text", c.Text, {}), ("reaction", c.Reaction, {})],
    "wa_inbound_username_only.json": [("text", c.Text, {
        "body": "Hi, I found you via your username. Do you ship to Utrecht?"})],
}


def messages(name: str) -> list[InboundMessageEvent]:
    return [e for e in parse_events(payload(name)) if isinstance(e, InboundMessageEvent)]


def test_every_whatsapp_message_payload_is_covered():
    webhooks = [p.name for p in (PAYLOADS / "whatsapp").glob("wa_*.json")
                if not p.name.startswith(("wa_send_", "wa_error_"))]
    with_messages = {name for name in webhooks if messages(name)}
    assert with_messages == set(PARSED)


@pytest.mark.parametrize("name,expected", sorted(PARSED.items()))
def test_payload_parses_into_typed_content(name, expected):
    events = messages(name)
    assert [(e.type, type(e.content)) for e in events] == [(t, cls) for t, cls, _ in expected]
    for event, (message_type, _, fields) in zip(events, expected, strict=True):
        assert event.content.type == c.content_type_of(message_type)
        for field, value in fields.items():
            assert getattr(event.content, field) == value, field
        # the stored form reads back as the same content, under the message's type
        assert c.parse_content(event.type, c.dump_content(event.content)) == event.content


def test_parsed_content_details():
    (contacts,) = messages("wa_inbound_contacts.json")
    card = contacts.content.contacts[0]
    assert (card.name.formatted_name, card.phones[0].phone, card.emails[0].email) == (
        "Lucia Gomez", "+1 (555) 000-3333", "lucia@example.com")
    (order,) = messages("wa_inbound_order.json")
    assert [(i.product_retailer_id, i.quantity, i.item_price) for i in order.content.product_items] == [
        ("di9ozbzfi4", 2, 30), ("nqryix03ez", 1, 25)]
    assert c.dump_content(order.content)["product_items"][0]["item_price"] == 30  # not 30.0
    (ad,) = messages("wa_inbound_referral.json")
    assert ad.content.referral.source_type == "ad"
    assert ad.content.referral.model_extra["welcome_message"] == {"text": "Hi there! Let us know how we can help!"}
    (reaction,) = messages("wa_inbound_reaction.json")
    assert reaction.content.message_id.startswith("wamid.")
    (image,) = messages("wa_inbound_image.json")
    assert image.content.media_to_fetch() == "1003383421387256"
    (text,) = messages("wa_inbound_text.json")
    assert text.content.media_to_fetch() is None


def test_a_forwarded_message_keeps_how_it_came():
    body = payload("wa_inbound_text.json").replace(b'"type": "text"', b'"context": {"forwarded": true}, "type": "text"')
    (event,) = [e for e in parse_events(body) if isinstance(e, InboundMessageEvent)]
    assert event.content.context == c.MessageContext(forwarded=True)
    assert c.dump_content(event.content)["context"] == {"forwarded": True}


def test_an_impossible_location_is_kept_as_unsupported_with_the_reason():
    body = payload("wa_inbound_location.json").replace(b"37.44221496582", b"237.4")
    (event,) = parse_events(body)
    assert event.type == "unsupported" and isinstance(event.content, c.Unsupported)
    assert event.content.original_type == "location"
    assert "latitude" in event.content.error.details
    assert event.content.raw["location"]["latitude"] == 237.4


# What rows written before typed content hold, by message type (the shapes the WhatsApp parser,
# the REST API, the inbox composer and the media job wrote), and what they read as.
OLD_ROWS = [
    ("text", {"body": "hoi", "reply_to_provider_id": "wamid.Q"},
     c.Text(body="hoi", reply_to_provider_id="wamid.Q")),
    ("text", {"body": "from an ad", "referral": {"source_type": "ad", "ctwa_clid": "x"},
              "context": {"forwarded": True}},
     c.Text(body="from an ad", referral=c.Referral(source_type="ad", ctwa_clid="x"),
            context=c.MessageContext(forwarded=True))),
    ("text", {"preview_url": False}, c.Text(preview_url=False)),
    ("image", {"id": "1003", "mime_type": "image/jpeg", "sha256": "abc=", "caption": "kapot"},
     c.Media(type="image", provider_media_id="1003", mime_type="image/jpeg", sha256="abc=", caption="kapot")),
    ("image", {"id": "1003", "mime_type": "image/png", "stored": "ab/cd.png", "size": 12},
     c.Media(type="image", provider_media_id="1003", mime_type="image/png", stored="ab/cd.png", size=12)),
    ("audio", {"id": "7", "voice": True, "media_error": "too large"},
     c.Media(type="audio", provider_media_id="7", voice=True, media_error="too large")),
    ("document", {"link": "https://shop.example/i.pdf", "filename": "i.pdf"},
     c.Media(type="document", link="https://shop.example/i.pdf", filename="i.pdf")),
    ("document", {"media_id": "99", "filename": "i.pdf"},
     c.Media(type="document", provider_media_id="99", filename="i.pdf")),
    ("location", {"latitude": 52.37, "longitude": 4.89, "name": "Store"},
     c.Location(latitude=52.37, longitude=4.89, name="Store")),
    ("contacts", {"contacts": [{"name": {"formatted_name": "Lucia"}, "phones": [{"phone": "+1", "wa_id": "1"}]}]},
     c.Contacts(contacts=[c.ContactCard(name=c.ContactName(formatted_name="Lucia"),
                                        phones=[c.ContactPhone(phone="+1", wa_id="1")])])),
    ("list_reply", {"id": "express", "title": "Express", "description": "Next day"},
     c.Interactive(kind="list_reply", reply=c.Choice(id="express", title="Express", description="Next day"))),
    ("button_reply", {"id": "yes", "title": "Yes"},
     c.Interactive(kind="button_reply", reply=c.Choice(id="yes", title="Yes"))),
    ("flow_reply", {"name": "flow", "body": "Sent", "response_json": "{}"},
     c.Interactive(kind="flow_reply", response={"name": "flow", "body": "Sent", "response_json": "{}"})),
    ("quick_reply", {"payload": "stop", "text": "Stop"}, c.Button(payload="stop", text="Stop")),
    ("reaction", {"message_id": "wamid.R", "emoji": "👍"}, c.Reaction(message_id="wamid.R", emoji="👍")),
    ("reaction", {"emoji": ""}, c.Reaction(emoji="")),
    ("order", {"catalog_id": "1", "text": "", "product_items": [
        {"product_retailer_id": "p", "quantity": 2, "item_price": 12.99, "currency": "EUR"}]},
     c.Order(catalog_id="1", text="", product_items=[
         c.OrderItem(product_retailer_id="p", quantity=2, item_price=12.99, currency="EUR")])),
    ("system", {"body": "changed number", "type": "customer_changed_number", "new_wa_id": "316"},
     c.System(body="changed number", event="customer_changed_number", new_wa_id="316")),
    ("unsupported", {"original_type": "hologram", "raw": {"type": "hologram"},
                     "error": {"code": 131051, "title": "Message type unknown", "details": None}},
     c.Unsupported(original_type="hologram", raw={"type": "hologram"},
                   error=c.ContentError(code=131051, title="Message type unknown"))),
    ("note", {}, c.Note()),
    ("template", {"template": {"name": "order_update", "language": {"code": "nl"}, "components": []}},
     c.Template(name="order_update", language="nl")),
    ("interactive", {"interactive": {"type": "button", "body": {"text": "Ok?"}, "action": {"buttons": [
        {"type": "reply", "reply": {"id": "y", "title": "Yes"}}]}}},
     c.Interactive(kind="buttons", body="Ok?", buttons=[c.Choice(id="y", title="Yes")])),
]


@pytest.mark.parametrize("message_type,stored,expected", OLD_ROWS, ids=[f"{t}-{i}" for i, (t, _, _) in
                                                                       enumerate(OLD_ROWS)])
def test_rows_of_before_typed_content_read(message_type, stored, expected):
    read = c.parse_content(message_type, stored)
    assert read == expected
    assert c.parse_content(message_type, c.dump_content(read)) == read  # and write back in today's shape


def test_unknown_keys_of_old_rows_are_kept():
    read = c.parse_content("image", {"id": "1", "url": "https://lookaside.example/1", "legacy": {"a": 1}})
    assert read.model_extra == {"url": "https://lookaside.example/1", "legacy": {"a": 1}}
    assert c.dump_content(read)["legacy"] == {"a": 1}


def test_a_row_that_no_longer_reads_is_shown_as_unsupported():
    read = c.parse_content("location", {"name": "no coordinates"})
    assert isinstance(read, c.Unsupported)
    assert (read.original_type, read.raw) == ("location", {"name": "no coordinates"})


def test_an_unknown_message_type_reads_as_unsupported():
    assert c.content_type_of("hologram") == "unsupported"
    assert isinstance(c.parse_content("hologram", {"beam": 3}), c.Unsupported)


@pytest.mark.parametrize("bad", [
    {"body": "no type"},
    {"type": "fax"},
    {"type": "location", "latitude": 91, "longitude": 0},
    {"type": "image", "size": "big"},
    {"type": "contacts", "contacts": []},
    {"type": "interactive", "kind": "carousel"},
])
def test_bad_content_is_refused(bad):
    with pytest.raises(ValidationError):
        c.validate_content(bad)


def test_content_is_frozen_and_copies_are_validated():
    text = c.Text(body="hi")
    with pytest.raises(ValidationError):
        text.body = "changed"  # type: ignore[misc]
    image = c.Media(type="image", provider_media_id="1")
    stored = c.with_values(image, stored="ab/cd.png", size=3)
    assert (stored.stored, stored.size, stored.media_to_fetch(), image.media_to_fetch()) == ("ab/cd.png", 3, None, "1")
    with pytest.raises(ValidationError):
        c.with_values(image, size="three")
