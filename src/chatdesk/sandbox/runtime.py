"""The ``Sandbox`` runtime: owns the state, stores and background workers of one sandbox app.

``start()`` launches the webhook dispatcher, the verify handshake against the webhook target and
the persona simulator (statuses are scheduled per message as sends are accepted); ``stop()``
cancels every background task and closes the webhook client if the sandbox created it.
``reset()`` forgets everything that happened.
"""
from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from .catalog import TemplateCatalog
from .config import SandboxConfig
from .faults import FaultModes
from .handshake import WebhookTarget
from .media import MediaStore
from .personas import PERSONAS
from .ratelimit import SendLimiter
from .simulator import PersonaSimulator
from .social.simulator import SocialSimulator
from .social.world import SocialWorld
from .state import Customer, SandboxState
from .statuses import StatusScheduler
from .webhooks import WebhookDispatcher


def utc_now() -> datetime:
    return datetime.now(UTC)


class Sandbox:
    def __init__(self, config: SandboxConfig, *, webhook_client: httpx.AsyncClient | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.config = config
        self.clock = clock or utc_now
        self.state = SandboxState(config, self.clock)
        self.media = MediaStore(config.app_secret)
        self.catalog = TemplateCatalog()
        self.limiter = SendLimiter()
        self.webhooks = WebhookDispatcher(config.webhook_url, config.app_secret,
                                          tuple(config.webhook_retry), self.clock, webhook_client)
        self.target = WebhookTarget(config.webhook_url, config.verify_token,
                                    lenient=config.deliver_unverified,
                                    timeout=config.handshake_timeout, clock=self.clock)
        self.webhooks.gate = self.target.allows
        self.faults = self._configured_faults()
        self.webhooks.unreachable = lambda: self.faults.webhook_unreachable
        self._handshake: asyncio.Task[bool] | None = None
        self.statuses = StatusScheduler(self.state, self.webhooks, config.status_delays,
                                        self.clock)
        self.simulator = PersonaSimulator(self)
        self.social = SocialWorld(self, webhook_client)
        self.social_simulator = SocialSimulator(self)
        self.running = False
        # phone_number_id -> its tier and quality rating as last set (quality.py)
        self.number_quality: dict[str, dict[str, str | None]] = {}
        self._add_personas()

    def _configured_faults(self) -> FaultModes:
        """The fault modes of the configuration, rolling dice seeded like the rest of the sandbox."""
        seed = self.config.faults.seed if self.config.faults.seed is not None else self.config.seed
        return dataclasses.replace(self.config.faults, seed=seed)

    def _add_personas(self) -> None:
        for persona in PERSONAS:
            self.state.customers[persona.wa_id] = Customer(
                wa_id=persona.wa_id, name=persona.name, language=persona.language,
                read_receipts=persona.read_receipts, persona=True, username=persona.username,
                has_phone=persona.has_phone)

    async def start(self) -> None:
        if self.running:
            return
        self.running = True
        await self.webhooks.start()
        self._handshake = asyncio.create_task(self.target.verify(self.webhooks.client),
                                              name="sandbox-handshake")
        await self.simulator.start()
        await self.social.start()
        await self.social_simulator.start()

    async def configure_webhook(self, url: str, verify_token: str | None) -> bool:
        """Point webhooks somewhere else (or re-check the same URL): the handshake runs again."""
        if self._handshake is not None:
            self._handshake.cancel()
        self.webhooks.url = url
        self.target.reconfigure(url, verify_token)
        self._handshake = asyncio.create_task(self.target.verify(self.webhooks.client),
                                              name="sandbox-handshake")
        return await asyncio.shield(self._handshake)

    async def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        if self._handshake is not None:
            self._handshake.cancel()
            await asyncio.gather(self._handshake, return_exceptions=True)
        await self.simulator.stop()
        await self.social_simulator.stop()
        await self.social.receipts.cancel()
        await self.statuses.stop()
        await self.webhooks.stop()
        await self.social.stop()

    async def reset(self) -> None:
        """Back to the configured start: no messages, no customers but the personas."""
        await self.statuses.stop()
        self.state.reset()
        self.faults = self._configured_faults()
        self.media.reset()
        self.catalog.reset()
        self.limiter.reset()
        self.webhooks.reset()
        self.statuses.reset()
        self.simulator.reset()
        await self.social.receipts.cancel()
        self.social.reset()
        self.social_simulator.reset()
        self._add_personas()
