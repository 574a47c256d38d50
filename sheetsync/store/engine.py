"""Engines: SQLite (WAL, foreign keys, busy timeout, BEGIN IMMEDIATE for writers) or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str | Path) -> str:
    """Accept a plain file path as a SQLite database; turn `postgresql://` into the psycopg 3 driver."""
    text = str(url)
    if "://" not in text:
        path = Path(text).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    parsed = make_url(text)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str | Path, *, immediate: bool = True, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite `immediate=True` makes every transaction take the write lock up front.

    Deferred SQLite transactions that read and then write fail with "database is locked" instead of
    waiting when another writer is active; BEGIN IMMEDIATE waits (busy timeout) and then proceeds.
    """
    url = normalize_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)

    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let us emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        if make_url(url).database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL, or None for a database server or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def database_name(url: str) -> str:
    """The database part of a store URL (a SQLite file's path, a server's database name), for messages."""
    return str(make_url(url).database)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
