"""Connecting a channel from the browser (any kind: the form is its settings model): check the
credentials against the provider first, then save; and re-checking a channel's health later.
The network check never runs inside a database transaction: callers check, then open a
session to save."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.crypto import Cipher
from ..core.db import get_in_workspace
from ..core.errors import Problem
from .base import ChannelError, ChannelSettings, Connection, InvalidSettings
from .models import Channel
from .registry import ChannelRegistry, UnknownChannelKind, adapter_class
from .service import add_channel

log = logging.getLogger("chatdesk.channels.setup")
UNREACHABLE = "The provider could not be reached or did not answer as expected"


@dataclass(frozen=True)
class FormField:
    """One input of a kind's connect form, read off its settings model."""

    name: str
    title: str
    help: str | None
    required: bool
    secret: bool
    wide: bool
    input_type: str  # text | password | url
    numeric: bool
    placeholder: str | None


@dataclass(frozen=True)
class ConnectForm:
    kind: str
    title: str
    fields: list[FormField]


def connect_forms(kinds: list[str]) -> list[ConnectForm]:
    """The connect form of each kind, in the registry's order."""
    forms = []
    for kind in kinds:
        adapter = adapter_class(kind)
        model = adapter.settings_model
        forms.append(ConnectForm(kind, adapter.title, [_form_field(model, name) for name in model.form_fields()]))
    return forms


def _form_field(model: type[ChannelSettings], name: str) -> FormField:
    field = model.model_fields[name]
    secret = bool(model.flag(name, "secret"))
    return FormField(name=name, title=field.title or name, help=field.description, required=field.is_required(),
                     secret=secret, wide=bool(model.flag(name, "wide")), numeric=bool(model.flag(name, "numeric")),
                     input_type="password" if secret else "url" if model.flag(name, "url") else "text",
                     placeholder=model.flag(name, "placeholder"))


def form_settings(kind: str, values: Mapping[str, str]) -> ChannelSettings:
    """Validate the connect form of a kind (before any network call): the fields the form
    asks for; the others keep their defaults (a generated verify token...)."""
    try:
        adapter = adapter_class(kind)
    except UnknownChannelKind:
        raise Problem(422, "unknown_channel_kind", f"No channel kind {kind!r}") from None
    fields = adapter.settings_model.model_fields
    # an optional field left empty takes its default
    asked = {name: values.get(name, "") for name in adapter.settings_model.form_fields()}
    try:
        return adapter.validate({k: v for k, v in asked.items() if v or fields[k].is_required()})
    except InvalidSettings as exc:
        title = fields[exc.field].title if exc.field in fields else exc.field
        raise Problem(422, "invalid_settings", f"{title} {exc.message}") from None


async def check(registry: ChannelRegistry, kind: str, conn: Connection, now: datetime) -> dict[str, Any]:
    """Ask the provider whether these credentials work; returns the health record to store."""
    try:
        facts = await registry.get(kind).health(conn)
        return {"status": "ok", "checked_at": now.isoformat(), **facts}
    except ChannelError as exc:
        if exc.code is not None:  # the provider's own answer about these credentials
            return {"status": "error", "checked_at": now.isoformat(), "error": exc.title, "code": exc.code}
        log.warning("%s credential check failed: %s", kind, exc)
    except Exception as exc:  # network trouble: logged for the operator, not shown
        log.warning("%s credential check failed: %s: %s", kind, type(exc).__name__, exc)
    # One sentence for every failure that is not the provider's: what a port or a service
    # answered must not be readable through this form.
    return {"status": "error", "checked_at": now.isoformat(), "error": UNREACHABLE}


def with_health(settings: ChannelSettings, health: dict[str, Any]) -> ChannelSettings:
    """Settings left blank that the health check reports (WhatsApp: the display number) are
    taken from it."""
    fill = {key: value for key, value in health.items()
            if key in type(settings).model_fields and value and not getattr(settings, key)}
    return settings.model_copy(update=fill) if fill else settings


async def save_checked(session: AsyncSession, cipher: Cipher, *, workspace_id: int, kind: str,
                       settings: ChannelSettings, health: dict[str, Any], name: str, now: datetime) -> Channel:
    """Store a channel whose check passed."""
    if health.get("status") != "ok":
        raise Problem(422, "check_failed", "The credentials did not work", health.get("error"))
    row = with_health(settings, health).to_row()
    channel = await add_channel(session, cipher, workspace_id=workspace_id, kind=kind, external_id=row.external_id,
                                display=row.display, config=row.config, secrets=row.secrets, now=now,
                                name=name.strip() or row.display, rate_limit_mps=row.rate_limit_mps)
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
