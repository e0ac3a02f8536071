"""Messenger / Instagram personas at work: each active persona opens a scenario now and then and
answers the business: it taps one of the quick replies or postback buttons it was offered, else
sends its next scripted follow-up, and ends with a thanks (so a bot and a persona cannot loop).

Active personas: the first ``config.social_customers`` (default ``config.customers``) whose
platform has a webhook URL. Seeded like the WhatsApp simulator.
"""
from __future__ import annotations

import asyncio
import logging
import random
from typing import TYPE_CHECKING, Any

from ..background import Background
from ..personas import Scenario
from ..simulator import Conversation
from . import events, send
from .model import SocialOutbound, SocialUser
from .personas import SOCIAL_PERSONAS, SocialPersona

if TYPE_CHECKING:
    from ..runtime import Sandbox

log = logging.getLogger("chatdesk.sandbox.simulator")
MAX_CHOICES = 5


class SocialSimulator:
    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self._background = Background()
        self.reset()

    def reset(self) -> None:
        self.users: dict[str, SocialPersona] = {}   # user id -> persona
        self.conversations: dict[str, Conversation] = {}
        seed = self.sb.config.seed
        self._rng = random.Random(f"{seed}:social") if seed is not None else random.Random()
        for persona in SOCIAL_PERSONAS:
            account = self.sb.social.default_account(persona.platform)
            if account is None:
                continue
            user = self.sb.social.add_user(
                persona.platform, account.account_id, persona.seed,
                first_name=persona.first_name, last_name=persona.last_name,
                username=persona.username, language=persona.language,
                read_receipts=persona.read_receipts, persona=True)
            self.users[user.id] = persona
        count = self.sb.config.social_customers
        count = self.sb.config.customers if count is None else count
        wired = [uid for uid, p in self.users.items() if self.sb.social.hooks[p.platform].url]
        self.active = set(wired[:max(count, 0)])

    async def start(self) -> None:
        for user_id in self.active:
            self._background.spawn(self._life(user_id))

    async def stop(self) -> None:
        await self._background.cancel()

    async def _life(self, user_id: str) -> None:
        interval = max(self.sb.config.customer_interval, 0.01)
        persona = self.users[user_id]
        while True:
            await asyncio.sleep(self._rng.expovariate(1 / interval))
            conversation = self.conversations.get(user_id)
            if conversation is None or conversation.ended:
                await self.begin(user_id, self._rng.choice(persona.scenarios))

    async def begin(self, user_id: str, scenario: Scenario) -> None:
        self.conversations[user_id] = Conversation(scenario)
        for index, spec in enumerate(scenario.opening):
            if index:
                await asyncio.sleep(self.sb.config.status_delays[1])
            self._send(user_id, dict(spec))

    def _send(self, user_id: str, spec: dict[str, Any]) -> None:
        user = self.sb.social.user(user_id)
        if user is None:
            return
        try:
            send.customer_writes(self.sb, user, events.EventSpec(**spec))
        except events.SpecError as exc:
            log.warning("persona %s could not send %s: %s", user.name, spec.get("type"), exc)

    def on_business_message(self, record: SocialOutbound) -> None:
        if record.user_id not in self.active:
            return
        conversation = self.conversations.get(record.user_id)
        if conversation is None or conversation.ended:
            return
        specs = self._answer(conversation, record)
        if specs:
            read = self.sb.config.status_delays[2]
            self._background.spawn(self._reply_later(record.user_id, read * 2, specs))

    async def _reply_later(self, user_id: str, delay: float, specs: list[dict[str, Any]]) -> None:
        await asyncio.sleep(delay)
        for spec in specs:
            self._send(user_id, spec)

    def _answer(self, conversation: Conversation, record: SocialOutbound) -> list[dict[str, Any]]:
        choice = choose(record, self._rng)
        if choice is not None and conversation.choices < MAX_CHOICES:
            conversation.choices += 1
            return [choice]
        scenario = conversation.scenario
        if scenario is None:
            return []
        if conversation.followups_sent < len(scenario.followups):
            conversation.followups_sent += 1
            return [{"type": "text", "text": scenario.followups[conversation.followups_sent - 1]}]
        conversation.ended = True
        specs: list[dict[str, Any]] = [{"type": "text", "text": scenario.closing}]
        if scenario.react:
            specs.append({"type": "reaction", "emoji": scenario.react, "message_id": record.mid})
        return specs


def choose(record: SocialOutbound, rng: random.Random) -> dict[str, Any] | None:
    """Tap a quick reply or a postback button of the business's message, if it offered any."""
    message = record.request.get("message") or {}
    replies = [r for r in message.get("quick_replies") or [] if r.get("content_type") == "text"]
    if replies:
        reply = rng.choice(replies)
        return {"type": "quick_reply", "title": reply["title"], "payload": str(reply["payload"])}
    payload = (message.get("attachment") or {}).get("payload") or {}
    buttons = [b for b in payload.get("buttons") or [] if b.get("type") == "postback"]
    if buttons:
        button = rng.choice(buttons)
        return {"type": "postback", "title": button["title"], "payload": str(button["payload"])}
    return None


def persona_user(sb: Sandbox, user: SocialUser) -> SocialPersona | None:
    return sb.social_simulator.users.get(user.id)
