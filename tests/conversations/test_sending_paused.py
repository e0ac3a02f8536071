"""Sending paused (``chatdesk sending pause``, or ``CHATDESK_SENDING_PAUSED`` at start): a restored
copy of the database must not message real customers. Send jobs wait without failing and without
using up their attempts; once sending resumes each message goes out exactly once."""
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
    await stack.rt.sending.set(True, by="test", now=stack.clock.now(), reason="restored copy")
    for text in ("Eerste antwoord.", "Tweede antwoord."):
        resp = await stack.api.post(f"/api/v1/conversations/{conv_id}/messages", json={"type": "text", "text": text})
        assert resp.status_code == 202, resp.text
    # far more rechecks than a job has attempts: none is used up, none fails, nothing leaves
    for _ in range(policy.MAX_SEND_ATTEMPTS + 5):
        stack.clock.advance(seconds=policy.PAUSED_RECHECK_SECONDS + 1)
        await stack.drain()
    jobs = await _send_jobs(stack)
    assert [(j.status, j.attempts) for j in jobs] == [("queued", 0), ("queued", 0)]
    assert [(j.locked_by, j.last_error) for j in jobs] == [(None, None)] * 2  # never claimed, never tried
    assert await _requests_to(stack) == []
    out = [m for m in await stack.messages(conv_id) if m["direction"] == "out"]
    assert [m["status"] for m in out] == ["queued", "queued"]

    await stack.rt.sending.set(False, by="test", now=stack.clock.now())
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


async def test_a_pause_switched_elsewhere_holds_the_running_worker_and_resume_sends_once(stack):
    """The switch is in the database: `chatdesk sending pause` in another process reaches this
    worker without a restart (within its switch's ttl, shortened here), and so does resume."""
    from chatdesk import admin

    stack.rt.sending.ttl = 0.05
    await stack.customer_says(CUSTOMER, type="text", text="Hallo?")
    conv_id = (await settle(lambda: stack.conversations()))[0]["id"]
    said = await admin.sending(stack.settings, "pause", by="ops@elsewhere", reason="restored copy", migrate=False)
    assert "PAUSED" in said and "ops@elsewhere" in said and "restored copy" in said
    await settle(lambda: stack.rt.sending.paused())
    resp = await stack.api.post(f"/api/v1/conversations/{conv_id}/messages", json={"type": "text", "text": "Later."})
    assert resp.status_code == 202, resp.text
    for _ in range(3):
        stack.clock.advance(seconds=60)
        await stack.drain()
    assert [(j.status, j.attempts) for j in await _send_jobs(stack)] == [("queued", 0)]
    assert await _requests_to(stack) == []
    assert "1 message(s) waiting" in await admin.sending(stack.settings, "status", by="x", migrate=False)

    assert "sending is on" in await admin.sending(stack.settings, "resume", by="ops@elsewhere", migrate=False)
    sent = await settle(lambda: _requests_to(stack))  # the running worker, no restart, no clock moved
    assert [r["request"]["text"]["body"] for r in sent] == ["Later."]
    stack.clock.advance(seconds=600)
    await stack.drain()
    assert len(await _requests_to(stack)) == 1


async def test_a_send_claimed_as_the_pause_begins_waits_without_using_an_attempt(bare):
    """The race the claim cannot see: the handler looks again and puts the job back untried."""
    from chatdesk.core.jobs import ClaimedJob, RetryJob
    from chatdesk.core.media import MediaStore
    from chatdesk.conversations.tasks import send_handler

    await bare.rt.sending.set(True, by="test", now=bare.clock.now())
    handle = send_handler(bare.rt, MediaStore(bare.settings.media_dir), None)
    job = ClaimedJob(1, SEND_MESSAGE.name, {"message_id": 1}, 1, 8, None, bare.clock.now())
    try:
        await handle(job)
    except RetryJob as retry:
        assert retry.counts is False and retry.delay == policy.PAUSED_RECHECK_SECONDS
    else:
        raise AssertionError("a paused send handler must not try")
