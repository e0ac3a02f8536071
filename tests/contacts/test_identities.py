"""Identities are per channel. WhatsApp ids are global (the phone number): a customer writing to
two numbers of a workspace is one contact with an identity on each. Page-scoped ids (Messenger,
Instagram) are not: the same id on another channel is someone else. A reply goes out with the
identity the contact has on the conversation's channel."""
from __future__ import annotations

import json

from sqlalchemy import select, update

from chatdesk.channels import service as channels
from chatdesk.channels.registry import ChannelRegistry
from chatdesk.contacts.identities import (
    IdentityChannel,
    Sender,
    identity_for,
    resolve_identities,
)
from chatdesk.contacts.models import ContactIdentity
from chatdesk.conversations.models import Conversation
from tests.conftest import ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN
from tests.conversations.test_ingest import text_webhook
from tests.fakes.channel import RecordingWhatsApp

SECOND = "109876543210988"


def to_number(raw: bytes, phone_number_id: str) -> bytes:
    body = json.loads(raw)
    body["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = phone_number_id
    return json.dumps(body).encode()


async def second_number(stack) -> int:
    async with stack.rt.db.session() as session:
        channel = await channels.add_channel(
            session, stack.rt.cipher, workspace_id=stack.workspace_id, kind="whatsapp", external_id=SECOND,
            display="15550001112", config={"waba_id": "1"}, now=stack.clock.now(),
            secrets={"access_token": ACCESS_TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN})
        return channel.id


async def identities(stack) -> list[tuple[int, int, str]]:
    async with stack.rt.db.reader() as session:
        rows = await session.execute(select(ContactIdentity.contact_id, ContactIdentity.channel_id,
                                            ContactIdentity.external_id).order_by(ContactIdentity.id))
        return [tuple(r) for r in rows]


async def test_a_customer_on_two_numbers_is_one_contact_with_two_identities(bare):
    other = await second_number(bare)
    ts = int(bare.clock.now().timestamp())
    await bare.webhook(text_webhook("31612000001", "Noor", "wamid.N1", ts, "hoi"))
    await bare.webhook(to_number(text_webhook("31612000001", "Noor", "wamid.N2", ts + 1, "ook hier"), SECOND))
    await bare.drain()
    convs = await bare.conversations()
    assert sorted(c["channel"]["id"] for c in convs) == sorted([bare.channel_id, other])
    assert len({c["contact"]["id"] for c in convs}) == 1
    contact_id = convs[0]["contact"]["id"]
    assert await identities(bare) == [(contact_id, bare.channel_id, "31612000001"), (contact_id, other, "31612000001")]
    shown = (await bare.api.get(f"/api/v1/contacts/{contact_id}")).json()["identities"]
    assert [(i["channel_id"], i["external_id"]) for i in shown] == [(bare.channel_id, "31612000001"),
                                                                    (other, "31612000001")]
    # a third message on either number adds nothing
    await bare.webhook(to_number(text_webhook("31612000001", "Noor", "wamid.N3", ts + 2, "nog één"), SECOND))
    await bare.drain()
    assert len(await identities(bare)) == 2


async def test_page_scoped_ids_on_another_channel_are_another_contact(bare):
    other = await second_number(bare)
    now = bare.clock.now()
    async with bare.rt.db.session() as session:
        first = await resolve_identities(session, channel=IdentityChannel(bare.channel_id, bare.workspace_id,
                                                                          "messenger", "channel"),
                                         senders=[Sender("7001", "Sam", None)], now=now)
        second = await resolve_identities(session, channel=IdentityChannel(other, bare.workspace_id,
                                                                           "messenger", "channel"),
                                          senders=[Sender("7001", "Someone else", None)], now=now)
        again = await resolve_identities(session, channel=IdentityChannel(other, bare.workspace_id,
                                                                          "messenger", "channel"),
                                         senders=[Sender("7001", "Someone else", None)], now=now)
        assert first["7001"].id != second["7001"].id
        assert again["7001"].id == second["7001"].id


async def test_a_reply_goes_to_the_identity_on_the_conversation_s_channel(bare):
    """A contact merged from two channels (as page-scoped kinds will be) has a different id on
    each: each conversation's replies use its own channel's."""
    fake = RecordingWhatsApp(bare.http, ["wamid.OUT1", "wamid.OUT2"])
    bare.rt.registry = ChannelRegistry([fake])
    other = await second_number(bare)
    ts = int(bare.clock.now().timestamp())
    await bare.webhook(text_webhook("31612000001", "Noor", "wamid.N1", ts, "hoi"))
    await bare.webhook(to_number(text_webhook("31612000002", "Noor (werk)", "wamid.N2", ts, "hoi"), SECOND))
    await bare.drain()
    by_channel = {c["channel"]["id"]: c for c in await bare.conversations()}
    keep, merged = by_channel[bare.channel_id]["contact"]["id"], by_channel[other]["contact"]["id"]
    async with bare.rt.db.session() as session:  # merge the second contact into the first
        await session.execute(update(ContactIdentity).where(ContactIdentity.contact_id == merged)
                              .values(contact_id=keep))
        await session.execute(update(Conversation).where(Conversation.contact_id == merged).values(contact_id=keep))
    async with bare.rt.db.reader() as session:
        assert (await identity_for(session, keep, other)).external_id == "31612000002"
        assert (await identity_for(session, keep, bare.channel_id)).external_id == "31612000001"
    for channel_id in (other, bare.channel_id):
        resp = await bare.api.post(f"/api/v1/conversations/{by_channel[channel_id]['id']}/messages",
                                   json={"type": "text", "text": "Dag!"})
        assert resp.status_code == 202, resp.text
        await bare.drain()
    assert [m.to for m in fake.sent] == ["31612000002", "31612000001"]
