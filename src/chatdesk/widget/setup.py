"""Changing a web chat channel from Settings: its look (colour, greeting, position, language,
pre-chat form) and its widget secret (a new one shown once; visitor tokens and user hashes made
with the old one stop working)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.base import InvalidSettings
from ..channels.models import Channel
from ..channels.setup import get_channel
from ..channels.webchat.settings import WebchatSettings
from ..core.crypto import Cipher
from ..core.errors import Problem
from . import hours as business
from .access import KIND

LOOK = ("colour", "greeting", "position", "language", "prechat")


async def webchat_channel(session: AsyncSession, workspace_id: int, channel_id: int) -> Channel:
    channel = await get_channel(session, workspace_id, channel_id)
    if channel.kind != KIND:
        raise Problem(404, "not_found", "Web chat channel not found")
    return channel


def look_of(channel: Channel, form: Mapping[str, str]) -> dict[str, object]:
    """The posted look checked by the settings model (a bad value names its field)."""
    values = {"name": channel.display or "Web chat", "allowed_origin": channel.config.get("allowed_origins", []),
              **{k: form.get(k, "") for k in LOOK if k != "prechat"}, "prechat": form.get("prechat") == "on"}
    if form.get("allowed_origin", "").strip():
        values["allowed_origin"] = form["allowed_origin"]
    try:
        checked = WebchatSettings.from_values({k: v for k, v in values.items() if v != ""})
    except InvalidSettings as exc:
        raise Problem(422, "invalid_settings", f"{exc.field}: {exc.message}") from None
    return {**checked.to_row().config}


async def save_look(session: AsyncSession, workspace_id: int, channel_id: int, form: Mapping[str, str]) -> Channel:
    channel = await webchat_channel(session, workspace_id, channel_id)
    channel.config = look_of(channel, form)
    await session.flush()
    return channel


async def new_secret(session: AsyncSession, cipher: Cipher, workspace_id: int, channel_id: int) -> str:
    import secrets

    channel = await webchat_channel(session, workspace_id, channel_id)
    value = secrets.token_urlsafe(32)
    channel.secrets = cipher.encrypt({**cipher.decrypt(channel.secrets), "widget_secret": value})
    await session.flush()
    return value


async def hours_of(session: AsyncSession, workspace_id: int) -> dict[str, Any]:
    row = await session.get(business.BusinessHours, workspace_id)
    return dict(row.hours) if row else {}


async def save_hours(session: AsyncSession, workspace_id: int, form: Mapping[str, str], now: datetime) -> None:
    """The workspace's business hours from the form (every day empty: always open)."""
    try:
        hours = business.parse(dict(form))
    except ValueError as exc:
        raise Problem(422, "invalid_hours", str(exc)) from None
    row = await session.get(business.BusinessHours, workspace_id)
    if row is None:
        session.add(business.BusinessHours(workspace_id=workspace_id, hours=hours, updated_at=now))
    else:
        row.hours, row.updated_at = hours, now
    await session.flush()
