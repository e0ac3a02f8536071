"""The inbox over HTTP: sign-in, CSRF, throttling, tenancy, the conversation loop and actions."""
from __future__ import annotations

from datetime import timedelta

from chatdesk.conversations.models import Conversation
from tests.conftest import settle
from tests.inbox.conftest import (
    PASSWORD,
    Browser,
    add_member,
    conversation_of,
    other_workspace,
)

WS = "/w/test-shop"


async def test_pages_need_a_session(stack):
    browser = Browser(stack)
    resp = await browser.get(f"{WS}/")
    assert resp.status_code == 303 and resp.headers["location"].startswith("/login?next=")
    assert (await browser.get("/")).headers["location"] == "/login"


async def test_sign_in_sets_a_hardened_session_cookie(stack):
    await add_member(stack, stack.workspace_id, "a@test.shop")
    browser = Browser(stack)
    resp = await browser.login("a@test.shop")
    assert resp.status_code == 303
    cookie = next(v for k, v in resp.headers.multi_items() if k == "set-cookie" and "cd_session" in v)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # http here
    assert (await browser.get(f"{WS}/")).status_code == 200
    await browser.post("/logout", {"csrf_token": browser.csrf}, htmx=False)
    browser.client.cookies.delete("cd_session")
    assert (await browser.get(f"{WS}/")).status_code == 303


async def test_wrong_password_and_throttling(stack):
    await add_member(stack, stack.workspace_id, "b@test.shop")
    browser = Browser(stack)
    for _ in range(5):
        assert (await browser.login("b@test.shop", "nope")).status_code == 401
    resp = await browser.login("b@test.shop", PASSWORD)  # right password, but cooling down
    assert resp.status_code == 429 and "Too many attempts" in resp.text
    other = await browser.login("someone-else@test.shop", "nope")  # other emails are not locked out
    assert other.status_code == 401


async def test_state_changes_need_the_csrf_token(stack, owner):
    cid = await conversation_of(stack, "31600000001", "Hi", name="Csrf Customer")
    bad = await owner.client.post(f"{WS}/c/{cid}/messages", data={"text": "x", "mode": "note"},
                                  headers={"HX-Request": "true"})
    assert bad.status_code == 403
    forged = await owner.client.post(f"{WS}/c/{cid}/messages", data={"text": "x", "mode": "note"},
                                     headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    ok = await owner.post(f"{WS}/c/{cid}/messages", {"text": "fine", "mode": "note"})
    assert ok.status_code == 200
    assert (await owner.client.post("/logout")).status_code == 403


async def test_other_workspace_ids_answer_404(stack, owner):
    cid = await conversation_of(stack, "31600000002", "secret order", name="Secret Customer")
    messages = await stack.messages(cid)
    other_id = await other_workspace(stack)
    await add_member(stack, other_id, "intruder@other.shop", "owner")
    intruder = Browser(stack)
    await intruder.login("intruder@other.shop")
    await intruder.get("/w/other-shop/")
    for url in (f"{WS}/", f"{WS}/c/{cid}", f"/w/other-shop/c/{cid}", f"/w/other-shop/c/{cid}/messages",
                f"/w/other-shop/media/{messages[0]['id']}", f"/w/other-shop/c/{cid}/m/{messages[0]['id']}"):
        resp = await intruder.get(url)
        assert resp.status_code == 404, url
        assert "Secret Customer" not in resp.text and "secret order" not in resp.text
    for path, data in ((f"/w/other-shop/c/{cid}/messages", {"text": "hi", "mode": "note"}),
                       (f"/w/other-shop/c/{cid}/status", {"status": "resolved"}),
                       (f"/w/other-shop/c/{cid}/typing", {})):
        assert (await intruder.post(path, data)).status_code == 404, path
    assert "Secret Customer" not in (await intruder.get("/w/other-shop/?q=Secret")).text


async def test_reply_reaches_customer_and_note_does_not(stack, owner):
    cid = await conversation_of(stack, "31600000003", "Where is my parcel?", name="Parcel Person")
    page = await owner.get(f"{WS}/c/{cid}")
    assert "Where is my parcel?" in page.text and "Parcel Person" in page.text
    note = await owner.post(f"{WS}/c/{cid}/messages", {"text": "VIP, be nice", "mode": "note"})
    assert "msg note" in note.text
    reply = await owner.post(f"{WS}/c/{cid}/messages", {"text": "On its way!\r\nTomorrow", "mode": "reply"})
    assert reply.status_code == 200 and "On its way!<br>Tomorrow" in reply.text
    await settle(lambda: _received(stack, "31600000003", "On its way!"))
    sent = [r["request"]["text"]["body"] for r in await stack.inbox_of("31600000003") if r["request"].get("text")]
    assert sent == ["On its way!\nTomorrow"]   # a browser's CRLF line break reaches the customer as \n
    first = int(reply.text.split('data-id="')[1].split('"')[0])
    await stack.customer_says("31600000003", type="text", text="Thanks")
    await settle(lambda: _count_messages(stack, cid, 4))
    again = await owner.get(f"{WS}/c/{cid}/m/{first}")   # re-rendered after a newer message arrived
    assert again.status_code == 200 and "On its way!" in again.text
    await stack.drain()
    assert not await _received(stack, "31600000003", "VIP, be nice")


async def _received(stack, wa_id: str, text: str) -> bool:
    return any(text in str(r["request"]) for r in await stack.inbox_of(wa_id))


async def test_refusal_is_explained_in_place(stack, owner):
    cid = await conversation_of(stack, "31600000004", "Hello", name="Late Customer")
    stack.clock.advance(hours=25)
    resp = await owner.post(f"{WS}/c/{cid}/messages", {"text": "Sorry for the wait", "mode": "reply"})
    assert resp.status_code == 422 and 'data-code="window_closed"' in resp.text
    assert "reply window is closed: the customer last wrote more than 24 hours ago" in \
        (await owner.get(f"{WS}/c/{cid}")).text


async def test_hostile_text_is_escaped(stack, owner):
    xss = "<img src=x onerror=alert(1)>"
    cid = await conversation_of(stack, "31600000005", xss, name=xss)
    for url in (f"{WS}/", f"{WS}/c/{cid}"):
        html = (await owner.get(url)).text
        assert xss not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


async def test_actions_assign_label_priority_snooze_resolve_reopen(stack, owner):
    from chatdesk.conversations import labels

    cid = await conversation_of(stack, "31600000006", "Hi", name="Action Customer")
    async with stack.rt.db.session() as session:
        label = await labels.create_label(session, stack.workspace_id, "Refund", "red", now=stack.clock.now())
    assert "selected>Olivia Owner (me)" in (await owner.post(f"{WS}/c/{cid}/assign", {"assignee": "me"})).text
    assert (await owner.post(f"{WS}/c/{cid}/labels", {"label": str(label.id)})).status_code == 200
    assert (await owner.post(f"{WS}/c/{cid}/priority", {"priority": "urgent"})).status_code == 200
    async with stack.rt.db.reader() as session:
        conv = await session.get(Conversation, cid)
        assert conv.assignee_id is not None and conv.priority == "urgent"
    mine = await owner.get(f"{WS}/?view=mine")
    assert "Action Customer" in mine.text and "Refund" in mine.text
    assert "Action Customer" in (await owner.get(f"{WS}/?label={label.id}")).text
    resp = await owner.post(f"{WS}/c/{cid}/status", {"status": "snoozed", "until": "2000-01-01T10:00"})
    assert resp.status_code == 422  # in the past
    until = (stack.clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert (await owner.post(f"{WS}/c/{cid}/status", {"status": "snoozed", "until": until})).status_code == 200
    assert "Action Customer" in (await owner.get(f"{WS}/?status=snoozed")).text
    assert "Resolved" in (await owner.post(f"{WS}/c/{cid}/status", {"status": "resolved"})).text
    assert "Action Customer" not in (await owner.get(f"{WS}/")).text
    assert "Resolve" in (await owner.post(f"{WS}/c/{cid}/status", {"status": "open"})).text


async def test_search_by_name_phone_and_text(stack, owner):
    await conversation_of(stack, "31600000007", "my blue bicycle", name="Search Person")
    for q in ("search per", "600000007", "BLUE bicycle"):
        assert "Search Person" in (await owner.get(f"{WS}/", params={"q": q})).text, q
    assert "Search Person" not in (await owner.get(f"{WS}/", params={"q": "nothing like it"})).text


async def test_search_folds_accented_capitals_too(stack, owner):
    """SQLite folds ASCII letters only; "ömer" must still find "Ömer" (and PostgreSQL too)."""
    await conversation_of(stack, "31600000011", "Hallo", name="Ömer Yılmaz")
    await conversation_of(stack, "31600000012", "Ich möchte die ÜBERWEISUNG prüfen", name="Bernd Müller")
    for q, who in (("ömer", "Ömer Yılmaz"), ("ÖMER", "Ömer Yılmaz"), ("überweisung", "Bernd Müller"),
                   ("Überweisung", "Bernd Müller"), ("MÜLLER", "Bernd Müller"), ("möchte", "Bernd Müller")):
        assert who in (await owner.get(f"{WS}/", params={"q": q})).text, q
    assert "Bernd Müller" not in (await owner.get(f"{WS}/", params={"q": "überweisungen"})).text


async def test_search_finds_names_without_their_accents(stack, owner):
    await conversation_of(stack, "31600000013", "Guten Tag", name="Jürgen Müller-Šťastný")
    await conversation_of(stack, "31600000014", "Bonjour", name="Zoë Lefèvre")
    for q, who in (("muller", "Jürgen Müller-Šťastný"), ("JURGEN", "Jürgen Müller-Šťastný"),
                   ("stastny", "Jürgen Müller-Šťastný"), ("zoe lefevre", "Zoë Lefèvre"), ("lefèvre", "Zoë Lefèvre")):
        assert who in (await owner.get(f"{WS}/", params={"q": q})).text, q
    assert "Zoë Lefèvre" not in (await owner.get(f"{WS}/", params={"q": "lefebvre"})).text


async def test_search_finds_message_text_without_its_accents(stack, owner):
    await conversation_of(stack, "31600000015", "Merhaba, siparişim nerede? Grüße aus der Hauptstraße",
                          name="Ayşe Text")
    await conversation_of(stack, "31600000016", "¿Dónde está mi pedido?", name="Lucía Text")
    for q, who in (("siparisim", "Ayşe Text"), ("SIPARIŞ", "Ayşe Text"), ("grusse", "Ayşe Text"),
                   ("hauptstrasse", "Ayşe Text"), ("donde esta", "Lucía Text"), ("DÓNDE", "Lucía Text")):
        assert who in (await owner.get(f"{WS}/", params={"q": q})).text, q
    assert "Lucía Text" not in (await owner.get(f"{WS}/", params={"q": "donde estan"})).text


async def test_search_finds_text_in_any_message_notes_included(stack, owner):
    cid = await conversation_of(stack, "31600000008", "hallo", name="Later Writer")
    await stack.customer_says("31600000008", type="text", text="het pakketnummer is ZX-4471")
    await settle(lambda: _count_messages(stack, cid, 2))
    resp = await stack.api.post(f"/api/v1/conversations/{cid}/messages", json={"type": "note", "text": "refund via iDEAL"})
    assert resp.status_code == 202, resp.text
    for q in ("pakketnum", "zx-4471", "ZX", "ideal"):  # any part, any case, short queries too
        assert "Later Writer" in (await owner.get(f"{WS}/", params={"q": q})).text, q
    assert "Later Writer" not in (await owner.get(f"{WS}/", params={"q": "pakketnummer is ZY"})).text


async def _count_messages(stack, cid: int, n: int) -> bool:
    return len(await stack.messages(cid)) >= n


async def test_agents_cannot_open_settings(stack):
    await add_member(stack, stack.workspace_id, "agent@test.shop", "agent")
    agent = Browser(stack)
    await agent.login("agent@test.shop")
    assert (await agent.get(f"{WS}/settings/channels")).status_code == 403


async def test_dutch_and_german(stack, owner):
    await conversation_of(stack, "31600000008", "Hoi", name="Taal Klant")
    nl = await owner.get(f"{WS}/", headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"})
    assert "Niet toegewezen" in nl.text and 'lang="nl"' in nl.text
    await owner.post("/lang", {"lang": "de", "next": "/"})
    de = await owner.get(f"{WS}/", headers={"Accept-Language": "nl"})
    assert "Nicht zugewiesen" in de.text
