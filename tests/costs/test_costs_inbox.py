"""Settings → Costs, the channel list's tier and quality, and the inbox's limit and budget
banners, as a signed-in owner sees them (server-rendered HTML)."""
from __future__ import annotations

import re

from chatdesk.channels.content import Template
from chatdesk.channels.models import Channel
from chatdesk.conversations import budgets, messaging_limits
from chatdesk.conversations.sending import Draft
from tests.costs.test_costs_api import clock, day_of_traffic  # noqa: F401  (clock is a fixture)
from tests.costs.test_limits_send import _customers, _send

WS = "/w/test-shop"


async def test_the_costs_page_shows_the_days_spend_from_the_rate_card(stack, owner):
    await day_of_traffic(stack)
    page = await owner.get(f"{WS}/settings/costs", params={"group_by": "category"})
    assert page.status_code == 200
    html = page.text
    assert re.search(r'id="total-spend">USD 0.2597<', html) and re.search(r'id="total-billable">3<', html)
    assert re.search(r'id="per-conversation">USD 0.2597<', html)
    amounts = dict(re.findall(r'<rect [^>]*data-key="(\w+)" data-amount="([\d.]+)"', html))
    assert amounts == {"marketing": "0.1597", "service": "0.05", "utility": "0.05"}
    export = await owner.get(re.search(r'id="costs-export" href="([^"]+)"', html).group(1).replace("&amp;", "&"))
    assert export.status_code == 200 and len(export.text.splitlines()) == 4
    dutch = await owner.get(f"{WS}/settings/costs", headers={"Accept-Language": "de"})
    assert "Kosten pro Unterhaltung" in dutch.text


async def test_a_bad_range_is_said_and_the_budget_is_set_from_the_page(stack, owner):
    bad = await owner.get(f"{WS}/settings/costs", params={"from": "2026-12-01", "to": "2026-11-01"})
    assert bad.status_code == 422 and "from is after to" in bad.text
    resp = await owner.post(f"{WS}/settings/costs/budget", {"amount": "120.50"})
    assert resp.status_code == 204
    assert "USD 0.00 of USD 120.50 spent this month." in (await owner.get(f"{WS}/settings/costs")).text


async def test_the_channel_list_shows_tier_and_quality(stack, owner):
    async with stack.rt.db.session() as s:
        messaging_limits.set_quality(s, await s.get_one(Channel, stack.channel_id), tier="TIER_2K", quality="YELLOW")
    html = (await owner.get(f"{WS}/settings/channels")).text
    assert re.search(r'class="tier">2,000 per 24 h<', html) and 'class="quality YELLOW">Medium<' in html


async def test_the_inbox_warns_at_80_percent_of_the_limit_and_of_the_budget(stack, owner):
    assert "cost-alert" not in (await owner.get(f"{WS}/")).text
    async with stack.rt.db.session() as s:
        messaging_limits.set_quality(s, await s.get_one(Channel, stack.channel_id), tier="TIER_50")
    hello = Draft(type="template", content=Template(name="hello_world", language="en_US"))
    for conv in await _customers(stack, 40):  # the sandbox accepts them (a refused one would not count)
        await _send(stack, conv, hello)
    html = (await owner.get(f"{WS}/")).text
    assert 'data-alert="messaging-limit"' in html and "has started 40 of its 50 business-initiated" in html
    async with stack.rt.db.session() as s:
        await budgets.set_budget(s, stack.workspace_id, "0.01", stack.clock.now())
    await day_of_traffic(stack)
    async with stack.rt.db.session() as s:
        assert await budgets.check(s, stack.workspace_id, stack.clock.now()) == [80, 100]
    assert "has reached 100 % of the budget" in (await owner.get(f"{WS}/")).text


async def test_the_channel_page_card_shows_usage_and_sets_tier_and_quality(stack, owner):
    page = await owner.get(f"{WS}/settings/channels/{stack.channel_id}")
    assert f'hx-get="{WS}/settings/channels/{stack.channel_id}/limits"' in page.text
    card = await owner.get(f"{WS}/settings/channels/{stack.channel_id}/limits")
    assert "0 business-initiated conversations in the last 24 hours." in card.text
    card = await owner.post(f"{WS}/settings/channels/{stack.channel_id}/limits", {"tier": "TIER_250",
                                                                                   "quality": "GREEN"})
    assert card.status_code == 200 and "0 of 250 business-initiated" in card.text
    async with stack.rt.db.reader() as s:
        channel = await s.get_one(Channel, stack.channel_id)
        assert (channel.messaging_tier, channel.quality_rating) == ("TIER_250", "GREEN")
    bad = await owner.post(f"{WS}/settings/channels/{stack.channel_id}/limits", {"tier": "TIER_3K"})
    assert bad.status_code == 422 and "Unknown messaging limit tier" in bad.text
