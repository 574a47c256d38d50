"""Our own write, kept with the run: ``sync_runs.expected_version`` and ``sync_runs.written_at``.

A run that wrote to a sheet after Drive showed nothing new records the Drive ``version`` the file will
show once it holds exactly that run's writes, and when they were made (docs/sync.md "Our own write").
Kept in memory before, so a restart — or, with several workers, another worker's tick — read every
client written before it once more: at 1,000 clients, 1,000 reads of one account's 60 a minute. Existing
runs get NULL (nothing known: the next cycle reads, as before).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expected_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("written_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("written_at")
        batch_op.drop_column("expected_version")
