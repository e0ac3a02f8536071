"""The one send path enforces the number's messaging limit on business-initiated sends only: a
template to a customer whose window is closed, counted once per customer in 24 h."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chatdesk.channels.content import Template
from chatdesk.channels.models import Channel
from chatdesk.contacts.models import Contact, ContactIdentity
from chatdesk.conversations import messaging_limits, sending
from chatdesk.conversations.models import Conversation, Message
from chatdesk.core.errors import Problem
from chatdesk.core.events import read_after

TEMPLATE = Template(name="order_update", language="en")


async def _customers(bare, n: int, *, wrote_hours_ago: float | None = None) -> list[Conversation]:
    """``n`` customers with a conversation on the number (who wrote that long ago, or never)."""
    now = bare.clock.now()
    wrote = now - timedelta(hours=wrote_hours_ago) if wrote_hours_ago is not None else None
    async with bare.rt.db.session() as s:
        convs = []
        for i in range(n):
            contact = Contact(workspace_id=bare.workspace_id, name=f"c{i}", phone=f"+3161234{i:04d}",
                              created_at=now, updated_at=now)
            s.add(contact)
            await s.flush()
            s.add(ContactIdentity(workspace_id=bare.workspace_id, contact_id=contact.id, channel_id=bare.channel_id,
                                  kind="whatsapp", external_id=contact.phone.lstrip("+"), id_type="phone",
                                  created_at=now))
            conv = Conversation(workspace_id=bare.workspace_id, channel_id=bare.channel_id, contact_id=contact.id,
                                last_inbound_at=wrote, last_message_at=now, created_at=now, updated_at=now)
            s.add(conv)
            convs.append(conv)
        await s.flush()
        return convs


async def _tier(bare, tier: str) -> None:
    async with bare.rt.db.session() as s:
        channel = await s.get(Channel, bare.channel_id)
        assert channel is not None
        messaging_limits.set_quality(s, channel, tier=tier)


async def _send(bare, conv: Conversation, draft: sending.Draft) -> Message:
    async with bare.rt.db.session() as s:
        c = await s.get(Conversation, conv.id)
        assert c is not None
        return await sending.send(s, bare.rt, c, draft)


def _template() -> sending.Draft:
    return sending.Draft(type="template", content=TEMPLATE)


async def test_templates_to_closed_windows_are_counted_and_refused_over_the_tier(bare):
    await _tier(bare, "TIER_50")
    convs = await _customers(bare, 51)
    for conv in convs[:50]:
        assert (await _send(bare, conv, _template())).initiated is True
    await _send(bare, convs[0], _template())  # a customer reached today again: not another one
    with pytest.raises(Problem) as refused:
        await _send(bare, convs[50], _template())
    p = refused.value
    assert (p.status, p.code, p.extra["limit"], p.extra["used"]) == (429, "messaging_limit_reached", 50, 50)
    assert p.extra["frees_at"] == (bare.clock.now() + timedelta(hours=24)).isoformat()
    async with bare.rt.db.reader() as s:
        assert len(await messaging_limits.first_sends(s, bare.workspace_id, bare.channel_id, bare.clock.now())) == 50
        warnings = [e for e in await read_after(s, bare.workspace_id, 0, 1000)
                    if e["type"] == "channel.messaging_limit_warning"]
    assert [(w["used"], w["limit"]) for w in warnings] == [(40, 50)]   # once, at 80 %
    bare.clock.advance(hours=24, seconds=1)  # the oldest leave the window
    assert (await _send(bare, convs[50], _template())).initiated is True


async def test_sends_inside_the_window_are_not_counted(bare):
    await _tier(bare, "TIER_50")
    convs = await _customers(bare, 51, wrote_hours_ago=1)
    for conv in convs:
        assert (await _send(bare, conv, _template())).initiated is None
        assert (await _send(bare, conv, sending.Draft(text="hello"))).initiated is None


async def test_an_unknown_tier_is_not_enforced(bare):
    convs = await _customers(bare, 3)
    for conv in convs:
        assert (await _send(bare, conv, _template())).initiated is True
