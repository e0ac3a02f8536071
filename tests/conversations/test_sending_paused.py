"""Sending paused (``CHATDESK_SENDING_PAUSED``): a restored copy of the database must not message
real customers. Send jobs wait without failing and without using up their attempts; once
sending resumes each message goes out exactly once."""
from __future__ import annotations

from sqlalchemy import select

from chatdesk.conversations import policy
from chatdesk.conversations.jobs import SEND_MESSAGE
from chatdesk.core.jobs import Job
from tests.conftest import settle

CUSTOMER = "31612000888"


async def _send_jobs(stack) -> list[Job]:
    async with stack.rt.db.reader() as session:
        return list((await session.execute(select(Job).where(Job.kind == SEND_MESSAGE.name))).scalars())


async def _requests_to(stack) -> list[dict]:
    return [r for r in await stack.sent_requests() if r.get("to") == CUSTOMER]


async def test_paused_sending_keeps_jobs_waiting_and_resuming_sends_each_once(stack):
    await stack.customer_says(CUSTOMER, type="text", text="Hallo?")
    conv_id = (await settle(lambda: stack.conversations()))[0]["id"]
    stack.rt.settings.sending_paused = True
    for text in ("Eerste antwoord.", "Tweede antwoord."):
        resp = await stack.api.post(f"/api/v1/conversations/{conv_id}/messages", json={"type": "text", "text": text})
        assert resp.status_code == 202, resp.text
    # far more rechecks than a job has attempts: none is used up, none fails, nothing leaves
    for _ in range(policy.MAX_SEND_ATTEMPTS + 5):
        stack.clock.advance(seconds=policy.PAUSED_RECHECK_SECONDS + 1)
        await stack.drain()
    jobs = await _send_jobs(stack)
    assert [(j.status, j.attempts) for j in jobs] == [("queued", 0), ("queued", 0)]
    assert "sending is paused" in (jobs[0].last_error or "")
    assert await _requests_to(stack) == []
    out = [m for m in await stack.messages(conv_id) if m["direction"] == "out"]
    assert [m["status"] for m in out] == ["queued", "queued"]

    stack.rt.settings.sending_paused = False
    stack.clock.advance(seconds=policy.PAUSED_RECHECK_SECONDS + 1)
    await stack.drain()
    sent = await settle(lambda: _sent_both(stack))
    assert sorted(r["request"]["text"]["body"] for r in sent) == ["Eerste antwoord.", "Tweede antwoord."]
    stack.clock.advance(seconds=600)
    await stack.drain()
    assert len(await _requests_to(stack)) == 2  # each once
    assert await _send_jobs(stack) == []


async def _sent_both(stack) -> list[dict]:
    sent = await _requests_to(stack)
    return sent if len(sent) == 2 else []
