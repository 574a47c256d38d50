"""Metric values carry their reporting period; the change log is indexed for per-task queries.

A value on the metrics sheet belongs to a week or a month; 0001 only had its date, so views had to
recompute the month on every read. Existing values get the month of their date.
`ix_change_log_entity_entity_key_id` makes `sheetsync log --task` and restore cheap.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("metric_values", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period", sa.String(length=8), nullable=True))
        batch_op.create_index(batch_op.f("ix_metric_values_period"), ["period"], unique=False)

    values = sa.table("metric_values", sa.column("id", sa.Integer), sa.column("date", sa.Date),
                      sa.column("period", sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(values.c.id, values.c.date).where(values.c.period.is_(None))).all()
    for row_id, day in rows:
        conn.execute(values.update().where(values.c.id == row_id).values(period=f"{day:%Y-%m}"))

    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_log_entity_entity_key_id"), ["entity", "entity_key", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_log_entity_entity_key_id"))
    with op.batch_alter_table("metric_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metric_values_period"))
        batch_op.drop_column("period")
