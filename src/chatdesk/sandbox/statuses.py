"""Delivery receipts for accepted business messages: ``sent`` → ``delivered`` → ``read``, or
``failed`` (e.g. 131047 for a free-form message outside the window).

Each accepted message gets a small task that emits its statuses after ``config.status_delays``.
As Meta does for the API version of the send request (SPEC §1.4, §5.4): ``pricing`` rides on
``sent`` and on the first of ``delivered``/``read``; ``conversation`` too, but only up to
v23.0 (with ``expiration_timestamp`` on ``sent``); ``failed`` has neither, nor ``contacts``.
The other statuses carry the customer in ``contacts`` (the username not on ``sent``) and mirror
the addressing of the send: ``recipient_id`` for ``to``, ``recipient_user_id`` for
``recipient``. ``read`` is only emitted for customers who send read receipts, and when delivered
and read fall due at once only ``read`` is sent. Forced statuses (control API) can end a message
early, e.g. ``failed`` with 131026.
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
    WebhookContact,
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
        self._conversations: dict[str, str] = {}   # wamid -> conversation id (one each, PMP)

    def reset(self) -> None:
        self._conversations.clear()

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
        if record.failure is not None:
            self.emit(record, "failed", record.failure)
            return
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
                      biz_opaque_callback_data=record.request.get("biz_opaque_callback_data"),
                      **self._addressing(record))
        charged = status == "sent" or (status in ("delivered", "read") and not any(
            s["status"] in ("delivered", "read") for s in record.statuses))
        if status == "failed":
            item.errors = [webhook_error(error_code or 131026)]
        elif charged:
            item.pricing = pricing_of(record)
            if record.api_version <= 23:
                item.conversation = self._conversation(record, sent=status == "sent")
        record.statuses.append({"status": status, "timestamp": item.timestamp,
                                "at": now.isoformat(), "error_code": error_code})
        number = self.state.numbers[record.phone_number_id]
        change = envelopes.change(number, contacts=self._contacts(record, status),
                                  statuses=[item])
        self.webhooks.send(envelopes.encode(envelopes.envelope([(number, change)])),
                           kind=f"status:{status}")
        return item

    def _addressing(self, record: Outbound) -> dict[str, str]:
        customer = self.state.customer(record.wa_id)
        if record.addressed_by == "recipient":
            return {"recipient_user_id": customer.user_id}
        return {"recipient_id": record.wa_id}

    def _contacts(self, record: Outbound, status: str) -> list[WebhookContact]:
        customer = self.state.customer(record.wa_id)
        if status == "failed":
            if not self.state.config.failed_status_contacts:
                return []
            return [WebhookContact(wa_id=customer.phone, user_id=customer.user_id)]
        return [envelopes.contact(customer, username=status != "sent",
                                  parent=self.state.config.parent_user_ids)]

    def _conversation(self, record: Outbound, sent: bool) -> StatusConversation:
        """Per-message pricing: one conversation id per message; its expiry (24 h after the
        send) is reported on ``sent`` only."""
        conv_id = self._conversations.setdefault(record.wamid, conversation_id())
        conv = StatusConversation(id=conv_id, origin=ConversationOrigin(type=record.category))
        if sent:
            window = timedelta(hours=self.state.config.window_hours)
            conv.expiration_timestamp = str(int((record.accepted_at + window).timestamp()))
        return conv
