"""Connecting a channel from the browser: check the credentials against the provider first,
then save; and re-checking a channel's health later. The network check never runs inside a
database transaction: callers check, then open a session to save."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.crypto import Cipher
from ..core.db import get_in_workspace
from ..core.errors import Problem
from .base import ChannelError, Connection
from .models import Channel
from .registry import ChannelRegistry
from .service import add_channel


def whatsapp_connection(phone_number_id: str, waba_id: str, access_token: str, app_secret: str,
                        graph_url: str | None) -> Connection:
    """Validate the form's fields (before any network call) and build the adapter's connection."""
    for label, value in (("Phone number ID", phone_number_id), ("WhatsApp Business Account ID", waba_id)):
        if not value.isdigit():
            raise Problem(422, "invalid_id", f"{label} must be digits (Meta's numeric id)")
    if not access_token.strip() or not app_secret.strip():
        raise Problem(422, "missing_secret", "The access token and the app secret are both required")
    config: dict[str, Any] = {"waba_id": waba_id}
    if graph_url:
        if not graph_url.startswith(("http://", "https://")):
            raise Problem(422, "invalid_graph_url", "The Graph API URL must start with http:// or https://")
        config["graph_url"] = graph_url.rstrip("/")
    return Connection(phone_number_id, config, {"access_token": access_token.strip(),
                                                "app_secret": app_secret.strip()})


async def check(registry: ChannelRegistry, kind: str, conn: Connection, now: datetime) -> dict[str, Any]:
    """Ask the provider whether these credentials work; returns the health record to store."""
    try:
        info = await registry.get(kind).check(conn)
    except ChannelError as exc:
        return {"status": "error", "checked_at": now.isoformat(), "error": exc.title, "code": exc.code}
    except Exception as exc:  # network trouble: report it, do not crash the page
        return {"status": "error", "checked_at": now.isoformat(), "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"status": "ok", "checked_at": now.isoformat(), "verified_name": info.get("verified_name"),
            "display_phone_number": info.get("display_phone_number"), "quality_rating": info.get("quality_rating")}


async def save_checked(session: AsyncSession, cipher: Cipher, *, workspace_id: int, kind: str, conn: Connection,
                       health: dict[str, Any], name: str, now: datetime) -> Channel:
    """Store a channel whose check passed, with a fresh webhook verify token."""
    if health.get("status") != "ok":
        raise Problem(422, "check_failed", "The credentials did not work", health.get("error"))
    display = health.get("display_phone_number") or conn.external_id
    channel = await add_channel(session, cipher, workspace_id=workspace_id, kind=kind, external_id=conn.external_id,
                                display=display, config=conn.config, now=now, name=name.strip() or display,
                                secrets={**conn.secrets, "verify_token": secrets.token_urlsafe(18)})
    channel.health = health
    await session.flush()
    return channel


async def workspace_channels(session: AsyncSession, workspace_id: int) -> list[Channel]:
    return list((await session.execute(select(Channel).where(Channel.workspace_id == workspace_id)
                                       .order_by(Channel.id))).scalars())


async def get_channel(session: AsyncSession, workspace_id: int, channel_id: int) -> Channel:
    return await get_in_workspace(session, Channel, workspace_id, channel_id)


async def save_health(session: AsyncSession, workspace_id: int, channel_id: int, health: dict[str, Any]) -> None:
    (await get_channel(session, workspace_id, channel_id)).health = health
    await session.flush()
