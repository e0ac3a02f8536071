"""``GET /api/v1/costs``: a day of sandbox traffic (a reply, a utility and a marketing template)
priced from the status webhooks' pricing and the shipped rate card, grouped five ways."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chatdesk.channels.content import Template, TemplateComponent
from chatdesk.conversations import sending, service
from tests.conftest import settle
from tests.conversations.test_outbound import open_conversation, reply
from tests.fakes.clock import FakeClock

DAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # after 2026-10-01: service replies are charged too
# the fixtures' customer is Dutch (+31): the card's NL rates
NL = {"service": Decimal("0.05"), "utility": Decimal("0.05"), "marketing": Decimal("0.1597")}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(DAY)


def winter_sale() -> Template:
    return Template(name="winter_sale", language="en_US",
                    components=[TemplateComponent(type="body", parameters=[{"type": "text", "text": "20%"}])])


async def day_of_traffic(stack) -> dict:
    """A customer writes; we reply, then send a utility and a marketing template; all priced."""
    conv = await open_conversation(stack)
    assert (await reply(stack, conv["id"], type="text", text="Onderweg!")).status_code == 202
    async with stack.rt.db.session() as s:
        c = await service.get_conversation(s, stack.workspace_id, conv["id"])
        await sending.send(s, stack.rt, c, sending.Draft(type="template", content=Template(
            name="hello_world", language="en_US")))
        await sending.send(s, stack.rt, c, sending.Draft(type="template", content=winter_sale()))

    async def priced():
        out = [m for m in await stack.messages(conv["id"]) if m["direction"] == "out"]
        return out if len(out) == 3 and all(m["cost"] and m["cost"]["billable"] is not None for m in out) else None
    await settle(priced)
    return conv


async def costs(stack, **params) -> dict:
    resp = await stack.api.get("/api/v1/costs", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_a_day_of_traffic_priced_by_the_rate_card(stack):
    await day_of_traffic(stack)
    body = await costs(stack, **{"from": "2026-11-16", "to": "2026-11-16", "group_by": "category"})
    total = sum(NL.values())
    assert body["currency"] == "USD"
    assert body["totals"] | {} == {"key": "total", "messages": 3, "billable": 3, "free": 0, "unpriced": 0,
                                   "conversations": 1, "amount": str(total), "per_conversation": str(total)}
    assert {r["key"]: Decimal(r["amount"]) for r in body["rows"]} == NL
    assert body["rows"][0]["key"] == "marketing"  # the largest spend first

    by_day = await costs(stack, **{"from": "2026-11-15", "to": "2026-11-17"})
    assert [(r["key"], Decimal(r["amount"])) for r in by_day["rows"]] == [
        ("2026-11-15", 0), ("2026-11-16", total), ("2026-11-17", 0)]
    for by, key in (("country", "NL"), ("channel", "15550001111"), ("team", "no team")):
        grouped = await costs(stack, group_by=by)  # default period: this month to today
        assert [(r["key"], Decimal(r["amount"])) for r in grouped["rows"]] == [(key, total)]


async def test_the_csv_export_lists_every_priced_message(stack):
    await day_of_traffic(stack)
    resp = await stack.api.get("/api/v1/costs/export.csv")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    lines = resp.text.splitlines()
    assert lines[0] == "message_id,conversation_id,day,category,channel,country,team,billable,price"
    assert sorted(line.split(",")[3] for line in lines[1:]) == ["marketing", "service", "utility"]
    assert sum(Decimal(line.split(",")[-1]) for line in lines[1:]) == sum(NL.values())


@pytest.mark.parametrize("params", [
    {"group_by": "week"}, {"from": "yesterday"}, {"from": "2026-11-20", "to": "2026-11-01"},
    {"from": "2024-01-01", "to": "2026-11-01"},
])
async def test_bad_parameters_are_refused(bare, params):
    resp = await bare.api.get("/api/v1/costs", params=params)
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_request"
