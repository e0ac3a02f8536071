"""Delivery receipts for accepted business messages: ``sent`` → ``delivered`` → ``read``.

Each accepted message gets a small task that emits its statuses after ``config.status_delays``.
``sent`` carries ``conversation{id, expiration_timestamp, origin}`` and per-message-pricing
``pricing``; ``read`` is only emitted for customers who send read receipts, and when delivered
and read fall due at once only ``read`` is sent (as Meta does). Forced statuses (control API)
can end a message early, e.g. ``failed`` with 131026.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from chatdesk.channels.whatsapp.payloads import (
    ConversationOrigin,
    Pricing,
    Status,
    StatusConversation,
)

from . import envelopes
from .errors import webhook_error
from .ids import conversation_id
from .state import Outbound, SandboxState
from .webhooks import WebhookDispatcher


def pricing_of(record: Outbound) -> Pricing:
    return Pricing(billable=record.pricing_type == "regular", pricing_model="PMP",
                   category=record.category, type=record.pricing_type)


class StatusScheduler:
    def __init__(self, state: SandboxState, webhooks: WebhookDispatcher,
                 delays: tuple[float, float, float], clock: Callable[[], datetime]) -> None:
        self.state, self.webhooks, self.delays, self.clock = state, webhooks, delays, clock
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._conversations: dict[tuple[str, str, str], tuple[str, datetime]] = {}
        self._expiry_reported: set[str] = set()

    def reset(self) -> None:
        self._conversations.clear()
        self._expiry_reported.clear()

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()

    def schedule(self, record: Outbound) -> None:
        task = asyncio.create_task(self._run(record), name=f"statuses-{record.wamid[-12:]}")
        self._tasks[record.wamid] = task
        wamid = record.wamid
        task.add_done_callback(lambda _t: self._tasks.pop(wamid, None))

    async def _run(self, record: Outbound) -> None:
        sent, delivered, read = self.delays
        reads = self.state.customer(record.wa_id).read_receipts
        await asyncio.sleep(sent)
        self.emit(record, "sent")
        elapsed = sent
        # Meta skips "delivered" when the message is read the moment it arrives.
        if not (reads and read <= delivered):
            await asyncio.sleep(max(delivered - elapsed, 0))
            self.emit(record, "delivered")
            elapsed = delivered
        if reads:
            await asyncio.sleep(max(read - elapsed, 0))
            self.emit(record, "read")

    def force(self, record: Outbound, status: str, error_code: int | None = None) -> Status:
        """Emit a status now; a forced ``failed`` (or ``read``) ends the scheduled sequence."""
        if status in ("failed", "read") and record.wamid in self._tasks:
            self._tasks.pop(record.wamid).cancel()
        return self.emit(record, status, error_code)

    def emit(self, record: Outbound, status: str, error_code: int | None = None) -> Status:
        now = self.clock()
        item = Status(id=record.wamid, status=status, timestamp=str(int(now.timestamp())),
                      recipient_id=record.wa_id,
                      biz_opaque_callback_data=record.request.get("biz_opaque_callback_data"))
        if status == "failed":
            item.errors = [webhook_error(error_code or 131026)]
        else:
            item.conversation = self._conversation(record, sent=status == "sent")
            item.pricing = pricing_of(record)
        record.statuses.append({"status": status, "timestamp": item.timestamp,
                                "at": now.isoformat(), "error_code": error_code})
        number = self.state.numbers[record.phone_number_id]
        body = envelopes.envelope([(number, envelopes.change(number, statuses=[item]))])
        self.webhooks.send(envelopes.encode(body), kind=f"status:{status}")
        return item

    def _conversation(self, record: Outbound, sent: bool) -> StatusConversation:
        """A conversation opens with the first business message of its category and lives 24 h
        from it; only the first ``sent`` status of a conversation reports its expiry."""
        key = (record.phone_number_id, record.wa_id, record.category)
        known = self._conversations.get(key)
        if known is None or known[1] <= record.accepted_at:
            window = timedelta(hours=self.state.config.window_hours)
            known = self._conversations[key] = (conversation_id(), record.accepted_at + window)
        conv = StatusConversation(id=known[0], origin=ConversationOrigin(type=record.category))
        if sent and known[0] not in self._expiry_reported:
            self._expiry_reported.add(known[0])
            conv.expiration_timestamp = str(int(known[1].timestamp()))
        return conv
