"""Fixtures: a store on a SQLite file (or PostgreSQL), the agency month, the turnover facade."""

from __future__ import annotations

import pytest
from invoice_helpers import ACCOUNTS, pg_store, populate

from sheetsync.config import load_config
from sheetsync.invoices import Invoices
from sheetsync.sheets.client import connect
from sheetsync.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "invoices.db")
    yield s
    s.close()


@pytest.fixture
def pg(tmp_path):
    import psycopg

    s, schema, dsn = pg_store()
    yield s
    s.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def config():
    return load_config({"agency": {"locale": "en", "timezone": "Europe/Moscow"},
                        "invoices": {"editor_emails": [ACCOUNTS], "concentration_share": 0.5}})


@pytest.fixture
def sheets(emu):
    return connect(emu)


@pytest.fixture
def agency(store):
    return populate(store)


@pytest.fixture
def invoices(store, sheets, config, agency):
    return Invoices(store, sheets, config)
