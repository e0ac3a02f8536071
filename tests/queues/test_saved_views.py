"""Saved views: per agent or shared, with counts; the REST API manages the shared ones, and
another agent's own views stay invisible to everyone else."""
from __future__ import annotations

import re

from tests.inbox.conftest import Browser, add_member
from tests.queues.seed import seed_conversations

WS = "/w/test-shop"


async def test_rest_views_crud_with_counts(bare):
    await seed_conversations(bare, 4)
    resp = await bare.api.post("/api/v1/views", json={"name": "Unassigned, waiting", "filters": {
        "view": "unassigned", "sort": "waiting"}})
    assert resp.status_code == 201, resp.text
    view = resp.json()
    assert view["shared"] is True and view["count"] == 4 and view["filters"]["sort"] == "waiting"
    resp = await bare.api.patch(f"/api/v1/views/{view['id']}",
                                json={"name": "Resolved", "filters": {"status": "resolved"}})
    assert resp.json()["name"] == "Resolved" and resp.json()["count"] == 0
    assert [v["name"] for v in (await bare.api.get("/api/v1/views")).json()] == ["Resolved"]
    assert (await bare.api.delete(f"/api/v1/views/{view['id']}")).status_code == 204
    assert (await bare.api.get("/api/v1/views")).json() == []
    bad = await bare.api.post("/api/v1/views", json={"name": "x", "filters": {"label_id": "red"}})
    assert bad.status_code == 422


async def test_an_agent_saves_a_view_and_reopens_it(stack, owner):
    await seed_conversations(stack, 3)
    resp = await owner.post(f"{WS}/views", {"name": "Oldest first", "view": "all", "status": "open", "sort": "oldest"})
    assert resp.status_code == 204
    where = resp.headers["hx-redirect"]
    assert "sort=oldest" in where and "saved=" in where
    page = await owner.get(where)
    assert re.search(r'class="saved-view current"[^>]*>Oldest first <b class="count">3</b>', page.text)
    assert 'id="sort"' in page.text and '<option value="oldest" selected>' in page.text
    view_id = re.search(r"saved=(\d+)", where).group(1)
    resp = await owner.post(f"{WS}/views/{view_id}", {"name": "Longest wait", "sort": "waiting", "status": "open"})
    assert resp.status_code == 204 and "sort=waiting" in resp.headers["hx-redirect"]

    await add_member(stack, stack.workspace_id, "other@test.shop")
    other = Browser(stack)
    await other.login("other@test.shop")
    assert "Longest wait" not in (await other.get(f"{WS}/")).text  # an agent's own view is theirs alone
    assert (await other.post(f"{WS}/views/{view_id}/delete", {})).status_code == 404
    shared = await owner.post(f"{WS}/views", {"name": "Team queue", "shared": "1", "status": "open"})
    assert shared.status_code == 204
    assert "Team queue" in (await other.get(f"{WS}/")).text
    shared_id = re.search(r"saved=(\d+)", shared.headers["hx-redirect"]).group(1)
    refused = await other.post(f"{WS}/views/{shared_id}/delete", {})
    assert refused.status_code == 422 and refused.headers["hx-retarget"] == "#view-error"
    assert (await owner.post(f"{WS}/views/{view_id}/delete", {})).status_code == 204
    page = (await owner.get(f"{WS}/")).text
    assert "Longest wait" not in page and "Team queue" in page
    await other.aclose()
