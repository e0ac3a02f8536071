"""A client nobody here wrote reads what the sandbox sends: every webhook of a scripted session
(each inbound message type, each status, failed/131047, a username-only customer) and every
webhook fixture go through pywa 4.5.0's own update handling (``webhook_update_handler``: its
signature check, handler resolution and typed-update construction), exactly as a pywa bot
behind its own web server would see them.
"""
from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from pywa import WhatsApp
from pywa import types as pywa_types
from pywa.errors import ReEngagementMessage
from pywa.types.message_status import PricingCategory

from chatdesk.sandbox import identity
from chatdesk.sandbox.inbound import INBOUND_TYPES
from chatdesk.sandbox.personas import PERSONAS
from tests.conftest import PAYLOADS
from tests.sandbox.sandbox_helpers import (
    ALEX,
    PNID,
    SECRET,
    TOKEN,
    Harness,
    text,
    wait_for,
)

ROBIN = next(p for p in PERSONAS if not p.has_phone)
EMILY = next(p for p in PERSONAS if p.name == "Emily Clarke")
CONFORMANCE = PAYLOADS / "whatsapp"
FIXTURES = sorted(p.name for p in CONFORMANCE.glob("wa_*.json")
                  if p.name.startswith(("wa_inbound_", "wa_status_", "wa_batched_")))
# Meta sends no ``contacts`` with a failed status (SPEC §1.1, Meta's BSUID page); pywa 4.5.0's
# MessageStatus.from_update reads value["contacts"][0] unconditionally and raises KeyError.
PYWA_NEEDS_CONTACTS = "wa_status_failed.json"

LIST = {"type": "list", "body": {"text": "Pick one"}, "action": {"button": "Options", "sections": [
    {"title": "Delivery", "rows": [{"id": "express", "title": "Express"}]}]}}
BUTTONS = {"type": "button", "body": {"text": "OK?"}, "action": {"buttons": [
    {"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]}}
TEMPLATE = {"name": "order_update", "language": {"code": "en_US"}, "components": [
    {"type": "body", "parameters": [{"type": "text", "text": "Alex"},
                                    {"type": "text", "text": "#1"}]}]}
SPECS: dict[str, dict[str, Any]] = {
    "text": {"text": "Hello"},
    "image": {"caption": "the box"},
    "audio": {},
    "video": {"caption": "unboxing"},
    "document": {"caption": "invoice"},
    "sticker": {},
    "location": {"latitude": 52.37, "longitude": 4.9, "name": "Home"},
    "contacts": {"name": "Jan"},
    "button_reply": {"id": "yes", "title": "Yes"},
    "list_reply": {"id": "express", "title": "Express"},
    "template_button": {"payload": "track", "title": "Track order"},
    "reaction": {"emoji": "👍"},
    "order": {"text": "this please", "items": [{"product_retailer_id": "sku-1", "quantity": 1,
                                                "item_price": 9.5, "currency": "EUR"}]},
    "unsupported": {},
}


class Pywa:
    """A pywa client without a server; ``parse`` hands it one webhook body as its web server
    would, and returns the typed update its handlers received (None when it could not)."""

    def __init__(self) -> None:
        self.wa = WhatsApp(phone_id=PNID, token=TOKEN, server=None, app_secret=SECRET,
                           verify_token="unused")
        self.updates: list[Any] = []
        for register in (self.wa.on_message, self.wa.on_message_status,
                         self.wa.on_callback_button, self.wa.on_callback_selection):
            register(lambda _client, update: self.updates.append(update))

    def parse(self, body: bytes, signature: str | None = None) -> Any:
        if signature is not None:
            assert self.wa.webhook_update_validator(body, signature) is None
        seen = len(self.updates)
        assert self.wa.webhook_update_handler(body) == ("ok", 200)
        return self.updates[seen] if len(self.updates) > seen else None


def delivered(h: Harness) -> list[tuple[bytes, str]]:
    """Every webhook the receiver accepted, with its X-Hub-Signature-256 header."""
    return [(body, headers["x-hub-signature-256"])
            for status, body, headers in h.receiver.attempts if status == 200]


def statuses_of(h: Harness, wamid: str, count: int) -> list[tuple[bytes, str]]:
    def found() -> list[tuple[bytes, str]] | None:
        bodies = [(b, s) for b, s in delivered(h) if wamid.encode() in b and b"statuses" in b]
        return bodies if len(bodies) >= count else None
    return wait_for(found)


async def business_messages(h: Harness) -> None:
    """What the reply types answer: a list, reply buttons and a template."""
    for body in ({"type": "interactive", "interactive": LIST},
                 {"type": "interactive", "interactive": BUTTONS},
                 {"type": "template", "template": TEMPLATE}):
        response = await h.send({"messaging_product": "whatsapp", "to": ALEX, **body})
        assert response.status_code == 200, response.text


async def test_every_inbound_type_parses_with_pywa(h: Harness):
    pywa = Pywa()
    await h.customer(ALEX, type="text", text="first")   # opens the window
    await business_messages(h)
    for kind in INBOUND_TYPES:
        await h.customer(ALEX, type=kind, **SPECS[kind])
    await wait_for(lambda: len(h.receiver.messages()) == len(INBOUND_TYPES) + 1)
    parsed = {}
    for body, signature in delivered(h):
        if b'"messages"' not in body:
            continue
        update = pywa.parse(body, signature)
        assert update is not None, body
        assert update.from_user.wa_id == ALEX
        assert update.from_user.bsuid == identity.phone_user_id(ALEX)
        parsed[json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0]["id"]] = update
    updates = list(parsed.values())[1:]   # after "first"
    assert len(updates) == len(INBOUND_TYPES)
    by_kind = dict(zip(INBOUND_TYPES, updates, strict=True))
    assert by_kind["text"].text == "Hello"
    assert by_kind["image"].image.mime_type == "image/png"
    assert by_kind["image"].caption == "the box"
    assert by_kind["audio"].voice is not None   # a voice note
    assert by_kind["document"].document.filename
    assert by_kind["location"].location.latitude == 52.37
    assert by_kind["contacts"].contacts[0].name.formatted_name == "Jan"
    assert isinstance(by_kind["button_reply"], pywa_types.CallbackButton)
    assert by_kind["button_reply"].data == "yes"
    assert isinstance(by_kind["list_reply"], pywa_types.CallbackSelection)
    assert by_kind["list_reply"].data == "express"
    assert isinstance(by_kind["template_button"], pywa_types.CallbackButton)
    assert by_kind["template_button"].data == "track"
    assert by_kind["reaction"].reaction.emoji == "👍"
    assert by_kind["order"].order.products[0].sku == "sku-1"
    assert by_kind["unsupported"].type == pywa_types.MessageType.UNSUPPORTED


async def test_usernames_and_the_username_only_customer_parse_with_pywa(h: Harness):
    pywa = Pywa()
    await h.http.post(f"/_sandbox/customers/{ROBIN.wa_id}/scenario", json={})
    await h.customer(EMILY.wa_id, type="text", text="Hi")
    await wait_for(lambda: len(delivered(h)) >= 2)
    robin, emily = (pywa.parse(body, sig) for body, sig in delivered(h)[:2])
    assert robin.from_user.wa_id is None
    assert robin.from_user.bsuid == ROBIN.wa_id and robin.from_user.country_code == "NL"
    assert robin.from_user.username == "@robin.vale"
    assert robin.from_user.name == "Robin Vale"
    assert robin.text.startswith("Hoi")
    assert (emily.from_user.wa_id, emily.from_user.username) == (EMILY.wa_id, "@emily.clarke")


async def test_every_status_parses_with_pywa(h: Harness):
    """sent / delivered / read for a phone send on v23.0 (with conversation) and on v24.0
    (without), and for a send by ``recipient`` (v23.0) to the username-only customer."""
    pywa = Pywa()
    await h.customer(ALEX, type="text", text="hi")
    await h.customer(ROBIN.wa_id, type="text", text="hoi")
    v23 = (await h.send(text())).json()["messages"][0]["id"]
    v24 = (await h.http.post(f"/v24.0/{PNID}/messages", json=text(),
                             headers={"Authorization": f"Bearer {TOKEN}"})).json()
    by_bsuid = (await h.send({"messaging_product": "whatsapp", "recipient": ROBIN.wa_id,
                              "type": "text", "text": {"body": "Hoi Robin"}})).json()
    for wamid in (v23, v24["messages"][0]["id"], by_bsuid["messages"][0]["id"]):
        statuses = [pywa.parse(body, sig) for body, sig in await statuses_of(h, wamid, 3)]
        assert [s.status for s in statuses] == [pywa_types.MessageStatusType.SENT,
                                                pywa_types.MessageStatusType.DELIVERED,
                                                pywa_types.MessageStatusType.READ]
        assert all(s.id == wamid and s.error is None for s in statuses)
        assert statuses[0].pricing.category == PricingCategory.SERVICE
        assert statuses[2].pricing is None
        has_conversation = [s.conversation is not None for s in statuses]
        on_v24 = wamid == v24["messages"][0]["id"]
        assert has_conversation == ([False] * 3 if on_v24 else [True, True, False])
        if wamid == by_bsuid["messages"][0]["id"]:
            assert statuses[0].from_user.bsuid == ROBIN.wa_id
            assert statuses[0].from_user.wa_id is None
            assert statuses[0].from_user.username is None   # never on sent
            assert statuses[1].from_user.username == "@robin.vale"
        else:
            assert statuses[0].from_user.wa_id == ALEX


async def test_metas_failed_status_shape_trips_pywa_4_5(h: Harness, caplog):
    """The default (Meta's shape, no contacts) is what pywa 4.5.0 cannot construct."""
    pywa = Pywa()
    wamid = (await h.send(text(to="4915100000001"))).json()["messages"][0]["id"]
    [(body, signature)] = await statuses_of(h, wamid, 1)
    with caplog.at_level(logging.ERROR, logger="pywa"):
        assert pywa.parse(body, signature) is None
    assert "KeyError: 'contacts'" in caplog.text


async def test_failed_131047_parses_with_the_contacts_leniency(make_harness):
    h = await make_harness(failed_status_contacts=True)
    pywa = Pywa()
    wamid = (await h.send(text(to="4915100000001"))).json()["messages"][0]["id"]
    [(body, signature)] = await statuses_of(h, wamid, 1)
    status = pywa.parse(body, signature)
    assert status.status == pywa_types.MessageStatusType.FAILED
    assert isinstance(status.error, ReEngagementMessage)
    assert status.error.code == 131047
    assert status.error.details.startswith("Message failed to send because more than 24 hours")
    assert status.pricing is None and status.conversation is None
    assert status.from_user.wa_id == "4915100000001"


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason="pywa 4.5.0 needs contacts"))
    if name == PYWA_NEEDS_CONTACTS else name for name in FIXTURES])
def test_every_webhook_fixture_parses_with_pywa(name: str):
    update = Pywa().parse((CONFORMANCE / name).read_bytes())
    assert update is not None
    value = json.loads((CONFORMANCE / name).read_text())["entry"][0]["changes"][0]["value"]
    contact = value["contacts"][0]
    assert update.from_user.bsuid == contact["user_id"]
    assert update.from_user.wa_id == contact.get("wa_id")
