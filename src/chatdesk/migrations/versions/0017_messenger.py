"""Messenger and Instagram profiles (issue 9)

The customer's picture, fetched from the Graph API into the media store (``contacts.avatar``:
its key), and when a channel identity's profile was last fetched
(``contact_identities.profile_checked_at``: fetched for each new identity, again after a week).
Nullable columns only: existing rows keep their data and read as "never fetched".

Revision ID: 0017
Revises: 0016
Written by hand.
"""
import sqlalchemy as sa
from alembic import op

import chatdesk.core.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None
# Expand only: nullable columns (no table rewrite, the previous release ignores them).
compatible_with_previous = True


def upgrade() -> None:
    op.add_column("contacts", sa.Column("avatar", sa.String(length=200), nullable=True))
    op.add_column("contact_identities", sa.Column("profile_checked_at",
                                                  chatdesk.core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("contact_identities", "profile_checked_at")
    op.drop_column("contacts", "avatar")
