"""Settings → Templates: every template with its status (the rejection's reason too), category
and language; "Sync now"; a create form whose broken rules are shown at their fields."""
from __future__ import annotations

import re

import pytest

from chatdesk.inbox.views_settings_templates import draft_of, field_errors
from tests.conftest import Stack
from tests.inbox.conftest import Browser, add_member
from tests.inbox.test_template_picker import seed_templates

WS = "/w/test-shop"


async def test_the_list_shows_status_category_and_language(stack: Stack, owner: Browser):
    await seed_templates(stack)
    page = await owner.get(f"{WS}/settings/templates")
    assert page.status_code == 200
    rows = dict(re.findall(r'<tr data-name="(\w+)" data-language="\w+">(.*?)</tr>', page.text, re.S))
    assert set(rows) == {"order_update", "welcome_named", "old_promo"}
    assert "Rejected" in rows["old_promo"] and "Reason: PROMOTIONAL" in rows["old_promo"]
    assert "Approved" in rows["welcome_named"] and "Utility" in rows["welcome_named"]
    assert 'id="sync-now"' in page.text
    nl = await owner.get(f"{WS}/settings/templates", headers={"Accept-Language": "nl"})
    assert "Afgewezen" in nl.text and "Nu synchroniseren" in nl.text


async def test_agents_cannot_open_it(stack: Stack):
    await add_member(stack, stack.workspace_id, "agent@test.shop", "agent")
    agent = Browser(stack)
    await agent.login("agent@test.shop")
    assert (await agent.get(f"{WS}/settings/templates")).status_code == 403
    await agent.aclose()


async def test_sync_now_answers_with_the_count(stack: Stack, owner: Browser):
    await owner.get(f"{WS}/settings/templates")
    synced = await owner.post(f"{WS}/settings/templates/sync", {})
    assert synced.status_code == 204 and "settings/templates?synced=" in synced.headers["HX-Redirect"]
    page = await owner.get(synced.headers["HX-Redirect"])
    assert "Synced:" in page.text


async def test_broken_rules_are_shown_at_their_fields_and_the_form_kept(stack: Stack, owner: Browser):
    await owner.get(f"{WS}/settings/templates")
    refused = await owner.post(f"{WS}/settings/templates", {
        "name": "Order Shipped", "language": "en_US", "category": "UTILITY", "body": "{{1}} has shipped",
        "footer": "x" * 70}, htmx=False, headers={"X-CSRF-Token": owner.csrf})
    assert refused.status_code == 422
    text = refused.text
    assert re.search(r'id="err-name">use lower-case', text)
    assert re.search(r'id="err-body">a variable may not start or end the body', text)
    assert 'id="err-examples"' in text and 'id="err-footer"' in text
    assert 'value="Order Shipped"' in text and "{{1}} has shipped</textarea>" in text


@pytest.mark.parametrize(("form", "where", "components"), [
    ({"body": "Hi"}, {0: "body"}, ["BODY"]),
    ({"header": "Order", "body": "Hi {{1}}", "examples": "Anna\n", "footer": "Bye", "buttons": "Yes\nNo"},
     {0: "header", 1: "body", 2: "footer", 3: "buttons"}, ["HEADER", "BODY", "FOOTER", "BUTTONS"]),
])
def test_the_form_becomes_metas_components(form, where, components):
    draft, found = draft_of({"name": "x", "language": "en", "category": "UTILITY", **form})
    assert found == where and [c["type"] for c in draft["components"]] == components
    assert field_errors([{"loc": ["components", 0, "text"], "msg": "bad"}, {"loc": ["other"], "msg": "?"}],
                        found) == {where[0]: "bad", "": "?"}
