"""The ``messages.content`` column: typed content is written and read back as it was, rows of
before typed content read (in the service, the REST API and the inbox), bad content is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select, update
from sqlalchemy.exc import StatementError

from chatdesk.channels import content as c
from chatdesk.conversations.models import Message
from chatdesk.core.db import Json
from tests.conftest import payload
from tests.conversations.test_outbound import open_conversation
from tests.inbox.conftest import PASSWORD, Browser, add_member

# the column as any SQL sees it: no validation on the way in, as rows written before typed content
RAW = Table("messages", MetaData(), Column("id", Integer, primary_key=True), Column("content", Json))

EVERY_KIND = [
    c.Text(body="hoi", preview_url=True, reply_to_provider_id="wamid.Q"),
    c.Media(type="image", provider_media_id="1003", mime_type="image/jpeg", stored="ab/cd.jpg", size=3,
            caption="kapot", referral=c.Referral(source_type="ad")),
    c.Media(type="document", link="https://shop.example/i.pdf", filename="i.pdf", media_error="too large"),
    c.Location(latitude=52.37, longitude=4.89, name="Store"),
    c.Contacts(contacts=[c.ContactCard(name=c.ContactName(formatted_name="Lucia"),
                                       emails=[c.ContactEmail(email="l@example.com")])]),
    c.Interactive(kind="list", body="Pick", button="Options",
                  sections=[c.Section(title="A", rows=[c.Choice(id="a1", title="One")])]),
    c.Interactive(kind="button_reply", reply=c.Choice(id="yes", title="Yes")),
    c.Button(payload="stop", text="Stop"),
    c.Reaction(message_id="wamid.R", emoji="👍"),
    c.Order(catalog_id="1", product_items=[c.OrderItem(product_retailer_id="p", quantity=1, item_price=30,
                                                       currency="USD")]),
    c.Template(name="order_update", language="nl", components=[c.TemplateComponent(
        type="body", parameters=[{"type": "text", "text": "4471"}])]),
    c.Note(),
    c.System(body="changed number", event="customer_changed_number"),
    c.Unsupported(original_type="hologram", raw={"type": "hologram", "x": None},
                  error=c.ContentError(code=131051)),
]


def type_of(content: c.Content) -> str:
    """The message type a message with this content has."""
    if isinstance(content, c.Interactive) and content.kind in c.REPLY_KINDS:
        return content.kind
    return "quick_reply" if isinstance(content, c.Button) else content.type


async def conversation(bare) -> tuple[int, int]:
    await bare.webhook(payload("wa_inbound_text.json"))
    await bare.drain()
    (conv,) = await bare.conversations()
    return conv["id"], (await bare.messages(conv["id"]))[0]["id"]


def message(bare, conv_id: int, type: str, content: c.Content | dict) -> Message:
    now = bare.clock.now()
    return Message(workspace_id=bare.workspace_id, conversation_id=conv_id, channel_id=bare.channel_id,
                   direction="out", author_type="api", type=type, text=None, content=content, status="queued",
                   created_at=now, updated_at=now)


async def test_every_kind_of_content_reads_back_as_written(bare):
    conv_id, _ = await conversation(bare)
    async with bare.rt.db.session() as session:
        rows = [message(bare, conv_id, type_of(content), content) for content in EVERY_KIND]
        session.add_all(rows)
        await session.flush()
        ids = [row.id for row in rows]
    async with bare.rt.db.reader() as session:
        read = {m.id: m.content for m in (await session.execute(select(Message).where(Message.id.in_(ids)))).scalars()}
        stored = dict((await session.execute(select(RAW.c.id, RAW.c.content).where(RAW.c.id.in_(ids)))).all())
    assert [read[i] for i in ids] == EVERY_KIND
    assert stored[ids[0]] == {"type": "text", "body": "hoi", "preview_url": True, "reply_to_provider_id": "wamid.Q"}
    assert stored[ids[-1]]["raw"] == {"type": "hologram", "x": None}  # what arrived is kept as it was


async def test_an_inbound_message_is_stored_in_the_typed_shape(bare):
    _, message_id = await conversation(bare)
    async with bare.rt.db.reader() as session:
        stored = (await session.execute(select(RAW.c.content).where(RAW.c.id == message_id))).scalar_one()
    assert stored == {"type": "text", "body": "Hi! Do you have the blue sneakers in size 42?"}


async def test_bad_content_is_refused_on_the_way_in(bare):
    conv_id, _ = await conversation(bare)
    for bad in ({"latitude": 52.0, "longitude": 4.0}, {"type": "location", "latitude": 520.0, "longitude": 4.0}):
        with pytest.raises(StatementError, match="validation error"):
            async with bare.rt.db.session() as session:
                session.add(message(bare, conv_id, "location", bad))
                await session.flush()
    async with bare.rt.db.session() as session:  # a dict that is content goes in
        session.add(row := message(bare, conv_id, "location", {"type": "location", "latitude": 52.0, "longitude": 4.0}))
        await session.flush()
    assert row.content == c.Location(latitude=52.0, longitude=4.0)


async def old_row(bare, conv_id: int, type: str, stored: dict, text: str | None = None) -> int:
    """A message as chatdesk stored it before content was typed."""
    async with bare.rt.db.session() as session:
        row = message(bare, conv_id, type, c.Note())
        row.direction, row.text, row.status = "in", text, "received"
        session.add(row)
        await session.flush()
        await session.execute(update(RAW).where(RAW.c.id == row.id).values(content=stored))
        return row.id


async def test_old_rows_read_in_the_service_and_the_api(bare):
    conv_id, _ = await conversation(bare)
    image = await old_row(bare, conv_id, "image", {"id": "1003", "mime_type": "image/png", "stored": "ab/cd.png",
                                                   "size": 12, "caption": "kapot"}, text="kapot")
    choice = await old_row(bare, conv_id, "list_reply", {"id": "express", "title": "Express"}, text="Express")
    async with bare.rt.db.reader() as session:
        assert (await session.get(Message, image)).content.media_to_fetch() is None  # fetched already
        assert (await session.get(Message, choice)).content.reply == c.Choice(id="express", title="Express")
    by_id = {m["id"]: m for m in await bare.messages(conv_id)}
    assert by_id[image]["content"] == {"type": "image", "provider_media_id": "1003", "mime_type": "image/png",
                                       "size": 12, "caption": "kapot"}  # the store's key stays inside
    assert by_id[image]["media_url"] == f"/api/v1/messages/{image}/media"
    assert by_id[choice]["type"] == "list_reply"
    assert by_id[choice]["content"] == {"type": "interactive", "kind": "list_reply",
                                        "reply": {"id": "express", "title": "Express"}}


async def test_old_rows_render_in_the_inbox(stack):
    conv = await open_conversation(stack)
    await old_row(stack, conv["id"], "quick_reply", {"payload": "stop", "text": "Stop promotions"})
    await old_row(stack, conv["id"], "document", {"id": "9", "filename": "invoice-4471.pdf", "size": 2048,
                                                  "mime_type": "application/pdf"})
    await old_row(stack, conv["id"], "location", {"latitude": 52.37, "longitude": 4.89, "name": "Damrak Store"})
    await old_row(stack, conv["id"], "system", {"body": "Alex changed their number", "type": "customer_changed_number"},
                  text="Alex changed their number")
    await add_member(stack, stack.workspace_id, "agent@test.shop", "agent")
    browser = Browser(stack)
    try:
        assert (await browser.login("agent@test.shop", PASSWORD)).status_code == 303
        page = (await browser.get(f"/w/test-shop/c/{conv['id']}")).text
    finally:
        await browser.aclose()
    assert "Stop promotions" in page and "invoice-4471.pdf" in page and "2.0 KB" in page
    assert "Damrak Store" in page and "52.37000, 4.89000" in page
    assert "Alex changed their number" in page
    assert "not supported" not in page


async def test_bad_content_in_a_request_is_a_problem(stack):
    conv = await open_conversation(stack)
    resp = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages",
                                json={"type": "location", "latitude": 52.1, "longitude": 181})
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["code"] == "invalid_message" and "longitude" in str(resp.json())
    ok = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages",
                              json={"type": "location", "latitude": 52.1, "longitude": 4.9, "name": "Store"})
    assert ok.status_code == 202
    assert ok.json()["content"] == {"type": "location", "latitude": 52.1, "longitude": 4.9, "name": "Store"}
