"""message templates (issue 10): a channel's templates as the provider knows them

One row per (channel, name, language), synced from the WhatsApp Business Account and kept
current from the template status webhooks. A new table only.

Revision ID: 0014
Revises: 0013
Written by hand.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import chatdesk.core.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None
# Expand only: a new table the previous release never reads.
compatible_with_previous = True

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = chatdesk.core.db.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "message_templates",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("rejected_reason", sa.Text(), nullable=True),
        sa.Column("quality", sa.String(length=16), nullable=True),
        sa.Column("parameter_format", sa.String(length=16), nullable=False),
        sa.Column("components", JSON, nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("synced_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                                name="fk_message_templates_workspace_id_workspaces", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"],
                                name="fk_message_templates_channel_id_channels", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_message_templates"),
        sa.UniqueConstraint("channel_id", "name", "language", name="uq_message_templates_channel_id_name_language"),
    )
    op.create_index("ix_message_templates_workspace_id", "message_templates", ["workspace_id"])
    op.create_index("ix_message_templates_provider_id", "message_templates", ["provider_id"])


def downgrade() -> None:
    op.drop_table("message_templates")
