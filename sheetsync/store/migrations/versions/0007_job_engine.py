"""The job engine's tables, and the home-made lease table gone.

On PostgreSQL, several daemon workers run each client's sync as a procrastinate job (docs/operations.md):
this creates procrastinate's own schema (its ``schema.sql``, at the version sheetsync pins) so that
``sheetsync db upgrade`` is the one set-up step. SQLite stores (one process, no engine) get nothing
new. The ``leases`` table of the old lease code goes on both.

``sheetsync_ticks`` (used on PostgreSQL; empty on SQLite) holds, per periodic job, the newest tick that ran: procrastinate
defers a periodic job once per tick only while every worker defers in step (it forgets a tick as soon
as a newer one is deferred, so a lagging worker can defer an old tick again); claiming the tick here
in one statement makes "once per tick" hold whatever the workers do.

A database where procrastinate's tables already exist (someone ran ``procrastinate schema --apply``)
is left as it is.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        exists = bind.execute(sa.text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar_one()
        if not exists:
            from procrastinate.schema import SchemaManager

            # straight to the driver, with no parameters: the schema's plpgsql holds literal % signs
            cursor = bind.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(SchemaManager.get_schema())
    op.create_table(  # on SQLite too, where it stays empty: one schema for the models on both
        "sheetsync_ticks",
        sa.Column("job", sa.String(200), primary_key=True),
        sa.Column("tick", sa.BigInteger, nullable=False),
    )
    op.drop_table("leases")


def downgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.drop_table("sheetsync_ticks")
    # procrastinate's tables stay: dropping them would lose queued jobs; `procrastinate` documents removal
