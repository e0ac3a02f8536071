"""The template picker in a conversation: approved templates only, the customer's language first,
search, variables prefilled from the contact, a preview as the customer sees it, and a send
through the one send path that reaches the sandbox (also with the window closed)."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import update

from chatdesk.channels.templates import service as templates
from chatdesk.contacts.models import Contact
from tests.conftest import Stack, settle
from tests.inbox.conftest import Browser, conversation_of

WS = "/w/test-shop"
ORDER_UPDATE = {"en_US": "Hi {{1}}, your order {{2}} has been shipped and is on its way.",
                "nl": "Hoi {{1}}, je bestelling {{2}} is verzonden en onderweg."}


def _item(name: str, language: str, body: str, status: str = "APPROVED", **extra: Any) -> dict[str, Any]:
    components: list[dict[str, Any]] = [{"type": "BODY", "text": body}, *extra.pop("components", [])]
    return {"name": name, "language": language, "status": status, "category": "UTILITY",
            "id": f"{abs(hash((name, language))) % 10**15}", "components": components, **extra}


async def seed_templates(stack: Stack) -> dict[tuple[str, str], int]:
    """The channel's templates as a sync would store them; their ids by (name, language)."""
    items = [_item("order_update", lang, text) for lang, text in ORDER_UPDATE.items()]
    items += [_item("welcome_named", "en_US", "Hello {{first_name}}, welcome to {{company}}! Ask us anything.",
                    components=[{"type": "FOOTER", "text": "Reply STOP to opt out"}]),
              _item("old_promo", "en_US", "Sale on {{1}}!", status="REJECTED", rejected_reason="PROMOTIONAL")]
    async with stack.rt.db.reader() as session:
        ref = await stack.rt.channels.by_id(session, stack.channel_id)
    assert ref is not None
    async with stack.rt.db.session() as session:
        await templates.store(session, ref, items, stack.clock.now(), complete=False)
        rows = await templates.list_templates(session, stack.workspace_id)
        return {(r.name, r.language): r.id for r in rows}


async def _speaks(stack: Stack, cid: int, language: str) -> None:
    conv = next(c for c in await stack.conversations() if c["id"] == cid)
    async with stack.rt.db.session() as session:
        await session.execute(update(Contact).where(Contact.id == conv["contact"]["id"]).values(language=language))


def _listed(html: str) -> list[tuple[str, str]]:
    return re.findall(r'class="tp-item"[^>]*data-name="([^"]+)" data-language="([^"]+)"', html)


async def test_approved_templates_in_the_customers_language_first(stack: Stack, owner: Browser):
    ids = await seed_templates(stack)
    cid = await conversation_of(stack, "31600000201", "Waar is mijn pakket?", name="Anna de Vries")
    await _speaks(stack, cid, "nl")
    picker = (await owner.get(f"{WS}/c/{cid}/templates")).text
    assert _listed(picker) == [("order_update", "nl"), ("order_update", "en_US"), ("welcome_named", "en_US")]
    assert "old_promo" not in picker   # rejected: never offered
    found = (await owner.get(f"{WS}/c/{cid}/templates", params={"q": "WELCOME", "list_only": "true"})).text
    assert _listed(found) == [("welcome_named", "en_US")]
    none = (await owner.get(f"{WS}/c/{cid}/templates", params={"q": "zzz", "list_only": "true"})).text
    assert "No approved template matches" in none
    rejected = await owner.get(f"{WS}/c/{cid}/templates/{ids[('old_promo', 'en_US')]}")
    assert rejected.status_code == 404


async def test_variables_are_prefilled_and_the_preview_follows_the_form(stack: Stack, owner: Browser):
    ids = await seed_templates(stack)
    cid = await conversation_of(stack, "31600000202", "Hi", name="Anna de Vries")
    form = (await owner.get(f"{WS}/c/{cid}/templates/{ids[('welcome_named', 'en_US')]}")).text
    assert 'name="body.first_name" required value="Anna"' in form
    assert 'name="body.company" required value="Test Shop"' in form
    assert "Hello Anna, welcome to Test Shop! Ask us anything." in form   # the preview, prefilled
    assert "Reply STOP to opt out" in form
    preview = await owner.post(f"{WS}/c/{cid}/templates/{ids[('welcome_named', 'en_US')]}/preview",
                               {"body.first_name": "<b>Annie</b>", "body.company": "Shop"})
    assert "Hello &lt;b&gt;Annie&lt;/b&gt;, welcome to Shop! Ask us anything." in preview.text
    positional = (await owner.get(f"{WS}/c/{cid}/templates/{ids[('order_update', 'en_US')]}")).text
    assert 'name="body.1" required value=""' in positional and "Hi {{1}}, your order {{2}}" in positional


async def test_a_template_goes_out_through_the_send_path_even_with_the_window_closed(stack: Stack, owner: Browser):
    ids = await seed_templates(stack)
    cid = await conversation_of(stack, "31600000203", "Any news?", name="Late Lotte")
    stack.clock.advance(hours=25)
    refused = await owner.post(f"{WS}/c/{cid}/messages", {"text": "Hello?", "mode": "reply"})
    assert refused.status_code == 422
    tid = ids[("order_update", "en_US")]
    sent = await owner.post(f"{WS}/c/{cid}/templates/{tid}/send", {"body.1": "Lotte", "body.2": "A-1001"})
    assert sent.status_code == 200, sent.text
    assert "Hi Lotte, your order A-1001 has been shipped and is on its way." in sent.text

    async def delivered() -> list[dict[str, Any]]:
        return [r for r in await stack.inbox_of("31600000203") if r["type"] == "template"]
    received = (await settle(delivered))[0]
    assert received["template_text"] == "Hi Lotte, your order A-1001 has been shipped and is on its way."
    assert received["request"]["template"]["name"] == "order_update"


async def test_a_contact_gets_a_new_conversation_with_a_template(stack: Stack, owner: Browser):
    ids = await seed_templates(stack)
    cid = await conversation_of(stack, "31600000204", "Thanks, bye", name="Resolved Rob")
    contact_id = next(c for c in await stack.conversations() if c["id"] == cid)["contact"]["id"]
    assert (await stack.api.patch(f"/api/v1/conversations/{cid}", json={"status": "resolved"})).status_code == 200
    stack.clock.advance(days=3)
    page = (await owner.get(f"{WS}/c/{cid}")).text
    assert f'hx-get="{WS}/contacts/{contact_id}/templates"' in page   # the contact pane's button

    picker = (await owner.get(f"{WS}/contacts/{contact_id}/templates")).text
    base = f"{WS}/contacts/{contact_id}/channels/{stack.channel_id}/templates"
    assert "Start a conversation with an approved template" in picker and f'hx-get="{base}/' in picker
    tid = ids[("order_update", "en_US")]
    form = (await owner.get(f"{base}/{tid}")).text
    assert 'id="nc-form"' in form and f'hx-post="{base}/{tid}/send"' in form
    sent = await owner.post(f"{base}/{tid}/send", {"body.1": "Rob", "body.2": "B-2"})
    assert sent.status_code == 204, sent.text
    opened = sent.headers["HX-Redirect"]
    assert re.fullmatch(rf"{WS}/c/\d+", opened)

    async def delivered() -> list[dict[str, Any]]:
        return [r for r in await stack.inbox_of("31600000204") if r["type"] == "template"]
    assert (await settle(delivered))[0]["template_text"].startswith("Hi Rob, your order B-2 has been shipped")
    assert "Hi Rob, your order B-2" in (await owner.get(opened)).text


async def test_another_workspaces_contact_is_not_found(stack: Stack, owner: Browser):
    await seed_templates(stack)
    assert (await owner.get(f"{WS}/contacts/999999/templates")).status_code == 404
    assert (await owner.get(f"{WS}/contacts/999999/channels/{stack.channel_id}/templates")).status_code == 404
