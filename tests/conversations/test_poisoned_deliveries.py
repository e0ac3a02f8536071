"""Issue 12, defect 5: deliveries and requests with values PostgreSQL cannot store (NUL in text,
NaN in JSON) are stored cleaned, on both databases, and one item that cannot be stored at all
never costs the other items of its delivery. Run on PostgreSQL too (CHATDESK_TEST_DB)."""
from __future__ import annotations

import copy
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy import text as text_sql

from chatdesk.channels.models import InboundEvent
from chatdesk.conversations import service
from chatdesk.core.jobs import Job
from tests.conftest import payload


def _message(name: str) -> dict[str, Any]:
    return json.loads(payload(name))["entry"][0]["changes"][0]["value"]["messages"][0]


def delivery(*messages: dict[str, Any], profile_name: str = "Alex Doe") -> bytes:
    """One webhook body with these messages of the conformance payloads' customer."""
    raw = json.loads(payload("wa_inbound_text.json"))
    value = raw["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["profile"]["name"] = profile_name
    value["messages"] = list(messages)
    return json.dumps(raw).encode()  # NaN goes out as the NaN literal, as a careless sender writes it


def text(wamid: str, body: str) -> dict[str, Any]:
    m = copy.deepcopy(_message("wa_inbound_text.json"))
    m.update(id=wamid, text={"body": body})
    return m


def nan_location(wamid: str) -> dict[str, Any]:
    m = copy.deepcopy(_message("wa_inbound_location.json"))
    m["id"] = wamid
    m["location"]["latitude"] = float("nan")
    return m


async def _events(bare) -> list[tuple[Any, Any]]:
    async with bare.rt.db.reader() as session:
        return [tuple(r) for r in (await session.execute(select(InboundEvent.processed_at, InboundEvent.error)))]


async def _jobs_left(bare) -> list[Any]:
    async with bare.rt.db.reader() as session:
        return list((await session.execute(select(Job.kind, Job.last_error))).all())


async def test_nul_and_nan_in_a_delivery_are_stored_cleaned_with_their_neighbours(bare):
    body = delivery(text("wamid.P1", "before"), text("wamid.P2", "a\u0000b"), nan_location("wamid.P3"),
                    text("wamid.P4", "after"), profile_name="Al\u0000ex")
    assert (await bare.webhook(body)).status_code == 200
    await bare.drain()
    assert await _jobs_left(bare) == []  # the job finished: nothing left to retry
    (conv,) = await bare.conversations()
    assert conv["contact"]["name"] == "Alex"
    msgs = await bare.messages(conv["id"])
    assert [m["text"] for m in msgs if m["type"] == "text"] == ["before", "ab", "after"]
    (odd,) = [m for m in msgs if m["type"] != "text"]
    assert odd["content"]["raw"]["location"]["latitude"] is None  # NaN stored as null
    [(processed, _)] = await _events(bare)
    assert processed is not None


async def test_one_item_that_cannot_be_stored_costs_no_neighbour(bare, monkeypatch):
    """Whatever makes an item unstorable (here: a fault injected for one message), the other
    items of the same delivery are stored, and the delivery records which one was not."""
    real = service.record_inbound

    async def refuses_poison(session, items, *, now):
        if any(event.text == "poison" for _, event, _ in items):
            # a real database error (NOT NULL), which aborts a PostgreSQL transaction
            await session.execute(text_sql("INSERT INTO inbound_events (kind) VALUES ('x')"))
        return await real(session, items, now=now)

    monkeypatch.setattr(service, "record_inbound", refuses_poison)
    body = delivery(text("wamid.Q1", "first"), text("wamid.Q2", "poison"), text("wamid.Q3", "third"))
    assert (await bare.webhook(body)).status_code == 200
    await bare.drain()
    assert await _jobs_left(bare) == []
    (conv,) = await bare.conversations()
    assert [m["text"] for m in await bare.messages(conv["id"])] == ["first", "third"]
    [(processed, error)] = await _events(bare)
    assert processed is not None and "wamid.Q2" in error


async def test_nul_in_a_note_and_in_a_search_answer_normally(bare):
    await bare.webhook(delivery(text("wamid.R1", "hello")))
    await bare.drain()
    (conv,) = await bare.conversations()
    resp = await bare.api.post(f"/api/v1/conversations/{conv['id']}/messages",
                               json={"type": "note", "text": "in\u0000side"})
    assert resp.status_code == 202, resp.text
    assert [m["text"] for m in await bare.messages(conv["id"])] == ["hello", "inside"]
    for path in ("/api/v1/contacts?q=%00", "/api/v1/contacts?q=Al%00"):
        resp = await bare.api.get(path)
        assert resp.status_code == 200, resp.text
