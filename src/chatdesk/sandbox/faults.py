"""Standing fault modes of the sandbox: how unreliable Meta is right now, until switched off.

One-shot faults (the next N sends answer X) live in ``state.Fault``; these are modes that hold
for every call while on: a fraction of message sends answering an error (``error_rate``, code
131000 / HTTP 500 by default, or 130429, or any code), added latency, timeouts (the send is
handled, and its answer comes only after ``hang_seconds``, past any sane client timeout: the
client cannot tell whether it went out), slow media downloads (``media_latency``: the
WhatsApp media URL and the Messenger / Instagram attachment CDN), and an unreachable webhook
endpoint (every delivery attempt fails as a refused connection would, and the dispatcher's retry
schedule runs as Meta's does). An expired token is not a mode: set ``token_expires_at`` (or another token) on the
number through ``POST /_sandbox/numbers``.
"""
from __future__ import annotations

import asyncio
import random
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import http_status_of


@dataclass
class FaultModes:
    error_rate: float = 0.0          # fraction of message sends answering ``error_code``
    error_code: int = 131000
    http_status: int | None = None   # None: the code's own (500 for 131000, 400 for 130429)
    latency: float = 0.0             # seconds added before every message send is handled
    media_latency: float = 0.0       # seconds before a media download answers (a slow CDN)
    timeout_rate: float = 0.0        # fraction of sends handled, then answered ``hang_seconds`` late
    hang_seconds: float = 60.0
    webhook_unreachable: bool = False
    seed: int | None = None          # None: the sandbox's seed
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def roll_error(self) -> bool:
        return self.error_rate > 0 and self._rng.random() < self.error_rate

    def roll_timeout(self) -> bool:
        return self.timeout_rate > 0 and self._rng.random() < self.timeout_rate

    async def slow_media(self) -> None:
        """Before a media download answers: the CDN's delay while ``media_latency`` is on."""
        if self.media_latency:
            await asyncio.sleep(self.media_latency)

    def status(self) -> int:
        return self.http_status or http_status_of(self.error_code)

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        data["http_status"] = self.status()
        return data

    @property
    def active(self) -> bool:
        return bool(self.error_rate or self.latency or self.media_latency or self.timeout_rate
                    or self.webhook_unreachable)
