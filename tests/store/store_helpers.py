"""Helpers shared by the store tests (a uniquely named module: several test folders have a conftest)."""

from __future__ import annotations

import os
import uuid

import pytest

from sheetsync.store import Store

ACTOR = "pm@agency.test"

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


def reopen(db) -> Store:
    """A second, independent Store on the same database (a fresh connection pool)."""
    return Store.open(db["url"], migrate_schema=False, **db["kwargs"])
