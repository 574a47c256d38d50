"""Store fixtures: every store test runs on a real SQLite file and on PostgreSQL (own schema per test).

PostgreSQL (127.0.0.1:5432, database `test`, trust auth; override with SHEETSYNC_TEST_PG) is required
when CI=true and skipped with a visible reason elsewhere when unreachable.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sheetsync.store import Store

PG_URL = os.environ.get("SHEETSYNC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_unreachable() -> str | None:
    try:
        import psycopg

        dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("select 1")
        return None
    except Exception as exc:  # any reason it cannot be used
        return f"PostgreSQL at {PG_URL} is unreachable ({exc.__class__.__name__}: {str(exc).strip()[:120]})"


_PG_PROBLEM: list[str | None] = []


def require_postgres() -> None:
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_pg_unreachable())
    problem = _PG_PROBLEM[0]
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{problem}; it is required when CI=true")
        pytest.skip(problem)


class PgSchema:
    """A throwaway schema; engines made with `connect_args` see only it."""

    def __init__(self) -> None:
        import psycopg

        self.name = f"t_{uuid.uuid4().hex[:12]}"
        self._dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(self._dsn, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{self.name}"')

    @property
    def connect_args(self) -> dict[str, str]:
        return {"options": f"-csearch_path={self.name}"}

    def empty(self) -> None:
        """DELETE is much faster than TRUNCATE for a handful of rows; children first."""
        import psycopg

        from sheetsync.store import Base

        statements = [f'DELETE FROM "{self.name}"."{t.name}"' for t in reversed(Base.metadata.sorted_tables)]
        statements.append(f"INSERT INTO \"{self.name}\".key_sequences (name, next_value) VALUES ('T', 1), ('INV', 1)")
        with psycopg.connect(self._dsn, autocommit=True) as conn:
            conn.execute("; ".join(statements))

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self._dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path) -> Iterator[dict]:
    """A brand-new empty database (for migration tests): {'backend', 'url', 'kwargs'} for Store.open."""
    if request.param == "sqlite":
        yield {"backend": "sqlite", "url": f"sqlite:///{tmp_path / 'store.db'}", "kwargs": {}}
        return
    require_postgres()
    schema = PgSchema()
    try:
        yield {"backend": "postgres", "url": PG_URL, "kwargs": {"connect_args": schema.connect_args},
               "schema": schema.name}
    finally:
        schema.drop()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """Migrated once per session; each test gets a copy of the file (migrations run in ~1 s)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    Store.open(path).close()
    return path


@pytest.fixture(scope="session")
def _pg_schema() -> Iterator[PgSchema]:
    """One migrated schema per session, emptied before every test."""
    require_postgres()
    schema = PgSchema()
    Store.open(PG_URL, connect_args=schema.connect_args).close()
    yield schema
    schema.drop()


@pytest.fixture(params=BACKENDS)
def store_db(request, tmp_path) -> dict:
    """A migrated, empty database of its own for this test (SQLite file copy / truncated PG schema)."""
    if request.param == "sqlite":
        path = tmp_path / "store.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return {"backend": "sqlite", "url": f"sqlite:///{path}", "kwargs": {}}
    schema: PgSchema = request.getfixturevalue("_pg_schema")
    schema.empty()
    return {"backend": "postgres", "url": PG_URL, "kwargs": {"connect_args": schema.connect_args},
            "schema": schema.name}


@pytest.fixture
def store(store_db) -> Iterator[Store]:
    s = Store.open(store_db["url"], **store_db["kwargs"])
    try:
        yield s
    finally:
        s.close()


def reopen(db) -> Store:
    """A second, independent Store on the same database (a fresh connection pool)."""
    return Store.open(db["url"], migrate_schema=False, **db["kwargs"])


ACTOR = "pm@agency.test"


@pytest.fixture
def acme(store):
    return store.clients.create("acme", name="ACME Ltd", origin="cli", actor=ACTOR,
                                viewer_emails=["boss@acme.test"], editor_emails=["pm@agency.test"])
