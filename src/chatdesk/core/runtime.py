"""The running process's shared parts, built once by a composition root (app.py, worker.py,
cli.py) and handed to routes (``runtime(request)``) and job handlers."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx
from fastapi import Request

from .clock import Clock
from .crypto import Cipher
from .db import Database
from .events import EventBus
from .ratelimit import RateLimiter
from .sending_pause import PauseSwitch
from .settings import Settings

if TYPE_CHECKING:  # typing only: core does not depend on the channels layer at run time
    from ..channels.registry import ChannelRegistry
    from ..channels.service import ChannelDirectory


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    cipher: Cipher
    bus: EventBus
    http: httpx.AsyncClient
    registry: ChannelRegistry
    channels: ChannelDirectory
    limiter: RateLimiter
    # set when the process is told to stop (SIGTERM): live streams end so the server can exit
    draining: asyncio.Event = field(default_factory=asyncio.Event)
    # the operator's switch that holds outbound sending (read from the database, shared by all)
    sending: PauseSwitch = field(init=False)

    def __post_init__(self) -> None:
        self.sending = PauseSwitch(self.db)


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def use_runtime(request: Request) -> Runtime:
    """The runtime as a FastAPI dependency. Async on purpose: FastAPI runs a plain ``def``
    dependency in its thread pool, a thread hop on every request."""
    return request.app.state.runtime
