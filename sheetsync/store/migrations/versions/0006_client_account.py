"""Which service account of the pool syncs each client (issue 16).

``clients.account``: the name of one of the config's ``[[backend.accounts]]``; NULL means the default
account (``[backend]`` itself), so every client of an existing store stays where it was.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account", sa.String(64), nullable=True))


def downgrade() -> None:
    # a plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): rebuilding `clients` would break the foreign keys
    # that point at it
    with op.batch_alter_table("clients", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("account")
