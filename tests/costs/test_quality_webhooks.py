"""A number's tier and quality rating, kept from Meta's ``phone_number_quality_update`` webhooks:
parsed into a neutral event by the adapter, applied to the channel with that display number and
account by the inbound job."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from chatdesk.channels.base import NumberStatusEvent, UnreadableItem
from chatdesk.channels.models import Channel
from chatdesk.channels.whatsapp import inbound
from chatdesk.core.events import read_after
from tests.conftest import payload

UPGRADE = "wa_phone_number_quality_update.json"
FLAGGED = "wa_phone_number_quality_flagged.json"


def test_the_adapter_reads_the_tier_and_the_quality():
    (up,) = inbound.parse_events(payload(UPGRADE))
    assert up == NumberStatusEvent("", "15550001111", "102938475610293", "UPGRADE", "TIER_2K", None,
                                   datetime(2026, 5, 27, 8, 0, tzinfo=UTC))
    (flag,) = inbound.parse_events(payload(FLAGGED))
    assert (flag.tier, flag.quality) == ("TIER_2K", "RED")


def test_a_change_without_a_number_is_unreadable_and_other_fields_are_ignored():
    raw = json.loads(payload(UPGRADE))
    del raw["entry"][0]["changes"][0]["value"]["display_phone_number"]
    (bad,) = inbound.parse_events(json.dumps(raw).encode())
    assert isinstance(bad, UnreadableItem) and "display_phone_number" in bad.reason
    raw["entry"][0]["changes"][0]["field"] = "account_review_update"
    assert inbound.parse_events(json.dumps(raw).encode()) == []


async def _channel(bare) -> Channel:
    async with bare.rt.db.reader() as s:
        channel = await s.get(Channel, bare.channel_id)
        assert channel is not None
        return channel


async def test_the_webhooks_update_the_channel_and_emit_an_event(bare):
    for name in (UPGRADE, FLAGGED, FLAGGED):  # a replay changes nothing
        assert (await bare.webhook(payload(name))).status_code == 200
        await bare.drain()
    channel = await _channel(bare)
    assert (channel.messaging_tier, channel.quality_rating) == ("TIER_2K", "RED")
    async with bare.rt.db.reader() as s:
        events = [e for e in await read_after(s, bare.workspace_id, 0, 100) if e["type"] == "channel.quality_updated"]
    assert [(e["tier"], e["quality"]) for e in events] == [("TIER_2K", None), ("TIER_2K", "RED")]


async def test_another_accounts_number_is_left_alone(bare):
    raw = json.loads(payload(UPGRADE))
    raw["entry"][0]["id"] = "999"
    assert (await bare.webhook(json.dumps(raw).encode())).status_code == 200
    await bare.drain()
    assert (await _channel(bare)).messaging_tier is None
