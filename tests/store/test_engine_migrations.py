"""Engine settings, durability, and migrations on a database that already holds data."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from store_helpers import ACTOR, reopen

from sheetsync.store import Base, MigrationError, Store
from sheetsync.store.engine import make_engine
from sheetsync.store.migrate import HEAD, head_revision, upgrade


def test_sqlite_file_uses_wal_and_foreign_keys(tmp_path):
    store = Store.open(tmp_path / "s.db")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


def test_plain_path_and_missing_folders_are_created(tmp_path):
    store = Store.open(tmp_path / "a" / "b" / "s.db")
    assert store.revision() == head_revision()
    assert (tmp_path / "a" / "b" / "s.db").is_file()
    store.close()


def test_committed_task_survives_from_a_fresh_connection(tmp_path):
    path = tmp_path / "durable.db"
    store = Store.open(path)
    store.clients.create("acme", name="ACME", origin="cli", actor=ACTOR)
    key = store.tasks.create("acme", title="Лендинг «Весна»", origin="cli", actor=ACTOR).key
    store.close()
    # not through SQLAlchemy at all: the bytes are on disk
    with sqlite3.connect(path) as raw:
        assert raw.execute("select title from tasks where key = ?", (key,)).fetchone() == ("Лендинг «Весна»",)


def test_durability_over_a_second_store(store_db, store, acme):
    key = store.tasks.create("acme", title="Audit", estimate_hours=3.5, origin="cli", actor=ACTOR).key
    other = reopen(store_db)
    try:
        task = other.tasks.get(key)
        assert (task.title, task.estimate_hours, task.version) == ("Audit", 3.5, 1)
        assert task.created_at.tzinfo is not None
    finally:
        other.close()


def _ours(obj, name, type_, reflected, compare_to) -> bool:
    """procrastinate's tables (created by 0007 from its own schema) are procrastinate's, not our models'."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
    return not str(table or "").startswith("procrastinate_")


def test_models_match_the_migrations(store):
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _ours})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_open_is_idempotent(store_db, store):
    again = reopen(store_db)
    assert again.upgrade() == head_revision() == HEAD == "0008"
    again.close()


def test_0002_upgrades_a_0001_database_with_data(db):
    """Create the 0001 schema, fill it through plain SQL, upgrade, and check every row survived."""
    engine = make_engine(db["url"], immediate=False, **db["kwargs"])
    assert upgrade(engine, "0001") == "0001"
    with engine.begin() as conn:
        cols = {c["name"] for c in sa.inspect(conn).get_columns("metric_values")}
        assert "period" not in cols
        now = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
        conn.execute(sa.text(
            "insert into clients (slug, name, contacts, viewer_emails, editor_emails, locale, timezone, active,"
            " created_at, updated_at) values ('acme', 'ACME', '', '[]', '[]', 'ru', 'Europe/Moscow', true, :n, :n)"
        ), {"n": now})
        conn.execute(sa.text(
            "insert into metric_definitions (client_id, key, name, unit, direction, period)"
            " values (1, 'leads', 'Leads', 'pcs', 'up', 'month')"))
        conn.execute(sa.text(
            "insert into metric_values (metric_id, date, value, source) values"
            " (1, '2026-10-31', 7, 'manual'), (1, '2026-11-02', 9.5, 'manual')"))
        conn.execute(sa.text(
            "insert into tasks (key, client_id, title, expected_result, estimate_source, priority, status,"
            " client_comment, internal_note, forced, plan_note, created_at, updated_at, version)"
            " values ('T-000007', 1, 'Old task', '', 'manual', 2, 'backlog', '', 'secret', false, '', :n, :n, 4)"),
            {"n": now})
    engine.dispose()

    store = Store.open(db["url"], **db["kwargs"])  # applies 0002
    try:
        assert store.revision() == head_revision()
        values = store.metrics.values("acme", "leads")
        assert [(v.date, v.value, v.period) for v in values] == [
            (dt.date(2026, 10, 31), 7.0, "2026-10"), (dt.date(2026, 11, 2), 9.5, "2026-11")]
        task = store.tasks.get("T-000007")
        assert (task.title, task.internal_note, task.priority, task.version) == ("Old task", "secret", 2, 4)
        with store.engine.connect() as conn:
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("change_log")}
        assert "ix_change_log_entity_entity_key_id" in indexes
        # the old database keeps working: the next key is drawn past the imported one
        assert store.tasks.create("acme", title="New", origin="cli", actor=ACTOR, key="T-000008").key == "T-000008"
        assert store.tasks.create("acme", title="Next", origin="cli", actor=ACTOR).key == "T-000009"
        assert store.tasks.update("T-000007", status="planned", expected_version=4, origin="cli",
                                  actor=ACTOR).version == 5
    finally:
        store.close()


def test_a_newer_database_is_refused_with_advice(db):
    store = Store.open(db["url"], **db["kwargs"])
    with store.engine.begin() as conn:
        conn.execute(sa.text("update alembic_version set version_num = '9999'"))
    store.close()
    with pytest.raises(MigrationError, match="9999.*not older than the database"):
        Store.open(db["url"], **db["kwargs"])


def test_in_memory_store_works_for_quick_experiments():
    with Store.open("sqlite://") as store:
        store.clients.create("acme", name="ACME", origin="api", actor=ACTOR)
        key = store.tasks.create("acme", title="A", origin="api", actor=ACTOR).key
        assert store.tasks.get(key).title == "A" and store.change_counter("acme") > 0


def test_postgres_is_required_under_ci_and_skipped_visibly_elsewhere(monkeypatch):
    import store_helpers

    monkeypatch.setattr(store_helpers, "_PG_PROBLEM", ["PostgreSQL at postgresql://nowhere is unreachable"])
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="unreachable; it is required when CI=true"):
        store_helpers.require_postgres()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="nowhere is unreachable"):
        store_helpers.require_postgres()


def test_unreachable_postgres_is_described(monkeypatch):
    import store_helpers

    monkeypatch.setattr(store_helpers, "PG_URL", "postgresql+psycopg://postgres@127.0.0.1:1/test")
    assert "is unreachable (OperationalError" in store_helpers._pg_unreachable()


def test_urls_are_normalised():
    from sheetsync.store.engine import normalize_url

    assert normalize_url("postgresql://u:p@h:5432/db") == "postgresql+psycopg://u:p@h:5432/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite://") == "sqlite://"


def test_unreachable_database_is_a_clear_store_error():
    from sheetsync.store import StoreError

    with pytest.raises(StoreError, match=r"cannot open the store at postgresql\+psycopg://nobody@127.0.0.1:1/x.*"
                                         r"server is running"):
        Store.open("postgresql://nobody@127.0.0.1:1/x", connect_args={"connect_timeout": 2})
