"""Retention: processed webhook bodies and delivery receipts older than the setting go, in
batches; unprocessed bodies and anything younger stay. Run by the scheduler, daily."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from chatdesk.channels.models import DeliveryStatus, InboundEvent
from chatdesk.channels.retention import PRUNABLE
from chatdesk.core.retention import Prunable, prune
from chatdesk.core.settings import Settings


async def _seed(stack, ages_days: list[float], *, processed: bool = True, tag: str = "") -> None:
    now = stack.clock.now()
    async with stack.rt.db.session() as s:
        for n, age in enumerate(ages_days):
            at = now - timedelta(days=age)
            await s.execute(insert(InboundEvent), [{
                "kind": "whatsapp", "channel_id": stack.channel_id, "dedupe_key": f"{tag}{processed}{n}",
                "body": "{}", "received_at": at, "processed_at": at if processed else None}])
            await s.execute(insert(DeliveryStatus), [{
                "channel_id": stack.channel_id, "provider_message_id": f"wamid.{tag}{processed}{n}",
                "status": "delivered", "occurred_at": at}])


async def _left(stack) -> tuple[list[str], list[str]]:
    async with stack.rt.db.reader() as s:
        events = (await s.execute(select(InboundEvent.dedupe_key).order_by(InboundEvent.id))).scalars().all()
        receipts = (await s.execute(select(DeliveryStatus.provider_message_id)
                                    .order_by(DeliveryStatus.id))).scalars().all()
    return list(events), list(receipts)


async def test_the_daily_job_prunes_old_processed_bodies_and_receipts_only(bare):
    await _seed(bare, [44, 30, 28.5, 0])  # days old; the default keeps 30 days
    await _seed(bare, [89], processed=False)  # never processed: kept however old
    await bare.drain()  # registers the daily schedule: first due in a day
    assert len((await _left(bare))[0]) == 5
    bare.clock.advance(days=1)
    await bare.drain()
    events, receipts = await _left(bare)
    assert events == ["True2", "True3", "False0"]
    assert receipts == ["wamid.True2", "wamid.True3"]  # a receipt is old by its own time
    bare.clock.advance(hours=12)
    await _seed(bare, [40], tag="later")
    await bare.drain()  # not a day yet: nothing runs
    assert "later" + "True0" in (await _left(bare))[0]
    bare.clock.advance(hours=12)
    await bare.drain()  # the next day's tick
    events, receipts = await _left(bare)
    assert events == ["True3", "False0"] and receipts == ["wamid.True3"]


async def test_prune_deletes_in_batches_and_counts(bare):
    await _seed(bare, [40] * 7 + [1])
    rule: Prunable = PRUNABLE[0]
    assert await prune(bare.rt.db, rule, bare.clock.now() - timedelta(days=30), batch=3) == 7
    assert (await _left(bare))[0] == ["True7"]


def test_retention_days_is_at_least_one(tmp_path, monkeypatch):
    import pytest
    from pydantic import ValidationError

    assert Settings(data_dir=tmp_path).retention_days == 30
    monkeypatch.setenv("CHATDESK_RETENTION_DAYS", "7")
    assert Settings(data_dir=tmp_path).retention_days == 7
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, retention_days=0)


async def test_domain_events_older_than_the_setting_are_pruned_too(bare):
    """The events table is read by cursor within days; the daily job keeps it from growing forever."""
    from chatdesk.core.events import StoredEvent

    now = bare.clock.now()
    async with bare.rt.db.session() as s:
        await s.execute(insert(StoredEvent), [
            {"workspace_id": bare.workspace_id, "type": "message.received", "payload": {"n": n},
             "occurred_at": now - timedelta(days=age)} for n, age in enumerate([45, 31, 2])])
    await bare.drain()
    bare.clock.advance(days=1)
    await bare.drain()
    async with bare.rt.db.reader() as s:
        left = (await s.execute(select(StoredEvent.payload).order_by(StoredEvent.id))).scalars().all()
    assert left == [{"n": 2}]
