"""The inbox and issue 10: the composer's builder sends lists through the one send path, the
customer's choice links to the question, and the contact pane shows the consent ledger."""
from __future__ import annotations

import json
import re

from tests.conftest import settle
from tests.inbox.conftest import conversation_of

WS = "/w/test-shop"
WA = "31612000777"
SLOTS = {"type": "list", "text": "Pick a slot", "button": "Slots",
         "sections": [{"title": "Today", "rows": [{"id": "row-1", "title": "10:00"}, {"id": "row-2", "title": "14:00"}]}]}


async def _interactive_sent(stack) -> list:
    return [r["request"] for r in await stack.sent_requests() if r["type"] == "interactive"]


async def test_the_builders_list_goes_out_and_the_answer_links_to_it(stack, owner):
    cid = await conversation_of(stack, WA, name="Sam Slots")
    page = await owner.get(f"{WS}/c/{cid}")
    assert 'data-builder="list"' in page.text and 'data-builder="buttons"' in page.text
    limits = json.loads(re.search(r"data-limits='([^']+)'", page.text).group(1))
    assert limits["rows_max"] == 10 and limits["row_title_max"] == 24 and limits["body_max"]["list"] == 4096
    sent = await owner.post(f"{WS}/c/{cid}/messages", {"mode": "reply", "text": "", "interactive": json.dumps(SLOTS)})
    assert sent.status_code == 200, sent.text
    question_id = int(re.search(r'id="m-(\d+)"', sent.text).group(1))
    (request,) = await settle(lambda: _interactive_sent(stack))
    assert [r["title"] for r in request["interactive"]["action"]["sections"][0]["rows"]] == ["10:00", "14:00"]

    await stack.customer_says(WA, type="list_reply", id="row-2", title="14:00")  # answers the last list
    thread = await settle(lambda: _thread_with(owner, cid, "Answer to:"))
    link = re.search(r'<a class="answer-to" href="#m-(\d+)"[^>]*>([^<]+)</a>', thread)
    assert link and int(link.group(1)) == question_id and "Pick a slot" in link.group(2)


async def test_the_builder_is_refused_with_every_offending_field(stack, owner):
    cid = await conversation_of(stack, WA, name="Sam Slots")
    rows = [{"id": f"row-{i}", "title": f"Slot {i}"} for i in range(11)]
    bad = {**SLOTS, "button": "b" * 21, "sections": [{"title": "Today", "rows": rows}]}
    refused = await owner.post(f"{WS}/c/{cid}/messages", {"mode": "reply", "interactive": json.dumps(bad)})
    assert refused.status_code == 422
    assert 'data-code="interactive_invalid"' in refused.text
    assert re.findall(r'data-field="([^"]+)"', refused.text) == ["button", "sections"]
    assert await _interactive_sent(stack) == []


async def test_the_contact_pane_shows_the_consent_ledger(stack, owner):
    cid = await conversation_of(stack, WA, name="Sam Slots")
    assert "No consent recorded" in (await owner.get(f"{WS}/c/{cid}")).text
    await stack.customer_says(WA, type="text", text="STOP")
    page = await settle(lambda: _thread_page_with(owner, cid, 'data-status="opted_out"'))
    assert re.search(r'class="consent" data-status="opted_out" data-purpose="marketing"', page)
    assert "Opted out" in page and "Keyword" in page


async def _thread_with(owner, cid: int, text: str) -> str | None:
    resp = await owner.get(f"{WS}/c/{cid}/messages")
    return resp.text if text in resp.text else None


async def _thread_page_with(owner, cid: int, text: str) -> str | None:
    resp = await owner.get(f"{WS}/c/{cid}")
    return resp.text if text in resp.text else None
