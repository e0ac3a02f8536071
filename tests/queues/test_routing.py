"""Routing: the round-robin policy and presence (table-driven, pure), then the job that assigns a
conversation arriving in a team, the first-replier rule and the settings that turn them on."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from chatdesk.accounts import presence
from chatdesk.accounts.presence import AWAY_AFTER, GONE_AFTER, effective
from chatdesk.conversations.routing import choose_assignee
from chatdesk.teams.models import Team
from tests.inbox.conftest import Browser, add_member
from tests.queues.seed import seed_conversations

WS = "/w/test-shop"


@pytest.mark.parametrize(("agents", "loads", "last", "cap", "expected"), [
    ([], {}, None, None, None),                      # nobody online: the conversation waits
    ([3, 1, 2], {}, None, None, 1),                  # first time: the first in id order
    ([1, 2, 3], {}, 1, None, 2),                     # next after the last one given one
    ([1, 2, 3], {}, 3, None, 1),                     # wraps round
    ([1, 3], {}, 2, None, 3),                        # the last one went offline: the next after them
    ([1, 2, 3], {2: 5}, 1, 5, 3),                    # 2 is at the cap: skipped
    ([1, 2, 3], {1: 2, 2: 2, 3: 2}, 1, 2, None),     # everyone full
    ([1, 2], {1: 99, 2: 99}, 1, None, 2),            # no cap: load does not matter
    ([7], {7: 0}, 7, 1, 7),                          # alone and under the cap: again
])
def test_choose_assignee(agents, loads, last, cap, expected):
    assert choose_assignee(agents, loads, last, cap) == expected


NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("chosen", "seen", "active", "expected"), [
    ("online", NOW, NOW, "online"),
    ("online", NOW, NOW - AWAY_AFTER - timedelta(seconds=1), "away"),      # idle
    ("online", NOW - GONE_AFTER - timedelta(seconds=1), NOW, "offline"),  # no live page
    ("online", None, None, "offline"),                                     # never opened the inbox
    ("away", NOW, NOW, "away"),
    ("offline", NOW, NOW, "offline"),
])
def test_effective_availability(chosen, seen, active, expected):
    assert effective(chosen, seen, active, NOW) == expected


async def _agent(stack, email: str) -> tuple[int, Browser]:
    uid = await add_member(stack, stack.workspace_id, email)
    browser = Browser(stack)
    assert (await browser.login(email)).status_code == 303
    await browser.get(f"{WS}/")
    return uid, browser


async def _team(stack, owner, members: list[int], cap: str = "") -> int:
    from chatdesk.teams import service as teams
    async with stack.rt.db.session() as session:
        team = await teams.create_team(session, stack.workspace_id, "Support", now=stack.clock.now())
        for uid in members:
            await teams.set_member(session, stack.workspace_id, team.id, uid, True)
    resp = await owner.post(f"{WS}/settings/teams/{team.id}/routing", {"auto_assign": "1", "cap": cap,
                                                                        "csrf_token": owner.csrf}, htmx=False)
    assert resp.status_code == 303, resp.text
    return team.id


async def _into_team(stack, ids: list[int], team: int) -> list[int | None]:
    for cid in ids:
        assert (await stack.api.patch(f"/api/v1/conversations/{cid}", json={"team_id": team})).status_code == 200
    await stack.drain()
    return [(await stack.api.get(f"/api/v1/conversations/{cid}")).json()["assignee_id"] for cid in ids]


async def test_round_robin_among_online_agents_with_a_cap(stack, owner):
    a, browser_a = await _agent(stack, "ann@test.shop")
    b, browser_b = await _agent(stack, "bob@test.shop")
    c, _ = await _agent(stack, "cat@test.shop")
    for browser in (browser_a, browser_b):
        assert (await browser.post(f"{WS}/heartbeat", {"active": "1"})).json()["availability"] == "online"
    away = await browser_c_away(stack, "cat@test.shop")
    assert away == "away"
    team = await _team(stack, owner, [a, b, c], cap="2")
    ids = await seed_conversations(stack, 5)
    assert await _into_team(stack, ids, team) == [a, b, a, b, None]  # cat is away; then both are full


async def browser_c_away(stack, email: str) -> str:
    browser = Browser(stack)
    await browser.login(email)
    await browser.get(f"{WS}/")
    return (await browser.post(f"{WS}/presence", {"availability": "away"})).json()["availability"]


async def test_an_agent_whose_page_went_quiet_is_not_given_conversations(stack, owner):
    a, browser_a = await _agent(stack, "ann@test.shop")
    b, browser_b = await _agent(stack, "bob@test.shop")
    for browser in (browser_a, browser_b):
        assert (await browser.post(f"{WS}/heartbeat", {"active": "1"})).json()["availability"] == "online"
    team = await _team(stack, owner, [a, b])
    stack.clock.advance(seconds=60)
    beat = await browser_a.post(f"{WS}/heartbeat", {"active": "1"})  # bob's page stopped beating
    assert beat.json()["availability"] == "online", beat.text
    stack.clock.advance(seconds=60)
    async with stack.rt.db.reader() as session:  # what routing will see
        assert await presence.online_agents(session, stack.workspace_id, [a, b], stack.clock.now()) == [a]
    ids = await seed_conversations(stack, 2)
    assert await _into_team(stack, ids, team) == [a, a]
    async with stack.rt.db.reader() as session:
        assert (await session.execute(select(Team.last_assigned_id).where(Team.id == team))).scalar_one() == a


async def test_the_first_replier_gets_an_unassigned_conversation(stack, owner):
    from tests.inbox.conftest import conversation_of
    cid = await conversation_of(stack, "31600000099", "Hello?", name="First Fiona")
    await owner.post(f"{WS}/c/{cid}/messages", {"text": "a note first", "mode": "note"})
    await owner.post(f"{WS}/c/{cid}/messages", {"text": "Hi!", "mode": "reply"})
    assert (await stack.api.get(f"/api/v1/conversations/{cid}")).json()["assignee_id"] is None  # off by default
    resp = await owner.post(f"{WS}/settings/workspace/routing", {"first_replier": "1", "csrf_token": owner.csrf},
                            htmx=False)
    assert resp.status_code == 303
    assert 'name="first_replier" value="1" checked' in (await owner.get(f"{WS}/settings/workspace")).text
    await owner.post(f"{WS}/c/{cid}/messages", {"text": "still a note", "mode": "note"})
    assert (await stack.api.get(f"/api/v1/conversations/{cid}")).json()["assignee_id"] is None  # notes do not count
    await owner.post(f"{WS}/c/{cid}/messages", {"text": "Here to help", "mode": "reply"})
    owner_id = (await stack.api.get(f"/api/v1/conversations/{cid}")).json()["assignee_id"]
    assert owner_id is not None


async def test_the_team_page_shows_and_checks_routing(stack, owner):
    team = await _team(stack, owner, [])
    page = (await owner.get(f"{WS}/settings/teams")).text
    assert f'id="routing-{team}"' in page and 'name="auto_assign" value="1" checked' in page
    resp = await owner.post(f"{WS}/settings/teams/{team}/routing", {"auto_assign": "1", "cap": "0",
                                                                     "csrf_token": owner.csrf}, htmx=False)
    assert resp.status_code == 422
