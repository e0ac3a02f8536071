"""Instagram message ids (issue 9)

Instagram's message ids are longer than WhatsApp's and Messenger's (the recorded ones have 152
characters): ``messages.provider_message_id`` and ``delivery_statuses.provider_message_id`` widen
from 128 to 255. Widening only, on PostgreSQL; SQLite does not enforce a VARCHAR length (and a
batch copy of ``messages`` would drop its text-search triggers, migration 0005).

Revision ID: 0018
Revises: 0017
Written by hand.
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None
# Expand only: a wider column takes every value the previous release writes.
compatible_with_previous = True

COLUMNS = (("messages", "provider_message_id"), ("delivery_statuses", "provider_message_id"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.String(length=255), existing_type=sa.String(length=128))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.String(length=128), existing_type=sa.String(length=255))
