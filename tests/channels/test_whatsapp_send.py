"""Typed content → WhatsApp send requests: each sendable type maps to the documented wire shape
(the recorded ``wa_send_*_request.json`` bodies where there is one)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from chatdesk.channels import content as c
from chatdesk.channels.base import Connection, OutboundMessage, PermanentChannelError
from chatdesk.channels.whatsapp.adapter import WhatsAppAdapter
from tests.conftest import payload

TO = "15550002222"
CONN = Connection(external_id="109876543210987", config={}, secrets={"access_token": "t"})


class UploadingGraph:
    """Answers media uploads with a fixed id and records them; refuses anything else."""

    def __init__(self) -> None:
        self.uploads: list[dict[str, Any]] = []

    async def call(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        assert (method, path) == ("POST", f"{CONN.external_id}/media"), (method, path)
        self.uploads.append(kw)
        return {"id": "uploaded-1"}


async def wire(content: c.Content, *, to: str = TO, text: str | None = None, reply_to: str | None = None,
               media_bytes: bytes | None = None, graph: UploadingGraph | None = None,
               to_type: str = "phone") -> dict[str, Any]:
    adapter = WhatsAppAdapter(None, graph_url="http://nowhere.invalid", graph_version="v23.0")  # type: ignore[arg-type]
    message = OutboundMessage(type=content.type, to=to, content=content, text=text, reply_to_provider_id=reply_to,
                              media_bytes=media_bytes, to_type=to_type)
    request = await adapter._request(graph or UploadingGraph(), CONN, message)  # type: ignore[arg-type]
    return request.wire()


def recorded(name: str) -> dict[str, Any]:
    return json.loads(payload(name))


async def test_text_equals_the_recorded_request():
    body = "Thanks for reaching out! Our store is open 9am-6pm, Monday to Saturday."
    assert await wire(c.Text(body=body, preview_url=False), to="+15550002222") == recorded("wa_send_text_request.json")


async def test_text_stored_without_its_body_takes_the_message_text():
    """Outbound text rows of before typed content kept the body only in the message's text."""
    sent = await wire(c.parse_content("text", {"preview_url": True}), text="see https://shop.example")
    assert sent["text"] == {"body": "see https://shop.example", "preview_url": True}


async def test_list_equals_the_recorded_request():
    rows = [("I want it ASAP!", [("priority_express", "Priority Mail Express", "Next Day to 2 Days"),
                                 ("priority_mail", "Priority Mail", "1-3 Days")]),
            ("I can wait a bit", [("usps_ground_advantage", "USPS Ground Advantage", "2-5 Days"),
                                  ("media_mail", "Media Mail", "2-8 Days")])]
    content = c.Interactive(
        kind="list", header="Shipping options", body="Which shipping option do you prefer? Prices include tax.",
        footer="Lucky Shrub", button="Choose shipping",
        sections=[c.Section(title=title, rows=[c.Choice(id=i, title=t, description=d) for i, t, d in choices])
                  for title, choices in rows])
    assert await wire(content) == recorded("wa_send_list_request.json")


async def test_buttons_equal_the_recorded_request():
    content = c.Interactive(
        kind="buttons", header="Order #4471",
        body="Your order is ready. Would you like to confirm delivery for tomorrow?", footer="Reply within 24 hours",
        buttons=[c.Choice(id="confirm-button", title="Confirm"), c.Choice(id="reschedule-button", title="Reschedule"),
                 c.Choice(id="cancel-button", title="Cancel")])
    assert await wire(content) == recorded("wa_send_buttons_request.json")


async def test_template_equals_the_recorded_request():
    expected = recorded("wa_send_template_request.json")
    template = expected["template"]
    content = c.Template(name=template["name"], language=template["language"]["code"],
                         components=template["components"])
    assert await wire(content) == expected


async def test_media_by_link_with_caption_and_filename():
    content = c.Media(type="document", link="https://shop.example/invoice-42.pdf", filename="invoice-42.pdf",
                      caption="Your invoice")
    assert await wire(content) == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": TO,
                                   "type": "document", "document": {"link": "https://shop.example/invoice-42.pdf",
                                                                    "caption": "Your invoice",
                                                                    "filename": "invoice-42.pdf"}}


@pytest.mark.parametrize("kind", ["image", "audio", "video", "sticker"])
async def test_stored_media_is_uploaded_then_sent_by_its_id(kind):
    graph = UploadingGraph()
    content = c.Media(type=kind, stored="ab/cd.bin", mime_type="image/png", filename="f.png", caption="Look")
    sent = await wire(content, media_bytes=b"\x89PNG", graph=graph)
    captioned = kind in ("image", "video")
    assert sent[kind] == ({"id": "uploaded-1", "caption": "Look"} if captioned else {"id": "uploaded-1"})
    assert graph.uploads[0]["files"]["file"] == ("f.png", b"\x89PNG", "image/png")


async def test_media_the_provider_holds_is_sent_by_its_id_without_upload():
    graph = UploadingGraph()
    sent = await wire(c.Media(type="image", provider_media_id="1003"), media_bytes=b"x", graph=graph)
    assert sent["image"] == {"id": "1003"} and graph.uploads == []


async def test_location_reaction_and_contacts():
    location = await wire(c.Location(latitude=52.37, longitude=4.89, name="Store", address="Damrak 1"),
                          reply_to="wamid.Q")
    assert location["location"] == {"latitude": 52.37, "longitude": 4.89, "name": "Store", "address": "Damrak 1"}
    assert location["context"] == {"message_id": "wamid.Q"}
    reaction = await wire(c.Reaction(emoji="👍"), reply_to="wamid.Q")
    assert reaction["reaction"] == {"message_id": "wamid.Q", "emoji": "👍"} and "context" not in reaction
    card = c.ContactCard(name=c.ContactName(formatted_name="Lucia Gomez", first_name="Lucia"),
                         phones=[c.ContactPhone(phone="+1 555 000 3333", type="MOBILE", wa_id="15550003333")])
    contacts = await wire(c.Contacts(contacts=[card]))
    assert contacts["contacts"] == [{"name": {"formatted_name": "Lucia Gomez", "first_name": "Lucia"},
                                     "phones": [{"phone": "+1 555 000 3333", "type": "MOBILE",
                                                 "wa_id": "15550003333"}]}]


@pytest.mark.parametrize("content", [c.Note(), c.Button(text="Stop"), c.Order(),
                                     c.Interactive(kind="list_reply", reply=c.Choice(id="x")),
                                     c.Unsupported(original_type="hologram")])
async def test_what_cannot_be_sent_is_refused_for_good(content):
    with pytest.raises(PermanentChannelError):
        await wire(content)


# ----------------------------------------------------------------------------- by user id (issue 13)
BSUID = "NL.1234567890123456789"


async def test_a_user_id_is_addressed_in_recipient_equal_to_the_recorded_request():
    body = "Yes! Shipping to the Netherlands takes 2-3 business days."
    sent = await wire(c.Text(body=body, preview_url=False), to=BSUID, to_type="user_id")
    assert sent == recorded("wa_send_text_by_recipient_request.json")


async def test_replies_reactions_and_media_by_user_id_carry_recipient_only():
    for content, extra in ((c.Text(body="hi"), {"reply_to": "wamid.Q"}),
                           (c.Reaction(message_id="wamid.Q", emoji="👍"), {}),
                           (c.Media(type="image", link="https://x.example/a.jpg"), {"text": "look"})):
        sent = await wire(content, to=BSUID, to_type="user_id", **extra)
        assert sent["recipient"] == BSUID and "to" not in sent


async def test_the_answer_to_a_send_by_user_id_names_the_recipient():
    """Meta's answer to a send by ``recipient`` has ``user_id`` and no ``wa_id``."""
    import httpx

    from tests.fakes.graph import FakeGraph

    graph = FakeGraph()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=graph.app)) as http:
        adapter = WhatsAppAdapter(http, graph_url="http://graph.test", graph_version="v24.0")
        result = await adapter.send(CONN, OutboundMessage(type="text", to=BSUID, to_type="user_id",
                                                          content=c.Text(body="hi")))
        by_number = await adapter.send(CONN, OutboundMessage(type="text", to=TO, to_type="phone",
                                                             content=c.Text(body="hi")))
    assert (result.provider_message_id, result.recipient_id) == ("wamid.FAKE1", BSUID)
    assert by_number.recipient_id == TO
    assert [r.get("recipient") or r.get("to") for r in graph.requests] == [BSUID, TO]
