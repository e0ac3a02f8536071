"""Many conversations written straight to the database: paging and bulk tests need a hundred or
more, and a hundred customers writing in through the sandbox would only slow them down."""
from __future__ import annotations

from datetime import timedelta

from chatdesk.contacts.models import Contact
from chatdesk.conversations.models import Conversation
from tests.conftest import Stack


async def seed_conversations(stack: Stack, n: int, *, workspace_id: int | None = None, channel_id: int | None = None,
                             prefix: str = "Customer", waiting_every: int = 0) -> list[int]:
    """``n`` open conversations, one a minute apart (the last one newest); every ``waiting_every``-th
    awaits our reply since its own time. Returns their ids, oldest first."""
    now, ids = stack.clock.now(), []
    ws, channel = workspace_id or stack.workspace_id, channel_id or stack.channel_id
    async with stack.rt.db.session() as session:
        for i in range(n):
            at = now - timedelta(minutes=n - i)
            contact = Contact(workspace_id=ws, name=f"{prefix} {i:03d}", phone=f"3160{i:07d}", attributes={},
                              created_at=at, updated_at=at)
            session.add(contact)
            await session.flush()
            waiting = at if waiting_every and i % waiting_every == 0 else None
            conv = Conversation(workspace_id=ws, channel_id=channel, contact_id=contact.id, status="open",
                                priority="none", unread_count=0, last_message_at=at, last_inbound_at=at,
                                awaiting_since=waiting, created_at=at, updated_at=at)
            session.add(conv)
            await session.flush()
            ids.append(conv.id)
    return ids
