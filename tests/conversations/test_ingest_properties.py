"""Property-based tests of the inbound path on a database (issue 12): a delivery with any damaged
variant of a recorded message or receipt between two good messages is stored or
refused cleanly. The job never fails (nothing is left to retry), the delivery is marked
processed, and the good messages are always stored: one item never costs another.

Run on PostgreSQL too (CHATDESK_TEST_DB): it refuses what SQLite takes (NUL, NaN).
"""
from __future__ import annotations

import copy
import itertools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from chatdesk.channels.jobs import INBOUND_PROCESS
from chatdesk.channels.models import InboundEvent
from chatdesk.conversations.models import Message
from chatdesk.core.jobs import Job
from tests.channels.test_parser_properties import ANY_JSON, paths, replaced
from tests.conftest import payload

# each example runs a webhook and a job against the database: few, but each a whole delivery
EXAMPLES = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
MESSAGES = ["wa_inbound_text.json", "wa_inbound_image.json", "wa_inbound_location.json",
            "wa_inbound_contacts.json", "wa_inbound_order.json", "wa_inbound_reply_context.json",
            "wa_inbound_referral.json", "wa_inbound_list_reply.json", "wa_inbound_reaction.json"]
STATUSES = ["wa_status_sent.json", "wa_status_sent_v23.json", "wa_status_delivered.json", "wa_status_read.json",
            "wa_status_failed.json", "wa_status_delivered_bsuid.json"]
SERIAL = itertools.count()


def _value(name: str) -> dict[str, Any]:
    return json.loads(payload(name))["entry"][0]["changes"][0]["value"]


def _good(wamid: str) -> dict[str, Any]:
    m = copy.deepcopy(_value("wa_inbound_text.json")["messages"][0])
    m.update(id=wamid, text={"body": wamid})
    return m


@st.composite
def poisoned(draw: st.DrawFn) -> dict[str, Any]:
    """A recorded message and its sender's contact entry, or a recorded receipt, with one place
    replaced by any JSON."""
    name = draw(st.sampled_from(MESSAGES + STATUSES))
    value = _value(name)
    item = {"statuses": value["statuses"][0]} if name in STATUSES else \
        {"messages": value["messages"][0], "contacts": value["contacts"][0]}
    where = draw(st.sampled_from([p for p in paths(item) if p]))
    return replaced(item, where, draw(ANY_JSON))


def delivery(serial: int, item: dict[str, Any]) -> tuple[bytes, list[str]]:
    """The body (the damaged item between two good messages), and the good messages' ids."""
    raw = json.loads(payload("wa_inbound_text.json"))
    value = raw["entry"][0]["changes"][0]["value"]
    good = [f"wamid.good.{serial}.a", f"wamid.good.{serial}.b"]
    odd = item.get("messages", item.get("statuses"))
    if isinstance(odd, dict) and isinstance(odd.get("id"), str):
        odd = {**odd, "id": f"{odd['id']}.{serial}"}  # not a redelivery of an earlier example
    value["messages"] = [_good(good[0]), *([odd] if "messages" in item else []), _good(good[1])]
    value["contacts"] = [value["contacts"][0], *([item["contacts"]] if "contacts" in item else [])]
    if "statuses" in item:
        value["statuses"] = [odd]
    return json.dumps(raw).encode(), good


@EXAMPLES
@given(item=poisoned())
async def test_a_damaged_message_never_costs_its_neighbours(bare, item):
    serial = next(SERIAL)
    body, good = delivery(serial, item)
    assert (await bare.webhook(body)).status_code == 200
    await bare.drain()
    async with bare.rt.db.reader() as session:
        left = (await session.execute(select(Job.last_error).where(Job.kind == INBOUND_PROCESS.name))).all()
        assert left == []  # the job finished: nothing failed, nothing waits for a retry (media
        # fetches may: there is no Graph API here)
        unprocessed = await session.scalar(select(func.count()).select_from(InboundEvent)
                                           .where(InboundEvent.processed_at.is_(None)))
        assert unprocessed == 0
        stored = set((await session.execute(select(Message.provider_message_id)
                                            .where(Message.provider_message_id.in_(good)))).scalars())
    assert stored == set(good)
