"""Administrative operations used by the CLI and the demo: each opens the database, runs one
service call in a transaction, and returns what to print."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from .accounts import service as accounts
from .channels import service as channels
from .channels.keycheck import key_problem, newest_secrets
from .channels.registry import adapter_class
from .channels.templates.jobs import queue_sync
from .core.clock import SystemClock
from .core.crypto import BadSecretKey, Cipher
from .core.db import Database
from .core.migrate import upgrade_async
from .core.settings import Settings

T = TypeVar("T")


async def in_transaction(s: Settings, fn: Callable[[AsyncSession], Awaitable[T]], *, migrate: bool = True) -> T:
    s.ensure_data_dir()
    if migrate and s.is_sqlite:  # embedded: keep the schema current without a separate step
        await upgrade_async(s.db_url)
    db = Database(s.db_url)
    try:
        async with db.session() as session:
            return await fn(session)
    finally:
        await db.dispose()


async def create_workspace(s: Settings, name: str, *, timezone: str = "UTC", migrate: bool = True) -> str:
    async def do(session: AsyncSession) -> str:
        return (await accounts.create_workspace(session, name, now=SystemClock().now(), timezone=timezone)).slug
    return await in_transaction(s, do, migrate=migrate)


async def create_user(s: Settings, email: str, slug: str, role: str, password: str | None, *,
                      migrate: bool = True, name: str = "") -> str:
    async def do(session: AsyncSession) -> str:
        workspace = await accounts.workspace_by_slug(session, slug)
        # the operator owns every account: here (only) a password replaces an existing one
        user = await accounts.add_user(session, workspace, email, role, now=SystemClock().now(), password=password,
                                       reset_password=True, name=name)
        return f"{user.email} is {role} of {workspace.slug}"
    return await in_transaction(s, do, migrate=migrate)


async def create_token(s: Settings, slug: str, name: str = "", *, migrate: bool = True) -> str:
    async def do(session: AsyncSession) -> str:
        workspace = await accounts.workspace_by_slug(session, slug)
        return await accounts.create_token(session, workspace, now=SystemClock().now(), name=name)
    return await in_transaction(s, do, migrate=migrate)


async def add_channel(s: Settings, kind: str, slug: str, values: Mapping[str, Any], *, migrate: bool = True) -> str:
    """Connect a channel of any kind from its settings (raises ``InvalidSettings`` naming the bad
    field, ``UnknownChannelKind``); no network call."""
    row = adapter_class(kind).validate(values).to_row()
    key = s.stored_key()

    async def do(session: AsyncSession) -> str:
        # a lost key must not be replaced by a new one that then encrypts only this channel
        problem = key_problem(Cipher(key) if key else None, await newest_secrets(session))
        if problem:
            raise BadSecretKey(problem)
        cipher = Cipher(s.encryption_key())
        workspace = await accounts.workspace_by_slug(session, slug)
        channel = await channels.add_channel(
            session, cipher, workspace_id=workspace.id, kind=kind, external_id=row.external_id,
            display=row.display, config=row.config, secrets=row.secrets, now=SystemClock().now(),
            rate_limit_mps=row.rate_limit_mps)
        queue_sync(session, channel, SystemClock().now())
        added = f"channel {channel.id} ({kind} {row.display}) added to {workspace.slug}"
        # a kind may have a next step to print (web chat: the snippet that embeds it)
        note = getattr(adapter_class(kind), "setup_note", None)
        return f"{added}\n{note(row, s.public_url or 'http://localhost:8000')}" if note else added
    return await in_transaction(s, do, migrate=migrate)


async def reauthorise_channel(s: Settings, slug: str, channel_id: int, secrets: Mapping[str, str], *,
                              migrate: bool = True) -> str:
    """Replace a channel's credentials (the ones given; no network call) and send what waited
    for them."""
    from .channels.setup import get_channel
    from .conversations.parking import reauthorise

    cipher = Cipher(s.encryption_key())

    async def do(session: AsyncSession) -> str:
        workspace = await accounts.workspace_by_slug(session, slug)
        channel = await get_channel(session, workspace.id, channel_id)
        now = SystemClock().now()
        queued = await reauthorise(session, cipher, channel, dict(secrets), {"status": "unknown"}, now)
        return f"channel {channel.id} credentials replaced; {queued} waiting message(s) queued again"
    return await in_transaction(s, do, migrate=migrate)


async def replay_events(s: Settings, since: datetime, until: datetime, slug: str | None, *,
                        run_now: bool = False, migrate: bool = True) -> str:
    """Queue the webhook bodies received in ``[since, until)`` for processing again; with
    ``run_now``, process them in this process before returning (no worker needed)."""
    from . import models  # noqa: F401  every table, so foreign keys resolve
    from .app import build_runtime
    from .channels.jobs import INBOUND_PROCESS
    from .channels.replay import replay_inbound
    from .conversations.ingest import inbound_handler
    from .core.runner import Handlers, Wakeup, Worker

    s.ensure_data_dir()
    if migrate and s.is_sqlite:
        await upgrade_async(s.db_url)
    rt = build_runtime(s)
    try:
        workspace_id = None
        if slug is not None:
            async with rt.db.reader() as session:
                workspace_id = (await accounts.workspace_by_slug(session, slug)).id
        count = await replay_inbound(rt.db, since=since, until=until, now=rt.clock.now(), workspace_id=workspace_id)
        if not run_now:
            return (f"{count} stored webhook bodies queued for processing again; a running worker "
                    "(chatdesk serve or chatdesk worker) processes them, or run again with --now")
        worker = Worker(rt.db, rt.clock, Handlers(batch={INBOUND_PROCESS: inbound_handler(rt)}),
                        wakeup=Wakeup(rt.db), batch_size=s.worker_batch, lease=s.job_lease_seconds)
        await worker.drain(rounds=1_000_000)
        return f"{count} stored webhook bodies processed again"
    finally:
        await rt.http.aclose()
        await rt.db.dispose()


async def sending(s: Settings, action: str, *, by: str, reason: str | None = None, migrate: bool = True) -> str:
    """``chatdesk sending pause|resume|status``: the switch every process reads (within seconds)."""
    from .core import sending_pause
    from .worker import SENDING_KINDS

    async def do(session: AsyncSession) -> str:
        if action == "status":
            state = await sending_pause.read(session)
        else:
            state = await sending_pause.switch(session, action == "pause", by=by, now=SystemClock().now(),
                                               reason=reason)
        return sending_pause.describe(state, await sending_pause.waiting(session, sorted(SENDING_KINDS)))
    return await in_transaction(s, do, migrate=migrate)


async def sync_templates(s: Settings, slug: str, *, http: Any = None, migrate: bool = True) -> str:
    """``chatdesk templates sync``: every template-capable channel of the workspace synced from
    its provider; one line of counts per channel. A provider's refusal is a ``Problem``."""
    from . import models  # noqa: F401  every table, so foreign keys resolve
    from .app import build_runtime
    from .channels.base import ChannelError
    from .channels.templates import service as templates
    from .core.errors import Problem

    s.ensure_data_dir()
    if migrate and s.is_sqlite:
        await upgrade_async(s.db_url)
    rt = build_runtime(s, http=http)
    try:
        async with rt.db.reader() as session:
            workspace_id = (await accounts.workspace_by_slug(session, slug)).id
        try:
            results = await templates.sync_workspace(rt, workspace_id)
        except ChannelError as exc:
            raise Problem(502, "sync_failed", "sync failed",
                          f"the provider did not list the templates: {exc}") from None
        lines = [f"channel {r.channel_id}: {r.total} templates ({r.added} new, {r.updated} updated, "
                 f"{r.removed} removed)" for r in results]
        return "\n".join(lines) or "no channel with templates in this workspace"
    finally:
        if http is None:
            await rt.http.aclose()
        await rt.db.dispose()


async def set_channel_limits(s: Settings, slug: str, channel_id: int, tier: str | None, quality: str | None, *,
                             migrate: bool = True) -> str:
    """Set a number's messaging limit tier and/or quality rating by hand."""
    from .channels.setup import get_channel
    from .conversations.messaging_limits import set_quality

    async def do(session: AsyncSession) -> str:
        workspace = await accounts.workspace_by_slug(session, slug)
        channel = await get_channel(session, workspace.id, channel_id)
        set_quality(session, channel, tier=tier, quality=quality)
        return (f"channel {channel.id}: tier {channel.messaging_tier or 'unknown'}, "
                f"quality {channel.quality_rating or 'unknown'}")
    return await in_transaction(s, do, migrate=migrate)


async def set_cost_settings(s: Settings, slug: str, *, budget: str | None = None, clear_budget: bool = False,
                            rate: tuple[str, str, str, Any] | None = None, migrate: bool = True) -> str:
    """A workspace's monthly budget, or one of its own rates (market, category, price, from)."""
    from .conversations import budgets, pricing

    async def do(session: AsyncSession) -> str:
        workspace = await accounts.workspace_by_slug(session, slug)
        currency = pricing.shipped_card().currency
        if rate is not None:
            market, category, price, valid_from = rate
            await budgets.set_rate(session, workspace.id, market, category, price, valid_from)
            return f"{market.upper()} {category.lower()}: {currency} {price} per message from {valid_from}"
        micros = await budgets.set_budget(session, workspace.id, None if clear_budget else budget,
                                          SystemClock().now())
        return "budget removed" if micros is None else f"monthly budget {pricing.money(micros, currency)}"
    return await in_transaction(s, do, migrate=migrate)


async def with_workspace_db(s: Settings, slug: str, fn: Callable[[Database, int], Awaitable[T]], *,
                            migrate: bool = True) -> T:
    """Run ``fn(db, workspace_id)`` with its own transactions (``chatdesk contacts import|export``
    commit in batches, not in one transaction)."""
    from . import models  # noqa: F401  every table, so foreign keys resolve

    s.ensure_data_dir()
    if migrate and s.is_sqlite:
        await upgrade_async(s.db_url)
    db = Database(s.db_url)
    try:
        async with db.reader() as session:
            workspace_id = (await accounts.workspace_by_slug(session, slug)).id
        return await fn(db, workspace_id)
    finally:
        await db.dispose()
