"""web chat: business hours per workspace (issue 11)

When the web chat widget offers a live chat and when its offline form, in the workspace's time
zone. A new table only: a workspace without a row is always open, as before.

Revision ID: 0019
Revises: 0018
Written by hand.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

import chatdesk.core.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None
# Expand only: a new table the previous release ignores.
compatible_with_previous = True

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = chatdesk.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "business_hours",
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("hours", sa.JSON().with_variant(JSONB(astext_type=sa.Text()), "postgresql"), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_business_hours_workspace_id_workspaces",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_business_hours"),
    )


def downgrade() -> None:
    op.drop_table("business_hours")
