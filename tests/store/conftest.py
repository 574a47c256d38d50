"""Store fixtures: every store test runs on a real SQLite file and on PostgreSQL (own schema per test).

PostgreSQL (127.0.0.1:5432, database `test`, trust auth; override with SHEETSYNC_TEST_PG) is required
when CI=true and skipped with a visible reason elsewhere when unreachable.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import ACTOR, PG_URL, PgSchema, require_postgres

from sheetsync.store import Store

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


@pytest.fixture
def acme(store):
    return store.clients.create("acme", name="ACME Ltd", origin="cli", actor=ACTOR,
                                viewer_emails=["boss@acme.test"], editor_emails=["pm@agency.test"])
