"""A receipt can outrun the send response: Meta's `sent`/`read` webhook may be processed before
the send job has stored the wamid. The receipt must not be lost."""
from __future__ import annotations

import json

from chatdesk.channels.registry import ChannelRegistry
from tests.conftest import payload
from tests.conversations.test_ingest import text_webhook
from tests.fakes.channel import RecordingWhatsApp


def status_webhook(wamid: str, status: str, ts: int) -> bytes:
    raw = json.loads(payload("wa_status_read.json"))
    raw["entry"][0]["changes"][0]["value"]["statuses"][0].update({"id": wamid, "status": status,
                                                                   "timestamp": str(ts)})
    return json.dumps(raw).encode()


async def test_receipts_that_arrive_before_the_send_response_are_applied(bare):
    fake = RecordingWhatsApp(bare.http, ["wamid.EARLY1"])
    bare.rt.registry = ChannelRegistry([fake])
    ts = int(bare.clock.now().timestamp())
    await bare.webhook(text_webhook("31644444444", "Early", "wamid.IN1", ts, "hi"))
    await bare.drain()
    (conv,) = await bare.conversations()
    # the receipts are processed first...
    await bare.webhook(status_webhook("wamid.EARLY1", "sent", ts + 1))
    await bare.webhook(status_webhook("wamid.EARLY1", "read", ts + 2))
    await bare.drain()
    # ...then the message is queued and its send job learns the wamid
    resp = await bare.api.post(f"/api/v1/conversations/{conv['id']}/messages", json={"type": "text", "text": "yo"})
    assert resp.status_code == 202
    await bare.drain()
    out = [m for m in await bare.messages(conv["id"]) if m["direction"] == "out"]
    assert [(m["provider_message_id"], m["status"]) for m in out] == [("wamid.EARLY1", "read")]
    assert fake.sent[0].to == "31644444444"
