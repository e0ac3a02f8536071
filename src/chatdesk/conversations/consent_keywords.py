"""Opt-out and opt-in keywords on inbound messages: a customer whose whole message is STOP (or
STOPP, AFMELDEN, ABMELDEN, UNSUBSCRIBE ...) is opted out of marketing on that channel, START
(AANMELDEN, ANMELDEN) opts them back in; each is recorded in the consent ledger and answered with
a confirmation in their language, queued through the one send path in the same transaction."""
from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.base import InboundMessageEvent
from ..contacts import consent, consent_policy
from ..contacts.models import Contact
from ..core.errors import Problem
from ..core.runtime import Runtime
from ..core.states import AuthorType
from . import sending
from .models import Conversation

log = logging.getLogger("chatdesk.consent")


async def answer(session: AsyncSession, rt: Runtime, items: list[tuple[Conversation, InboundMessageEvent]]) -> None:
    """Record and confirm the keywords among freshly stored customer messages."""
    for conv, event in items:
        status = consent_policy.keyword_status(event.text) if event.type == "text" else None
        if status is None:
            continue
        await consent.record(session, workspace_id=conv.workspace_id, contact_id=conv.contact_id,
                             channel_id=conv.channel_id, now=rt.clock.now(),
                             entry=consent.Record(purpose=consent_policy.MARKETING, status=status, source="keyword",
                                                  reference=event.provider_message_id, note=(event.text or "")[:100],
                                                  recorded_by="contact"))
        contact = await session.get(Contact, conv.contact_id)
        text = consent_policy.confirmation(status, contact.language if contact else None)
        try:
            await sending.send(session, rt, conv, sending.Draft(text=text, author_type=AuthorType.SYSTEM))
        except Problem as refused:  # e.g. a replayed old message whose window has closed: kept, not answered
            log.info("keyword %s in conversation %s not confirmed: %s", status, conv.id, refused.code)
