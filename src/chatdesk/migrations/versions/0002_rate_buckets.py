"""rate_buckets: shared outbound pacing state (PostgreSQL scale-out)

One row per sending number (key ``<kind>:<external id>``): the earliest time its next message
may be sent, shared by every worker process (core/pg_ratelimit.py). Created on SQLite too so
both databases have the same schema; the embedded runtime keeps its buckets in memory.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import chatdesk.core.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_buckets',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('next_at', chatdesk.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_buckets'))
    )


def downgrade() -> None:
    op.drop_table('rate_buckets')
