"""One Sheets request budget for all workers on a PostgreSQL store.

`quota_windows` holds, per scope (``user:<email>`` or ``project:<key>``) and kind (read, write,
drive), the database times of the requests taken in the last window and a 429 pause. On PostgreSQL
two functions work on it, each called as ONE statement by sheetsync/store/quota.py:

* ``sheetsync_quota_take(scope, kind, lim, window_seconds, project_scope, project_lim)`` locks the
  user's row, then the project's (always in that order, so takers never deadlock), reads
  ``clock_timestamp()`` only once it holds both locks, drops the stamps older than the window, and
  either appends that time to both rows and returns 0, or changes nothing and returns the seconds
  until both windows have room and the pause is over (a request fits both or is charged to neither).
* ``sheetsync_quota_pause(scope, kind, seconds)``: no request of ``kind`` in ``scope`` until the
  database's now + ``seconds`` (a later pause is never shortened).

On SQLite (one process per store) the table is created so the schema is the same, and stays empty.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TAKE = """
CREATE OR REPLACE FUNCTION sheetsync_quota_take(scope text, kind text, lim integer,
                                                window_seconds double precision,
                                                project_scope text, project_lim integer)
RETURNS double precision
LANGUAGE plpgsql
AS $fn$
DECLARE
    win constant interval := make_interval(secs => window_seconds);
    u quota_windows%ROWTYPE;
    p quota_windows%ROWTYPE;
    t timestamptz;
    us timestamptz[];
    ps timestamptz[];
    wait double precision := 0;
BEGIN
    -- lock the user's row, then the project's: every taker locks in this order
    SELECT * INTO u FROM quota_windows w
     WHERE w.scope = sheetsync_quota_take.scope AND w.kind = sheetsync_quota_take.kind FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO quota_windows (scope, kind, stamps)
        VALUES (sheetsync_quota_take.scope, sheetsync_quota_take.kind, '{}') ON CONFLICT DO NOTHING;
        SELECT * INTO u FROM quota_windows w
         WHERE w.scope = sheetsync_quota_take.scope AND w.kind = sheetsync_quota_take.kind FOR UPDATE;
    END IF;
    SELECT * INTO p FROM quota_windows w
     WHERE w.scope = project_scope AND w.kind = sheetsync_quota_take.kind FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO quota_windows (scope, kind, stamps)
        VALUES (project_scope, sheetsync_quota_take.kind, '{}') ON CONFLICT DO NOTHING;
        SELECT * INTO p FROM quota_windows w
         WHERE w.scope = project_scope AND w.kind = sheetsync_quota_take.kind FOR UPDATE;
    END IF;
    -- the database's clock, read while holding both locks: stamps are in the order requests were taken
    t := clock_timestamp();
    us := ARRAY(SELECT s FROM unnest(u.stamps) AS s WHERE s > t - win ORDER BY s);
    ps := ARRAY(SELECT s FROM unnest(p.stamps) AS s WHERE s > t - win ORDER BY s);
    IF cardinality(us) >= lim THEN
        wait := greatest(wait, extract(epoch FROM us[cardinality(us) - lim + 1] + win - t));
    END IF;
    IF cardinality(ps) >= project_lim THEN
        wait := greatest(wait, extract(epoch FROM ps[cardinality(ps) - project_lim + 1] + win - t));
    END IF;
    IF u.paused_until IS NOT NULL THEN
        wait := greatest(wait, extract(epoch FROM u.paused_until - t));
    END IF;
    IF p.paused_until IS NOT NULL THEN
        wait := greatest(wait, extract(epoch FROM p.paused_until - t));
    END IF;
    IF wait > 0 THEN
        RETURN wait;  -- neither window is charged
    END IF;
    UPDATE quota_windows w SET stamps = us || t
     WHERE w.scope = sheetsync_quota_take.scope AND w.kind = sheetsync_quota_take.kind;
    UPDATE quota_windows w SET stamps = ps || t
     WHERE w.scope = project_scope AND w.kind = sheetsync_quota_take.kind;
    RETURN 0;
END
$fn$
"""

PAUSE = """
CREATE OR REPLACE FUNCTION sheetsync_quota_pause(scope text, kind text, seconds double precision)
RETURNS timestamptz
LANGUAGE sql
AS $fn$
    INSERT INTO quota_windows AS w (scope, kind, stamps, paused_until)
    VALUES (sheetsync_quota_pause.scope, sheetsync_quota_pause.kind, '{}',
            clock_timestamp() + make_interval(secs => sheetsync_quota_pause.seconds))
    ON CONFLICT (scope, kind) DO UPDATE
       SET paused_until = greatest(w.paused_until, excluded.paused_until)
    RETURNING w.paused_until
$fn$
"""


def upgrade() -> None:
    op.create_table(
        "quota_windows",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stamps", sa.ARRAY(sa.DateTime(timezone=True)).with_variant(sa.JSON(), "sqlite"), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", "kind", name=op.f("pk_quota_windows")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TAKE)
        op.execute(PAUSE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS sheetsync_quota_pause(text, text, double precision)")
        op.execute("DROP FUNCTION IF EXISTS sheetsync_quota_take(text, text, integer, double precision, text, "
                   "integer)")
    op.drop_table("quota_windows")
