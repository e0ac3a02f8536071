"""Which typed event each change stores: fine-grained names, ids and states, never bodies."""
from __future__ import annotations

from datetime import timedelta

from chatdesk.contacts.identities import IdentityChannel, Sender, resolve_identities
from chatdesk.conversations import labels, service, triage
from chatdesk.core.events import read_after
from tests.conftest import settle
from tests.conversations.test_outbound import open_conversation, reply


async def _events(stack, after: int = 0) -> list[dict]:
    async with stack.rt.db.reader() as session:
        return await read_after(session, stack.workspace_id, after, 1000)


def _types(events: list[dict]) -> list[str]:
    return [e["type"] for e in events]


async def test_an_outbound_message_is_created_sent_and_moves_on(stack):
    conv = await open_conversation(stack)
    start = (await _events(stack))[-1]["id"]
    resp = await reply(stack, conv["id"], type="text", text="Uw pakket is onderweg!")
    mid = resp.json()["id"]

    async def read_status():
        found = [e for e in await _events(stack, start) if e.get("message_id") == mid]
        return found if found[-1:] and found[-1].get("status") == "read" else None
    found = await settle(read_status)
    assert _types(found) == ["message.created", "message.sent", "message.status_changed",
                             "message.status_changed", "message.status_changed"]
    assert [e["status"] for e in found] == ["queued", "pending", "sent", "delivered", "read"]
    assert all(e["direction"] == "out" and "text" not in e for e in found)


async def test_working_a_conversation_stores_one_event_per_kind_of_change(stack):
    conv = await open_conversation(stack)
    start = (await _events(stack))[-1]["id"]
    now = stack.clock.now()
    async with stack.rt.db.session() as s:
        c = await service.get_conversation(s, stack.workspace_id, conv["id"])
        await triage.assign(s, c, now=now, assignee_id=None, team_id=None)
        await triage.set_status(s, c, "snoozed", now=now, snooze_until=now + timedelta(hours=1))
        await triage.set_priority(s, c, "high", now=now)
        label = await labels.create_label(s, stack.workspace_id, "vip", "red", now=now)
        await labels.set_labels(s, c, [label.id], now=now)
        await service.mark_read(s, c, now=now)
    events = await _events(stack, start)
    assert _types(events) == ["conversation.assigned", "conversation.status_changed", "conversation.updated",
                              "conversation.updated", "conversation.read"]
    assert events[1]["status"] == "snoozed" and events[1]["snoozed_until"] is not None
    assert events[2]["priority"] == "high" and events[3]["labels"] == [label.id]
    assert {e["conversation_id"] for e in events} == {conv["id"]}


async def test_contacts_are_created_once_and_updated_when_their_name_changes(stack):
    now = stack.clock.now()

    async def resolve(name: str) -> int:
        async with stack.rt.db.session() as s:
            channel = IdentityChannel(stack.channel_id, stack.workspace_id, "whatsapp", "global")
            found = await resolve_identities(s, channel=channel, now=now,
                                             senders=[Sender("31699000001", name, "+31699000001")])
            return found["31699000001"].id
    contact_id = await resolve("Ann")
    await resolve("Ann")
    await resolve("Ann B.")
    events = await _events(stack)
    assert [(e["type"], e["contact_id"]) for e in events] == [("contact.created", contact_id),
                                                              ("contact.updated", contact_id)]
    assert events[1]["fields"] == ["name"] and "Ann" not in str(events)
