"""messaging limits and costs (issue 10)

A WhatsApp number's messaging limit tier and quality rating (from Meta's
``phone_number_quality_update`` webhooks, or set by hand); whether an outbound message started a
business-initiated conversation (counted against the tier in a rolling 24 hours); a workspace's
own rates over the shipped rate card; its monthly budget, and the budget alerts already raised
(once per month and threshold); an index on messages by workspace and time (a period's costs).
Add-only: nullable columns and new tables; existing rows read as "not known" / "not initiated".

Revision ID: 0016
Revises: 0015
Written by hand.
"""
import sqlalchemy as sa
from alembic import op

import chatdesk.core.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None
# Expand only: nullable columns and new tables (the previous release ignores them).
compatible_with_previous = True

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = chatdesk.core.db.UTCDateTime(timezone=True)


def _ws_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=f"fk_{table}_workspace_id_workspaces",
                                   ondelete="CASCADE")


def upgrade() -> None:
    # plain ADD COLUMN (a batch copy of ``messages`` would drop its text-search triggers, 0005)
    op.add_column("channels", sa.Column("messaging_tier", sa.String(length=16), nullable=True))
    op.add_column("channels", sa.Column("quality_rating", sa.String(length=8), nullable=True))
    op.add_column("messages", sa.Column("initiated", sa.Boolean(), nullable=True))
    op.create_index("ix_messages_workspace_created", "messages", ["workspace_id", "created_at"])
    op.create_table(
        "rate_overrides",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("market", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("price_micros", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        _ws_fk("rate_overrides"),
        sa.PrimaryKeyConstraint("id", name="pk_rate_overrides"),
        sa.UniqueConstraint("workspace_id", "market", "category", "valid_from",
                            name="uq_rate_overrides_workspace_id_market_category_valid_from"),
    )
    op.create_table(
        "cost_budgets",
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("monthly_micros", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _ws_fk("cost_budgets"),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_cost_budgets"),
    )
    op.create_table(
        "budget_alerts",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        _ws_fk("budget_alerts"),
        sa.PrimaryKeyConstraint("id", name="pk_budget_alerts"),
        sa.UniqueConstraint("workspace_id", "month", "threshold",
                            name="uq_budget_alerts_workspace_id_month_threshold"),
    )


def downgrade() -> None:
    op.drop_table("budget_alerts")
    op.drop_table("cost_budgets")
    op.drop_table("rate_overrides")
    op.drop_index("ix_messages_workspace_created", table_name="messages")
    op.drop_column("messages", "initiated")
    op.drop_column("channels", "quality_rating")
    op.drop_column("channels", "messaging_tier")
