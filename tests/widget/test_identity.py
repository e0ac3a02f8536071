"""Identity verification: user_id with the right user_hash joins one contact across devices,
with the phone and email the site vouched for; a wrong or missing hash stays anonymous."""
from __future__ import annotations

from sqlalchemy import select

from chatdesk.contacts.models import Contact, ContactIdentity
from chatdesk.widget import tokens
from tests.conftest import settle

from .conftest import SECRET, Widget


async def _contacts(webchat):
    async with webchat.rt.db.reader() as session:
        return list((await session.execute(select(Contact))).scalars())


async def _identities(webchat):
    async with webchat.rt.db.reader() as session:
        return list((await session.execute(select(ContactIdentity))).scalars())


async def test_a_verified_user_is_one_contact_on_every_device(webchat):
    good = tokens.user_hash(SECRET, "user-42")
    laptop, phone = Widget(webchat), Widget(webchat)
    first = await laptop.start(user_id="user-42", user_hash=good, name="Ann", email="Ann@Shop.example",
                               phone="+31 20 555 0100")
    assert first.json()["verified"] is True
    await laptop.say("from the laptop")
    await settle(lambda: laptop.history())
    assert (await phone.start(user_id="user-42", user_hash=good.upper())).json()["verified"] is True
    assert [m["text"] for m in await phone.history()] == ["from the laptop"]  # the resumed conversation
    await phone.say("from the phone")
    await settle(lambda: _two(phone))
    (contact,) = await _contacts(webchat)
    assert (contact.name, contact.phone, contact.email) == ("Ann", "+31205550100", "ann@shop.example")
    (ident,) = await _identities(webchat)
    assert (ident.kind, ident.external_id, ident.id_type) == ("webchat", "user-42", "user_id")
    assert len(await webchat.conversations()) == 1
    await laptop.http.aclose()
    await phone.http.aclose()


async def _two(w):
    return len(await w.history()) == 2


async def test_a_wrong_or_missing_hash_stays_an_anonymous_visitor(webchat):
    await Widget(webchat).start(user_id="user-42", user_hash=tokens.user_hash(SECRET, "user-42"), name="Ann")
    liar = Widget(webchat)
    wrong = await liar.start(user_id="user-42", user_hash=tokens.user_hash("guess", "user-42"), name="Ann")
    assert wrong.json()["verified"] is False
    missing = Widget(webchat)
    assert (await missing.start(user_id="user-42", name="Ann")).json()["verified"] is False
    await liar.say("I am Ann, honest")
    await settle(lambda: liar.history())
    assert await missing.history() == []
    idents = await _identities(webchat)
    assert sorted(i.external_id.startswith("v_") for i in idents) == [False, True]
    assert len({i.contact_id for i in idents}) == 2  # the claim did not join Ann's contact
    await liar.http.aclose()
    await missing.http.aclose()


def test_verified_details_are_normalised_or_dropped():
    from chatdesk.widget import details
    assert details.phone("+31 20 555 0100") == "+31205550100"
    assert details.phone("0205550100") is None  # no country: not guessed
    assert details.phone("+1 555") is None
    assert details.email("Ann@Shop.example") == "ann@shop.example"
    assert details.email("<script>@x.y") is None


def test_tokens_are_signed_by_the_widget_secret():
    v = tokens.Visitor("v_abc", False)
    token = tokens.issue(SECRET, v)
    assert tokens.read(SECRET, token) == v
    assert tokens.read("other", token) is None
    _kind, name, sig = token.split(".")
    assert tokens.read(SECRET, f"u.{name}.{sig}") is None  # an anonymous token cannot claim to be verified
    assert tokens.read(SECRET, "garbage") is None


async def test_a_whatsapp_customer_then_a_verified_web_chat_session_is_one_contact_on_one_timeline(stack):
    """Issue 11's done-when: the site vouches for the phone the customer wrote from on WhatsApp,
    so the widget's identity joins that contact; both conversations are on its timeline."""
    from tests.conversations.test_outbound import CUSTOMER, open_conversation

    from .conftest import add_webchat

    await add_webchat(stack)
    whatsapp = await open_conversation(stack)
    contact_id = whatsapp["contact"]["id"]
    visitor = Widget(stack)
    hashed = tokens.user_hash(SECRET, "shop-user-7")
    started = await visitor.start(user_id="shop-user-7", user_hash=hashed, name="Sanne", phone=f"+{CUSTOMER}")
    assert started.json()["verified"] is True
    await visitor.say("Same question on the website")
    await settle(lambda: visitor.history())

    async def both():
        convs = [c for c in await stack.conversations() if c["contact"]["id"] == contact_id]
        return convs if len(convs) == 2 else None
    assert await settle(both)
    detail = (await stack.api.get(f"/api/v1/contacts/{contact_id}")).json()
    assert {i["channel"] for i in detail["identities"]} == {"webchat", "whatsapp"}  # (WhatsApp: number + user id)
    timeline = (await stack.api.get(f"/api/v1/contacts/{contact_id}/timeline")).json()["items"]
    assert len([i for i in timeline if i["type"] == "conversation"]) == 2
    await visitor.http.aclose()


async def test_a_pre_chat_email_suggests_a_merge_and_never_joins(webchat):
    """An anonymous visitor typing a known customer's name and email in the pre-chat form is
    offered to agents as a likely match; they stay a contact of their own until someone merges."""
    known = Widget(webchat)
    await known.start(user_id="user-9", user_hash=tokens.user_hash(SECRET, "user-9"), name="Ann",
                      email="ann@shop.example")
    await known.say("hello, signed in")
    await settle(lambda: known.history())
    stranger = Widget(webchat)
    await stranger.start()
    await stranger.say("hi, it is Ann", name="Ann", email="Ann@Shop.example")

    async def two_contacts():
        contacts = await _contacts(webchat)
        return contacts if len(contacts) == 2 else None
    first, second = sorted(await settle(two_contacts), key=lambda c: c.id)
    offered = (await webchat.api.get(f"/api/v1/contacts/{second.id}/suggestions")).json()
    assert [(s["contact_id"], s["reason"]) for s in offered] == [(first.id, "name_email")]
    await known.http.aclose()
    await stranger.http.aclose()
