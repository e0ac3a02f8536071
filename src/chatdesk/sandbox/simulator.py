"""The persona simulator: active personas start conversations on their own and answer the business.

With ``config.customers = N`` the first N personas are active. Each starts a scenario after a
random pause around ``customer_interval`` (exponential, seeded by ``config.seed``) whenever it is
not already in one, and answers what the business sends: the next scripted follow-up to a text
(ending with a thanks, after which it stops), a row of an interactive list, a reply button, or a
template quick-reply. Replies come after the customer has "read" the message: the read delay of
``config.status_delays`` plus about as long again to type, so tests with tiny delays stay fast.
"""
from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import inbound
from .background import Background
from .catalog import Template, quick_reply_payloads
from .personas import PERSONAS, Persona, Scenario
from .state import Outbound

if TYPE_CHECKING:
    from .runtime import Sandbox

log = logging.getLogger("chatdesk.sandbox.simulator")
MAX_CHOICES = 5   # interactive answers per conversation, so a bot and a persona cannot loop


@dataclass
class Conversation:
    scenario: Scenario | None
    followups_sent: int = 0
    choices: int = 0
    ended: bool = False


class PersonaSimulator:
    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        count = max(0, min(sb.config.customers, len(PERSONAS)))
        self.active: dict[str, Persona] = {p.wa_id: p for p in PERSONAS[:count]}
        self.conversations: dict[str, Conversation] = {}
        self._rngs = {p.wa_id: self._rng(p) for p in PERSONAS}
        self._background = Background()
        self._pending: set[str] = set()

    def _rng(self, persona: Persona) -> random.Random:
        seed = self.sb.config.seed
        return random.Random(f"{seed}:{persona.wa_id}") if seed is not None else random.Random()

    def reset(self) -> None:
        self.conversations.clear()
        self._pending.clear()
        self._rngs = {p.wa_id: self._rng(p) for p in PERSONAS}

    def _spawn(self, coro: Any) -> None:
        self._background.spawn(coro)

    async def start(self) -> None:
        for persona in self.active.values():
            self._spawn(self._life(persona))

    async def stop(self) -> None:
        await self._background.cancel()

    # ------------------------------------------------------------------ starting conversations

    async def _life(self, persona: Persona) -> None:
        rng = self._rngs[persona.wa_id]
        interval = max(self.sb.config.customer_interval, 0.01)
        while True:
            await asyncio.sleep(rng.expovariate(1 / interval))
            conversation = self.conversations.get(persona.wa_id)
            if conversation is None or conversation.ended:
                await self.begin(persona, rng.choice(persona.scenarios))

    async def begin(self, persona: Persona, scenario: Scenario) -> None:
        """The persona opens a conversation: its scenario's opening messages, a moment apart."""
        self.conversations[persona.wa_id] = Conversation(scenario)
        for index, spec in enumerate(scenario.opening):
            if index:
                await asyncio.sleep(self.sb.config.status_delays[1])
            self._send(persona, dict(spec))

    def _send(self, persona: Persona, spec: dict[str, Any]) -> None:
        try:
            inbound.send(self.sb, [(persona.wa_id, inbound.InboundSpec(**spec))])
        except inbound.SpecError as exc:
            log.warning("persona %s could not send %s: %s", persona.name, spec.get("type"), exc)

    # ------------------------------------------------------------------ answering the business

    def on_business_message(self, record: Outbound, template: Template | None) -> None:
        persona = self.active.get(record.wa_id)
        if persona is None or record.wa_id in self._pending:
            return
        conversation = self.conversations.setdefault(record.wa_id, Conversation(None, ended=True))
        specs = self._answer(persona, conversation, record, template)
        if not specs:
            return
        for spec in specs:
            spec["phone_number_id"] = record.phone_number_id
        read = self.sb.config.status_delays[2]
        delay = read + self._rngs[persona.wa_id].uniform(0.5, 1.5) * read
        self._pending.add(record.wa_id)
        self._spawn(self._reply_later(persona, delay, specs))

    async def _reply_later(self, persona: Persona, delay: float,
                           specs: list[dict[str, Any]]) -> None:
        try:
            await asyncio.sleep(delay)
            for spec in specs:
                self._send(persona, spec)
        finally:
            self._pending.discard(persona.wa_id)

    def _answer(self, persona: Persona, conversation: Conversation, record: Outbound,
                template: Template | None) -> list[dict[str, Any]]:
        rng = self._rngs[persona.wa_id]
        if record.type in ("interactive", "template"):
            if conversation.choices >= MAX_CHOICES:
                return []
            choice = choose(record, template, rng)
            if choice:
                conversation.choices += 1
            return [choice] if choice else []
        if record.type not in ("text", "image", "video", "document", "audio", "location"):
            return []
        return _scripted(conversation, record)


def _scripted(conversation: Conversation, record: Outbound) -> list[dict[str, Any]]:
    """The next follow-up, or the closing thanks (and a reaction) which ends the scenario."""
    scenario = conversation.scenario
    if scenario is None or conversation.ended:
        return []
    if conversation.followups_sent < len(scenario.followups):
        conversation.followups_sent += 1
        return [{"type": "text", "text": scenario.followups[conversation.followups_sent - 1]}]
    conversation.ended = True
    specs: list[dict[str, Any]] = [{"type": "text", "text": scenario.closing}]
    if scenario.react:
        specs.append({"type": "reaction", "emoji": scenario.react, "message_id": record.wamid})
    return specs


def choose(record: Outbound, template: Template | None,
           rng: random.Random) -> dict[str, Any] | None:
    """Tap one option of an interactive list / reply buttons / template quick replies."""
    context = {"context_message_id": record.wamid}
    if record.type == "template":
        options = quick_reply_payloads(template, record.request["template"]) if template else []
        if not options:
            return None
        label, payload = rng.choice(options)
        return {"type": "template_button", "payload": payload, "title": label, **context}
    interactive = record.request.get("interactive") or {}
    action = interactive.get("action") or {}
    if interactive.get("type") == "list":
        rows = [row for section in action.get("sections", []) for row in section.get("rows", [])]
        row = rng.choice(rows)
        return {"type": "list_reply", "id": row["id"], "title": row["title"],
                "description": row.get("description"), **context}
    if interactive.get("type") == "button":
        reply = rng.choice(action.get("buttons", []))["reply"]
        return {"type": "button_reply", "id": reply["id"], "title": reply["title"], **context}
    return None
