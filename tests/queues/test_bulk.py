"""Bulk actions through the REST API: one transaction, other workspaces' ids ignored and
reported, a refusal changes nothing, every change pushed as live events."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from chatdesk.conversations.models import Conversation
from chatdesk.core.events import StoredEvent
from tests.inbox.conftest import add_member, other_workspace
from tests.queues.seed import seed_conversations


async def _status(stack, cid: int) -> dict:
    return (await stack.api.get(f"/api/v1/conversations/{cid}")).json()


async def _bulk(stack, **body):
    return await stack.api.post("/api/v1/conversations/bulk", json=body)


async def _field(stack, ids: list[int], name: str) -> list:
    return [(await _status(stack, c))[name] for c in ids]


async def test_bulk_resolve_ignores_and_reports_other_workspaces_ids(bare):
    mine = await seed_conversations(bare, 3)
    other_ws = await other_workspace(bare)
    async with bare.rt.db.session() as session:
        from chatdesk.channels import service as channels
        ch = await channels.add_channel(session, bare.rt.cipher, workspace_id=other_ws, kind="whatsapp",
                                        external_id="999000", display="+1 999", config={}, secrets={},
                                        now=bare.clock.now())
    theirs = await seed_conversations(bare, 2, workspace_id=other_ws, channel_id=ch.id, prefix="Theirs")
    resp = await bare.api.post("/api/v1/conversations/bulk",
                               json={"ids": [*mine[:2], *theirs, 10**9], "action": "resolve"})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"action": "resolve", "updated": mine[:2], "ignored": sorted([*theirs, 10**9])}
    assert await _field(bare, mine, "status") == ["resolved", "resolved", "open"]
    async with bare.rt.db.reader() as session:
        untouched = (await session.execute(select(func.count()).where(
            Conversation.id.in_(theirs), Conversation.status == "open"))).scalar_one()
        pushed = (await session.execute(select(func.count()).where(
            StoredEvent.type == "conversation.status_changed"))).scalar_one()
    assert untouched == 2 and pushed == 2


async def test_bulk_assign_label_snooze_and_pending(bare):
    ids = await seed_conversations(bare, 3)
    agent = await add_member(bare, bare.workspace_id, "bulk@test.shop")
    resp = await _bulk(bare, ids=ids, action="assign", assignee_id=agent)
    assert resp.status_code == 200 and await _field(bare, ids, "assignee_id") == [agent] * 3
    label_id = await _label(bare, "VIP")
    other = await _label(bare, "Refund")
    await bare.api.patch(f"/api/v1/conversations/{ids[0]}", json={"label_ids": [other]})
    resp = await _bulk(bare, ids=ids, action="label", label_ids=[label_id])
    assert resp.status_code == 200
    async with bare.rt.db.reader() as session:
        from chatdesk.conversations.labels import labels_of
        got = await labels_of(session, ids)
    assert sorted(lb.id for lb in got[ids[0]]) == sorted([label_id, other])  # added, the old one stays
    assert [lb.id for lb in got[ids[2]]] == [label_id]
    until = (bare.clock.now() + timedelta(hours=3)).isoformat()
    resp = await _bulk(bare, ids=ids[:2], action="snooze", snoozed_until=until)
    assert resp.status_code == 200 and (await _status(bare, ids[1]))["status"] == "snoozed"
    resp = await bare.api.post("/api/v1/conversations/bulk", json={"ids": ids[2:], "action": "pending"})
    assert resp.status_code == 200 and (await _status(bare, ids[2]))["status"] == "pending"


async def test_a_refusal_changes_none_of_them(bare):
    ids = await seed_conversations(bare, 3)
    resp = await bare.api.post("/api/v1/conversations/bulk",
                               json={"ids": ids, "action": "assign", "assignee_id": 424242})  # no such agent
    assert resp.status_code == 404
    assert await _field(bare, ids, "assignee_id") == [None] * 3
    resp = await bare.api.post("/api/v1/conversations/bulk", json={"ids": ids, "action": "snooze"})
    assert resp.status_code == 422 and await _field(bare, ids, "status") == ["open"] * 3
    for body in ({"ids": [], "action": "resolve"}, {"ids": ids, "action": "explode"},
                 {"ids": ids, "action": "label"}, {"ids": ids, "action": "assign"}):
        assert (await bare.api.post("/api/v1/conversations/bulk", json=body)).status_code == 422, body


async def _label(stack, name: str) -> int:
    from chatdesk.conversations import labels
    async with stack.rt.db.session() as session:
        return (await labels.create_label(session, stack.workspace_id, name, "blue", now=stack.clock.now())).id


async def test_the_inbox_bulk_bar_resolves_and_snoozes_the_selection(stack, owner):
    ids = await seed_conversations(stack, 4)
    page = await owner.get("/w/test-shop/")
    assert 'id="bulk-form"' in page.text and page.text.count('class="pick"') == 4
    resp = await owner.post("/w/test-shop/bulk", {"id": [str(i) for i in ids[:2]], "action": "resolve"})
    assert resp.status_code == 204 and resp.headers["hx-trigger"] == "bulk-done"
    resp = await owner.post("/w/test-shop/bulk", {"id": [str(ids[2])], "action": "snooze", "preset": "hour"})
    assert resp.status_code == 204
    assert await _field(stack, ids, "status") == ["resolved", "resolved", "snoozed", "open"]
    resp = await owner.post("/w/test-shop/bulk", {"id": [], "action": "resolve"})
    assert resp.status_code == 422 and resp.headers["hx-retarget"] == "#bulk-error"
