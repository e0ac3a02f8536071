"""Connected channels: adding them, their decrypted connections, finding them by provider id,
and their credentials: marking a channel whose credentials the provider refused as needing
re-authorisation, and replacing them."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.crypto import Cipher
from ..core.errors import Problem
from .base import Connection
from .models import Channel


@dataclass(frozen=True)
class ChannelRef:
    """What the hot paths need to know about a channel, cached briefly per process."""

    id: int
    workspace_id: int
    kind: str
    external_id: str
    secrets: dict[str, Any]
    config: dict[str, Any]
    rate_limit_mps: float

    def connection(self) -> Connection:
        return Connection(self.external_id, self.config, self.secrets)


async def add_channel(session: AsyncSession, cipher: Cipher, *, workspace_id: int, kind: str,
                      external_id: str, display: str, config: dict[str, Any], secrets: dict[str, Any],
                      now: datetime, name: str = "", rate_limit_mps: float = 80.0) -> Channel:
    exists = (await session.execute(select(Channel.id).where(
        Channel.kind == kind, Channel.external_id == external_id))).scalar_one_or_none()
    if exists is not None:
        raise Problem(409, "channel_exists", f"A {kind} channel with id {external_id} is already connected")
    if rate_limit_mps <= 0:
        raise Problem(422, "invalid_rate_limit", "The rate limit must be above zero")
    blank = [key for key, value in secrets.items() if not str(value or "").strip()]
    if blank:
        # An empty app secret would make every webhook of the number fail its signature check.
        raise Problem(422, "missing_secret", f"{', '.join(blank)} must not be empty")
    channel = Channel(workspace_id=workspace_id, kind=kind, external_id=external_id, display=display,
                      name=name or display, config=config, secrets=cipher.encrypt(secrets),
                      rate_limit_mps=rate_limit_mps, health={"status": "unknown"}, created_at=now)
    session.add(channel)
    await session.flush()
    return channel


def ref(channel: Channel, cipher: Cipher) -> ChannelRef:
    return ChannelRef(channel.id, channel.workspace_id, channel.kind, channel.external_id,
                      cipher.decrypt(channel.secrets), dict(channel.config or {}), channel.rate_limit_mps)


class ChannelDirectory:
    """Looks channels up by (kind, provider id) or id, with a short, bounded cache of their
    decrypted secrets: webhooks arrive by the thousand and each needs the channel's app secret.
    ``forget()`` drops it when a channel changes in this process; other processes' changes
    are seen within ``ttl`` seconds."""

    def __init__(self, cipher: Cipher, ttl: float = 10.0, max_entries: int = 10_000):
        self.cipher, self.ttl, self.max_entries = cipher, ttl, max_entries
        self._cache: dict[tuple[str, str] | int, tuple[float, ChannelRef]] = {}
        self._secrets: dict[tuple[str, str], tuple[float, list[str]]] = {}

    def cached(self, kind: str, external_id: str) -> ChannelRef | None:
        """The channel if this process looked it up recently (no database round trip)."""
        hit = self._cache.get((kind, external_id))
        return hit[1] if hit and hit[0] > time.monotonic() else None

    async def by_external(self, session: AsyncSession, kind: str, external_id: str) -> ChannelRef | None:
        if "=" in external_id:
            found = await self.by_externals(session, kind, [external_id])
            return found[0] if found else None
        return await self._get(session, (kind, external_id),
                               select(Channel).where(Channel.kind == kind, Channel.external_id == external_id))

    async def by_externals(self, session: AsyncSession, kind: str, external_ids: list[str]) -> list[ChannelRef]:
        """The connected channels among ``external_ids``, in their order (one query for those
        not cached; ids of no channel are left out)."""
        found = {n: r for n in external_ids if (r := self.cached(kind, n))}
        by_config = [n for n in external_ids if n not in found and "=" in n]
        missing = [n for n in external_ids if n not in found and "=" not in n]
        if by_config:
            found.update(await self._by_config(session, kind, by_config))
        if missing:
            rows = await session.execute(select(Channel).where(Channel.kind == kind, Channel.external_id.in_(missing)))
            for channel in rows.scalars():
                found[channel.external_id] = self._keep((kind, channel.external_id), ref(channel, self.cipher))
        return [found[n] for n in external_ids if n in found]

    async def _by_config(self, session: AsyncSession, kind: str, routes: list[str]) -> dict[str, ChannelRef]:
        """Routing ids ``key=value``: the first channel (lowest id) of the kind whose config has
        that value (a provider account's own webhooks, e.g. WhatsApp's template updates, name the
        account, not a number). Rare: the kind's channels are read and matched here."""
        wanted = dict(r.split("=", 1) for r in routes)
        out: dict[str, ChannelRef] = {}
        for channel in (await session.execute(select(Channel).where(Channel.kind == kind)
                                              .order_by(Channel.id))).scalars():
            for key, value in wanted.items():
                route = f"{key}={value}"
                if route not in out and str((channel.config or {}).get(key)) == value:
                    out[route] = self._keep((kind, route), ref(channel, self.cipher))
        return out

    async def by_id(self, session: AsyncSession, channel_id: int) -> ChannelRef | None:
        return await self._get(session, channel_id, select(Channel).where(Channel.id == channel_id))

    async def _get(self, session: AsyncSession, key: Any, query: Any) -> ChannelRef | None:
        hit = self._cache.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        channel = (await session.execute(query)).scalar_one_or_none()
        if channel is None:
            return None  # misses are not cached: a channel connected a moment ago must be found
        return self._keep(key, ref(channel, self.cipher))

    def _keep(self, key: Any, value: ChannelRef) -> ChannelRef:
        if len(self._cache) >= self.max_entries:
            self._cache.clear()  # rare (more channels than entries): start over, not grow
        self._cache[key] = (time.monotonic() + self.ttl, value)
        return value

    async def secrets_of(self, session: AsyncSession, kind: str, name: str) -> list[str]:
        """Every value of secret ``name`` of a kind's channels (the webhook handshake's verify
        tokens, the signing secrets), kept ``ttl`` seconds: the callers answer anyone, at any
        rate, and a miss decrypts every channel of the kind."""
        hit = self._secrets.get((kind, name))
        if hit and hit[0] > time.monotonic():
            return hit[1]
        secrets = await secret_values(session, self.cipher, kind, name)
        self._secrets[(kind, name)] = (time.monotonic() + self.ttl, secrets)
        return secrets

    def forget(self) -> None:
        self._cache.clear()
        self._secrets.clear()


async def secret_values(session: AsyncSession, cipher: Cipher, kind: str, name: str) -> list[str]:
    """Every configured value of one secret of a kind's channels (the webhook handshake's
    verify tokens, the signing secrets)."""
    rows = (await session.execute(select(Channel.secrets).where(Channel.kind == kind))).scalars()
    return list(dict.fromkeys(v for v in (cipher.decrypt(s).get(name) for s in rows) if v))


REAUTH = "reauth_required"  # health status: the provider refused the channel's credentials


async def mark_reauth(session: AsyncSession, cipher: Cipher, ref: ChannelRef, *, code: int | None,
                      error: str, now: datetime) -> bool:
    """Mark the channel as needing re-authorisation, unless its secrets changed since ``ref``
    was read (the operator replaced the token meanwhile: the refusal is stale). The row is
    locked, so this and ``replace_secrets`` never interleave. Returns whether it was marked."""
    channel = (await session.execute(select(Channel).where(Channel.id == ref.id)
                                     .with_for_update())).scalar_one_or_none()
    if channel is None or cipher.decrypt(channel.secrets) != ref.secrets:
        return False
    channel.health = {"status": REAUTH, "checked_at": now.isoformat(), "error": error, "code": code}
    await session.flush()
    return True


async def replace_secrets(session: AsyncSession, cipher: Cipher, channel: Channel,
                          secrets: dict[str, Any], health: dict[str, Any]) -> None:
    """Store new credentials (keys not given keep their value) and the health they checked to."""
    locked = (await session.execute(select(Channel).where(Channel.id == channel.id)
                                    .with_for_update())).scalar_one()
    locked.secrets = cipher.encrypt({**cipher.decrypt(locked.secrets), **secrets})
    locked.health = health
    await session.flush()
