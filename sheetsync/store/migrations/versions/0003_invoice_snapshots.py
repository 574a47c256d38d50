"""The turnover sheet's weekly snapshots and the agency's own spreadsheets.

`invoice_snapshots` keeps each invoice of a month as it stood on the snapshot day (before the
Wednesday meeting), so `sheetsync invoices diff` can show "what we expected last Wednesday
against now". `agency_spreadsheets` remembers the turnover spreadsheet's id (one per agency).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invoice_key", sa.String(length=20), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=False),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("moves", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_snapshots")),
        sa.UniqueConstraint("month", "taken_on", "invoice_key",
                            name=op.f("uq_invoice_snapshots_month_taken_on_invoice_key")),
    )
    with op.batch_alter_table("invoice_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_snapshots_month_taken_on"), ["month", "taken_on"], unique=False)
    op.create_table(
        "agency_spreadsheets",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("spreadsheet_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_agency_spreadsheets")),
    )


def downgrade() -> None:
    op.drop_table("agency_spreadsheets")
    with op.batch_alter_table("invoice_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_snapshots_month_taken_on"))
    op.drop_table("invoice_snapshots")
