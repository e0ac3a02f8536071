"""REST API v1: listing, paging, media, and tenancy (another workspace's ids are 404)."""
from __future__ import annotations

from chatdesk.accounts import service as accounts
from tests.conftest import settle
from tests.conversations.test_outbound import open_conversation


async def other_workspace_token(stack) -> str:
    async with stack.rt.db.session() as s:
        ws = await accounts.create_workspace(s, "Someone Else", now=stack.clock.now())
        return await accounts.create_token(s, ws, now=stack.clock.now())


async def test_another_workspace_sees_nothing(stack):
    conv = await open_conversation(stack)
    msg = (await stack.messages(conv["id"]))[0]
    token = await other_workspace_token(stack)
    h = {"Authorization": f"Bearer {token}"}
    assert (await stack.api.get("/api/v1/conversations", headers=h)).json()["items"] == []
    for path in (f"/api/v1/conversations/{conv['id']}", f"/api/v1/conversations/{conv['id']}/messages",
                 f"/api/v1/contacts/{conv['contact']['id']}", f"/api/v1/messages/{msg['id']}/media"):
        resp = await stack.api.get(path, headers=h)
        assert resp.status_code == 404, path
        assert resp.json()["code"] == "not_found"
    resp = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages", headers=h,
                                json={"type": "text", "text": "hijack"})
    assert resp.status_code == 404
    assert (await stack.api.get("/api/v1/contacts", headers=h)).json()["items"] == []


async def test_missing_or_bad_token_is_401_problem(stack):
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer nope"}):
        resp = await stack.api.get("/api/v1/conversations", headers=headers)
        assert resp.status_code == 401
        assert resp.headers["content-type"] == "application/problem+json"


async def test_conversations_are_newest_first_filtered_and_paged(stack):
    for n in range(3):
        await open_conversation(stack, f"3161200000{n}", text=f"hello {n}")
        stack.clock.advance(seconds=1)
    convs = await stack.conversations()
    assert [c["contact"]["phone"] for c in convs] == ["+31612000002", "+31612000001", "+31612000000"]
    page2 = (await stack.api.get("/api/v1/conversations", params={"per_page": 2, "page": 2})).json()
    assert [c["contact"]["phone"] for c in page2["items"]] == ["+31612000000"] and page2["total"] == 3
    await stack.api.patch(f"/api/v1/conversations/{convs[0]['id']}", json={"status": "resolved"})
    assert len(await stack.conversations(status="open")) == 2
    assert len(await stack.conversations(status="resolved")) == 1
    assert len(await stack.conversations(channel="whatsapp")) == 3
    assert (await stack.api.get("/api/v1/conversations", params={"page": 0})).status_code == 422


async def test_unknown_filter_values_are_422_problems_not_empty_lists(stack):
    await open_conversation(stack, "31612000001")
    for params in ({"status": "archived"}, {"channel": "telegram"}):
        resp = await stack.api.get("/api/v1/conversations", params=params)
        assert resp.status_code == 422, params
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.json()["code"] == "invalid_request"
    channel_id = (await stack.conversations())[0]["channel"]["id"]
    assert len(await stack.conversations(channel=str(channel_id))) == 1
    assert len(await stack.conversations(status="snoozed")) == 0


async def test_empty_query_values_mean_no_filter(stack):
    """``?status=&channel=&page=`` (a form or a URL template left blank) is the unfiltered list."""
    conv = await open_conversation(stack, "31612000001")
    resp = await stack.api.get("/api/v1/conversations?status=&channel=&page=&per_page=")
    assert resp.status_code == 200, resp.text
    assert [c["id"] for c in resp.json()["items"]] == [conv["id"]] and resp.json()["page"] == 1
    messages = await stack.api.get(f"/api/v1/conversations/{conv['id']}/messages?page=&per_page=")
    assert messages.status_code == 200 and messages.json()["per_page"] == 50
    contacts = await stack.api.get("/api/v1/contacts?q=&page=")
    assert contacts.status_code == 200 and len(contacts.json()["items"]) == 1
    schema = (await stack.api.get("/openapi.json")).json()   # the bounds are still published
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/conversations"]["get"]["parameters"]}
    assert (params["page"]["minimum"], params["per_page"]["maximum"]) == (1, 100)


async def test_messages_are_oldest_first(stack):
    conv = await open_conversation(stack, text="first")
    await stack.customer_says("31612000111", type="text", text="second")
    await settle(lambda: _count(stack, conv["id"], 2))
    assert [m["text"] for m in await stack.messages(conv["id"])] == ["first", "second"]


async def _count(stack, conv_id, n):
    return len(await stack.messages(conv_id)) >= n


async def test_inbound_media_is_fetched_and_served_to_the_workspace_only(stack):
    await stack.customer_says("31612000333", type="image", caption="Kapot aangekomen")
    conv = await settle(lambda: _find(stack, "+31612000333"))
    msg = await settle(lambda: _media_ready(stack, conv["id"]))
    assert msg["text"] == "Kapot aangekomen"
    resp = await stack.api.get(msg["media_url"])
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("image/")
    assert resp.content[:4] == b"\x89PNG"
    token = await other_workspace_token(stack)
    assert (await stack.api.get(msg["media_url"], headers={"Authorization": f"Bearer {token}"})).status_code == 404


async def _find(stack, phone):
    return next((c for c in await stack.conversations() if c["contact"]["phone"] == phone), None)


async def _media_ready(stack, conv_id):
    msgs = await stack.messages(conv_id)
    return msgs[0] if msgs and msgs[0]["media_url"] else None


async def test_contact_search_by_name_and_phone(stack):
    await open_conversation(stack, "31612000444")
    (contact,) = (await stack.api.get("/api/v1/contacts", params={"q": "612000444"})).json()["items"]
    assert contact["phone"] == "+31612000444"
    by_name = (await stack.api.get("/api/v1/contacts", params={"q": contact["name"][:3]})).json()["items"]
    assert contact["id"] in [c["id"] for c in by_name]
    assert (await stack.api.get("/api/v1/contacts", params={"q": "zzzz-nobody"})).json()["items"] == []


async def test_openapi_documents_the_api(stack):
    spec = (await stack.api.get("/openapi.json")).json()
    assert "/api/v1/conversations/{conversation_id}/messages" in spec["paths"]


async def test_inbound_media_over_the_cap_is_not_stored_and_says_why(settings, clock):
    from tests.conftest import Stack
    small = settings.model_copy(update={"media_max_bytes": 10})
    stack = await Stack(small, clock).start()
    try:
        await stack.customer_says("31612000555", type="image", caption="too big")
        conv = await settle(lambda: _find(stack, "+31612000555"))

        async def failed():
            msgs = await stack.messages(conv["id"])
            return msgs[0] if msgs and msgs[0]["content"].get("media_error") else None
        msg = await settle(failed)
        assert msg["media_url"] is None
        assert not any((small.media_dir).rglob("*.png"))
    finally:
        await stack.stop()


async def test_document_by_link_is_sent_with_its_filename(stack):
    from tests.conversations.test_outbound import _all_accepted, reply
    conv = await open_conversation(stack)
    resp = await reply(stack, conv["id"], type="document", link="https://shop.example/invoice-42.pdf",
                       filename="invoice-42.pdf", text="Your invoice")
    assert resp.status_code == 202
    await settle(lambda: _all_accepted(stack, conv["id"], 1))
    (sent,) = [s for s in await stack.sent_requests() if s["type"] == "document"]
    assert sent["request"]["document"] == {"link": "https://shop.example/invoice-42.pdf",
                                           "caption": "Your invoice", "filename": "invoice-42.pdf"}
    missing = await reply(stack, conv["id"], type="image")
    assert missing.status_code == 422 and missing.json()["code"] == "media_missing"
