"""Message templates of a workspace's channels: listing and search, the templates a send may
use, sync from the provider, create + submit (Meta's rules checked first) and status updates.

The provider side is the adapter's (``TemplateProvider``: list the account's templates, submit
one); this module keeps the ``message_templates`` rows. Like every service it only flushes:
the caller owns the transaction; network calls happen outside any transaction (``sync``,
``submit`` open their own short sessions).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ...core.errors import Problem
from ...core.runtime import Runtime
from ..base import ChannelError, Connection
from ..models import Channel
from ..service import ChannelRef
from . import rules
from .models import MessageTemplate

STATUSES = ("APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "PENDING_DELETION",
            "DELETED", "FLAGGED", "REINSTATED", "LIMIT_EXCEEDED", "ARCHIVED", "UNARCHIVED", "LOCKED")
APPROVED = "APPROVED"
LIST_MAX = 500


@runtime_checkable
class TemplateProvider(Protocol):
    """An adapter whose platform has message templates (WhatsApp)."""

    async def list_templates(self, conn: Connection) -> list[dict[str, Any]]: ...
    async def submit_template(self, conn: Connection, draft: dict[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class TemplateStatusUpdate:
    """What a template status or quality webhook says (``None``: not said)."""

    provider_id: str | None
    name: str | None
    language: str | None
    status: str | None = None
    reason: str | None = None
    quality: str | None = None


@dataclass(frozen=True)
class SyncResult:
    channel_id: int
    added: int
    updated: int
    removed: int

    @property
    def total(self) -> int:
        return self.added + self.updated


async def list_templates(session: AsyncSession, workspace_id: int, *, channel_id: int | None = None,
                         status: str | None = None, q: str | None = None, language: str | None = None,
                         limit: int = LIST_MAX) -> list[MessageTemplate]:
    """A workspace's templates by name and language; ``q`` finds a part of the name (any case)."""
    query = select(MessageTemplate).where(MessageTemplate.workspace_id == workspace_id)
    if channel_id is not None:
        query = query.where(MessageTemplate.channel_id == channel_id)
    if status:
        query = query.where(MessageTemplate.status == status.upper())
    if language:
        query = query.where(or_(MessageTemplate.language == language,
                                MessageTemplate.language.like(f"{_escaped(language)}\\_%", escape="\\")))
    if q:
        query = query.where(MessageTemplate.name.like(f"%{_escaped(q.strip().lower())}%", escape="\\"))
    query = query.order_by(MessageTemplate.name, MessageTemplate.language, MessageTemplate.id).limit(limit)
    return list((await session.execute(query)).scalars())


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def named(session: AsyncSession, channel_id: int, name: str) -> list[MessageTemplate]:
    """Every language of template ``name`` on the channel (the send check tells apart an
    unknown template, a language it lacks and one not approved)."""
    return list((await session.execute(select(MessageTemplate).where(
        MessageTemplate.channel_id == channel_id, MessageTemplate.name == name)
        .order_by(MessageTemplate.language))).scalars())


async def get_approved(session: AsyncSession, channel_id: int, name: str, language: str) -> MessageTemplate | None:
    found = (await session.execute(select(MessageTemplate).where(
        MessageTemplate.channel_id == channel_id, MessageTemplate.name == name,
        MessageTemplate.language == language))).scalar_one_or_none()
    return found if found is not None and found.status == APPROVED else None


def provider_of(rt: Runtime, kind: str) -> TemplateProvider:
    adapter = rt.registry.get(kind)
    if not isinstance(adapter, TemplateProvider):
        raise Problem(422, "templates_unsupported", f"{adapter.title} channels have no message templates")
    return adapter


async def store(session: AsyncSession, channel: ChannelRef, items: list[dict[str, Any]], now: datetime, *,
                complete: bool) -> SyncResult:
    """Rows for the provider's template objects (added or brought up to date); with
    ``complete`` (a whole account listed) the rows it no longer lists are removed."""
    rows = {(t.name, t.language): t for t in (await session.execute(select(MessageTemplate).where(
        MessageTemplate.channel_id == channel.id))).scalars()}
    added = updated = 0
    seen = set()
    for item in items:
        key = (str(item.get("name") or ""), str(item.get("language") or ""))
        if not all(key) or key in seen:
            continue
        seen.add(key)
        row = rows.get(key)
        if row is None:
            row = MessageTemplate(workspace_id=channel.workspace_id, channel_id=channel.id, name=key[0],
                                  language=key[1], created_at=now)
            session.add(row)
            added += 1
        else:
            updated += 1
        _fill(row, item, now)
    removed = [row.id for key, row in rows.items() if key not in seen] if complete else []
    if removed:
        await session.execute(delete(MessageTemplate).where(MessageTemplate.id.in_(removed)))
    await session.flush()
    return SyncResult(channel.id, added, updated, len(removed))


def _fill(row: MessageTemplate, item: dict[str, Any], now: datetime) -> None:
    row.category = str(item.get("category") or "UTILITY").upper()
    row.status = str(item.get("status") or "PENDING").upper()
    row.rejected_reason = _reason(item.get("rejected_reason")) if row.status == "REJECTED" else None
    quality = item.get("quality_score")
    row.quality = str(quality.get("score")) if isinstance(quality, dict) and quality.get("score") else row.quality
    row.parameter_format = str(item.get("parameter_format") or "POSITIONAL").upper()
    row.components = [c for c in item.get("components") or [] if isinstance(c, dict)]
    row.provider_id = str(item["id"]) if item.get("id") else row.provider_id
    row.synced_at = now
    row.updated_at = now


def _reason(value: Any) -> str | None:
    return str(value) if value and str(value).upper() != "NONE" else None


async def sync(rt: Runtime, channel: ChannelRef) -> SyncResult:
    """Fetch the channel's templates from the provider (no transaction held meanwhile), then
    store them in one short transaction. Raises ``ChannelError`` when the provider fails."""
    items = await provider_of(rt, channel.kind).list_templates(channel.connection())
    async with rt.db.session() as session:
        return await store(session, channel, items, rt.clock.now(), complete=True)


async def sync_workspace(rt: Runtime, workspace_id: int) -> list[SyncResult]:
    """Every template-capable channel of the workspace synced, one after the other."""
    async with rt.db.reader() as session:
        ids = list((await session.execute(select(Channel.id).where(
            Channel.workspace_id == workspace_id).order_by(Channel.id))).scalars())
        refs = [r for r in [await rt.channels.by_id(session, i) for i in ids] if r is not None]
    return [await sync(rt, ref) for ref in refs if isinstance(rt.registry.get(ref.kind), TemplateProvider)]


async def submit(rt: Runtime, channel: ChannelRef, draft: dict[str, Any]) -> MessageTemplate:
    """Check ``draft`` against Meta's rules (422 ``invalid_template`` with the field errors),
    submit it, and keep the row with the status the provider answered (PENDING, usually)."""
    errors = rules.check(draft)
    if errors:
        raise Problem(422, "invalid_template", "The template breaks the platform's rules",
                      f"{'.'.join(str(p) for p in errors[0]['loc'])}: {errors[0]['msg']}", errors=errors)
    wire = {"name": draft["name"], "language": draft["language"], "category": str(draft["category"]).upper(),
            "components": draft["components"]}
    if draft.get("parameter_format"):
        wire["parameter_format"] = str(draft["parameter_format"]).upper()
    try:
        answer = await provider_of(rt, channel.kind).submit_template(channel.connection(), wire)
    except ChannelError as exc:
        raise Problem(422 if exc.code is not None else 502, "template_refused",
                      "The platform refused the template", exc.detail or exc.title, provider_code=exc.code) from None
    item = {**wire, "id": answer.get("id"), "status": answer.get("status") or "PENDING",
            "category": answer.get("category") or wire["category"]}
    async with rt.db.session() as session:
        await store(session, channel, [item], rt.clock.now(), complete=False)
        row = (await session.execute(select(MessageTemplate).where(
            MessageTemplate.channel_id == channel.id, MessageTemplate.name == wire["name"],
            MessageTemplate.language == wire["language"]))).scalar_one()
        return row


async def apply_status(session: AsyncSession, workspace_id: int, channel_id: int, update: TemplateStatusUpdate,
                       now: datetime) -> int:
    """A template status (or quality) webhook: the rows it names are updated. Rows are found
    by the provider's id across the workspace's channels (one account may serve several
    numbers), else by name and language on the channel the webhook arrived for. Returns how
    many rows changed."""
    query = select(MessageTemplate).where(MessageTemplate.workspace_id == workspace_id)
    if update.provider_id:
        query = query.where(MessageTemplate.provider_id == update.provider_id)
    elif update.name and update.language:
        query = query.where(MessageTemplate.channel_id == channel_id, MessageTemplate.name == update.name,
                            MessageTemplate.language == update.language)
    else:
        return 0
    rows = list((await session.execute(query)).scalars())
    for row in rows:
        if update.status:
            row.status = update.status.upper()
            row.rejected_reason = _reason(update.reason) if row.status == "REJECTED" else None
        if update.quality:
            row.quality = update.quality.upper()
        row.updated_at = now
    await session.flush()
    return len(rows)
