"""Conflicts can be resolved: when the cell's conflict note was taken off.

`sheetsync conflicts resolve` marks a conflict resolved in the store; the next sync of the client
takes the conflict's note off its cell and records that here, so the note is cleared once (and again
after a crash between the sheet write and this mark).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note_cleared_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_column("note_cleared_at")
