"""Realistic planning data: an agency with three clients sharing five specialists."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from planhelpers import ACTOR, populate, reference_config  # noqa: F401 (fixtures use them)

from sheetsync.store import Store


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 9, tzinfo=dt.UTC)


PG_URL = os.environ.get("SHEETSYNC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_store() -> tuple[Store, str]:
    """A store in a throwaway PostgreSQL schema; skipped (failed when CI=true) if there is no server."""
    import psycopg

    dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    schema = f"pl_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # noqa: BLE001 - any reason it cannot be used
        problem = f"PostgreSQL at {PG_URL} is unreachable ({exc.__class__.__name__})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{problem}; it is required when CI=true")
        pytest.skip(problem)
    return Store.open(PG_URL, connect_args={"options": f"-csearch_path={schema}"}), schema


def _drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store.open(tmp_path / "planning.db")
    yield s
    s.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request, tmp_path) -> Store:
    """The store on a SQLite file, then on PostgreSQL."""
    if request.param == "sqlite":
        s = Store.open(tmp_path / "planning.db")
        yield s
        s.close()
        return
    s, schema = _pg_store()
    yield s
    s.close()
    _drop_schema(schema)


@pytest.fixture
def agency(store):
    """Clients acme (ru), globex (en), initech (ru); Unity Day (4 Nov) falls inside 2026-W45."""
    return populate(store)


@pytest.fixture
def any_agency(any_store):
    """The same agency on every store backend."""
    return populate(any_store)
