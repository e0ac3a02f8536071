"""Monthly budget alerts (pure thresholds, then once per month and threshold with an event), and
the CLI that sets a number's tier, the budget and a workspace's own rates."""
from __future__ import annotations

import pytest

from chatdesk.conversations import budgets, cost_report
from chatdesk.core.events import read_after
from tests.cli.test_cli import one_line_error
from tests.costs.test_costs_api import DAY, clock, day_of_traffic  # noqa: F401  (clock is a fixture)


@pytest.mark.parametrize("spent,budget,raised,new", [
    (0, 1000, set(), []), (799, 1000, set(), []), (800, 1000, set(), [80]), (1000, 1000, set(), [80, 100]),
    (1000, 1000, {80}, [100]), (5000, 1000, {80, 100}, []), (100, None, set(), []), (100, 0, set(), []),
])
def test_thresholds(spent, budget, raised, new):
    assert budgets.crossed(spent, budget, raised) == new


async def test_alerts_are_raised_once_per_month_and_threshold(stack):
    await day_of_traffic(stack)  # USD 0.2597 this month
    now = stack.clock.now()
    async with stack.rt.db.session() as s:
        assert await budgets.check(s, stack.workspace_id, now) == []  # no budget: nothing
        await budgets.set_budget(s, stack.workspace_id, "0.30", now)
        assert await cost_report.month_spend(s, stack.workspace_id, now.date()) == 259_700
        assert await budgets.check(s, stack.workspace_id, now) == [80]
    async with stack.rt.db.session() as s:
        assert await budgets.check(s, stack.workspace_id, now) == []
        await budgets.set_budget(s, stack.workspace_id, "0.25", now)
        assert await budgets.check(s, stack.workspace_id, now) == [100]
    async with stack.rt.db.reader() as s:
        alerts = [e for e in await read_after(s, stack.workspace_id, 0, 1000) if e["type"] == "costs.budget_alert"]
    assert [(a["month"], a["threshold"]) for a in alerts] == [(DAY.strftime("%Y-%m"), 80), ("2026-11", 100)]


def test_the_cli_sets_tier_budget_and_rates_and_refuses_bad_input_in_one_line(cli):
    assert cli("db", "upgrade").returncode == 0
    slug = cli("workspace", "create", "Limits Shop").stdout.strip()
    assert "limits" in cli("channel", "--help").stdout and "budget" in cli("costs", "--help").stdout
    done = cli("costs", "budget", "--workspace", slug, "--amount", "250")
    assert done.returncode == 0 and done.stdout.strip() == "monthly budget USD 250.0000", done.stderr
    done = cli("costs", "rate", "--workspace", slug, "--market", "nl", "--category", "Marketing",
               "--price", "0.12", "--from", "2026-01-01")
    assert done.returncode == 0 and done.stdout.startswith("NL marketing: USD 0.12"), done.stderr
    assert "two-letter" in one_line_error(cli("costs", "rate", "--workspace", slug, "--market", "NLD",
                                              "--category", "marketing", "--price", "1", "--from", "2026-01-01"))
    assert "not a number" in one_line_error(cli("costs", "budget", "--workspace", slug, "--amount", "lots"))
    assert "tier" in one_line_error(cli("channel", "limits", "--channel", "1", "--workspace", slug))
    assert "not found" in one_line_error(cli("channel", "limits", "--channel", "99", "--workspace", slug,
                                             "--tier", "TIER_2K"))


async def test_the_cli_command_behind_channel_limits_sets_the_tier(bare):
    from chatdesk import admin
    from chatdesk.channels.models import Channel

    said = await admin.set_channel_limits(bare.settings, "test-shop", bare.channel_id, "TIER_10K", "YELLOW",
                                          migrate=False)
    assert said == f"channel {bare.channel_id}: tier TIER_10K, quality YELLOW"
    async with bare.rt.db.reader() as s:
        channel = await s.get_one(Channel, bare.channel_id)
        assert (channel.messaging_tier, channel.quality_rating) == ("TIER_10K", "YELLOW")
