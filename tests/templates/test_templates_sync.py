"""Template sync outside the API: the CLI command, the job queued on connect, the hourly schedule."""
from __future__ import annotations

from sqlalchemy import func, select

from chatdesk import admin
from chatdesk.accounts.models import Workspace
from chatdesk.channels.models import Channel
from chatdesk.channels.templates.jobs import TEMPLATES_SCHEDULE, queue_sync
from chatdesk.channels.templates.models import MessageTemplate
from chatdesk.worker import SCHEDULES
from tests.cli.test_cli import cli, one_line_error  # noqa: F401  (cli is a fixture)


async def count(stack) -> int:
    async with stack.rt.db.reader() as session:
        return (await session.execute(select(func.count()).select_from(MessageTemplate))).scalar_one()


async def test_cli_sync_prints_the_counts(stack):
    async with stack.rt.db.reader() as session:
        slug = (await session.get(Workspace, stack.workspace_id)).slug
    said = await admin.sync_templates(stack.settings, slug, http=stack.http, migrate=False)
    total = await count(stack)
    assert total >= 5
    assert said == f"channel {stack.channel_id}: {total} templates ({total} new, 0 updated, 0 removed)"


def test_cli_sync_of_an_unknown_workspace_is_one_line(cli):  # noqa: F811
    assert cli("db", "upgrade").returncode == 0
    assert "nope" in one_line_error(cli("templates", "sync", "--workspace", "nope"))


async def test_connecting_a_channel_queues_its_sync(stack):
    assert await count(stack) == 0
    async with stack.rt.db.session() as session:
        queue_sync(session, await session.get(Channel, stack.channel_id), stack.clock.now())
    await stack.drain()
    assert await count(stack) >= 5


def test_templates_sync_every_hour():
    assert TEMPLATES_SCHEDULE in SCHEDULES and TEMPLATES_SCHEDULE.every == 3600
