"""Keyset paging of the conversation list, REST and inbox: every conversation once, in each sort
order, however many there are; the waiting-longest order and the "waiting" line."""
from __future__ import annotations

import re

import pytest

from chatdesk.conversations import paging
from chatdesk.core.errors import Problem
from tests.inbox.conftest import conversation_of
from tests.queues.seed import seed_conversations

WS = "/w/test-shop"


async def _all_pages(stack, **params) -> list[int]:
    seen, cursor = [], None
    for _ in range(20):
        resp = await stack.api.get("/api/v1/conversations", params={**params, **({"cursor": cursor} if cursor else {})})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("paging did not end")


async def test_rest_pages_through_every_conversation_in_each_sort(bare):
    ids = await seed_conversations(bare, 115, waiting_every=10)
    newest = await _all_pages(bare, per_page=25)
    assert newest == ids[::-1]
    assert await _all_pages(bare, per_page=40, sort="oldest") == ids
    waiting = await _all_pages(bare, per_page=7, sort="waiting")
    awaiting = ids[::10]  # seeded waiting since their own time: the oldest has waited longest
    assert waiting[:len(awaiting)] == awaiting and sorted(waiting) == ids
    first = (await bare.api.get("/api/v1/conversations", params={"per_page": 25})).json()
    assert first["total"] == 115 and first["items"][0]["awaiting_since"] is None


async def test_a_cursor_continues_only_its_own_sort(bare):
    await seed_conversations(bare, 3)
    cursor = (await bare.api.get("/api/v1/conversations", params={"per_page": 1})).json()["next_cursor"]
    for params in ({"sort": "oldest", "cursor": cursor}, {"cursor": "garbage!"}, {"sort": "sideways"}):
        resp = await bare.api.get("/api/v1/conversations", params=params)
        assert resp.status_code == 422 and resp.json()["code"] in ("invalid_cursor", "invalid_sort"), params


def test_cursors_round_trip_and_refuse_naive_times():
    from datetime import UTC, datetime
    c = paging.Cursor(paging.Sort.WAITING, None, 7)
    assert paging.decode(c.encode(), paging.Sort.WAITING) == c
    c = paging.Cursor(paging.Sort.NEWEST, datetime(2026, 1, 1, tzinfo=UTC), 9)
    assert paging.decode(c.encode(), paging.Sort.NEWEST) == c
    with pytest.raises(Problem):
        paging.decode(paging.Cursor(paging.Sort.NEWEST, datetime(2026, 1, 1), 9).encode(), paging.Sort.NEWEST)
    with pytest.raises(Problem):
        paging.decode(paging.Cursor(paging.Sort.NEWEST, None, 9).encode(), paging.Sort.NEWEST)


async def test_the_inbox_list_loads_the_next_page_from_its_sentinel(stack, owner):
    ids = await seed_conversations(stack, 115)
    first = await owner.get(f"{WS}/", params={"status": "all"})
    assert 'id="count-all">115<' in first.text
    shown = [int(i) for i in re.findall(r'id="ci-(\d+)"', first.text)]
    assert shown == ids[::-1][:50]
    pages = 1
    nxt = re.search(r'hx-get="([^"]+)"[^>]*hx-trigger="intersect once"', first.text)
    while nxt:
        url = nxt.group(1).replace("&amp;", "&")
        more = await owner.get(url + "&status=all", headers={"HX-Request": "true"})  # hx-include adds the filters
        assert "counts-update" not in more.text  # a page of rows only
        shown += [int(i) for i in re.findall(r'id="ci-(\d+)"', more.text)]
        nxt, pages = re.search(r'hx-get="([^"]+)"[^>]*hx-trigger="intersect once"', more.text), pages + 1
    assert shown == ids[::-1] and pages == 3


async def test_a_live_refresh_keeps_what_was_scrolled_to(stack, owner):
    await seed_conversations(stack, 80)
    resp = await owner.get(f"{WS}/", params={"status": "all", "shown": 70},
                           headers={"HX-Request": "true", "HX-Target": "conv-list"})
    assert len(re.findall(r'id="ci-\d+"', resp.text)) == 70
    blank = await owner.get(f"{WS}/", params={"status": "all", "shown": "", "sort": ""},  # as the form sends them
                            headers={"HX-Request": "true", "HX-Target": "conv-list"})
    assert blank.status_code == 200 and len(re.findall(r'id="ci-\d+"', blank.text)) == 50


async def test_waiting_since_shows_until_we_reply(stack, owner):
    cid = await conversation_of(stack, "31600000077", "Anyone there?", name="Waiting Wendy")
    stack.clock.advance(minutes=90)
    page = await owner.get(f"{WS}/", params={"sort": "waiting"})
    assert re.search(r'class="waiting"[^>]*>waiting 1 h<', page.text)
    resp = await stack.api.post(f"/api/v1/conversations/{cid}/messages", json={"type": "text", "text": "Here!"})
    assert resp.status_code == 202
    assert (await stack.api.get(f"/api/v1/conversations/{cid}")).json()["awaiting_since"] is None
    assert 'class="waiting"' not in (await owner.get(f"{WS}/")).text
