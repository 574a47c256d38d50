"""clients.account (migration 0006): which service account of the pool syncs a client, logged like any change."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from store_helpers import ACTOR

from sheetsync.store import Store
from sheetsync.store.clients import CLIENT_COLUMNS
from sheetsync.store.engine import make_engine
from sheetsync.store.errors import InvalidValueError
from sheetsync.store.migrate import downgrade, upgrade


def test_a_new_client_is_on_the_default_account(store, acme):
    assert store.clients.account_of("acme") is None
    assert store.clients.account_load() == {}  # no spreadsheet yet: nobody's
    store.clients.set_spreadsheet("acme", "sheet-1", origin="cli", actor=ACTOR)
    assert store.clients.account_load() == {None: 1}


def test_assigning_an_account_is_logged_and_counted(store, acme):
    store.clients.create("beta", name="Beta", origin="cli", actor=ACTOR, spreadsheet_id="sheet-2")
    store.clients.assign_account("acme", "pool-1", origin="cli", actor=ACTOR)
    assert store.clients.account_of("acme") == "pool-1"
    assert store.clients.account_load() == {None: 1, "pool-1": 1}
    store.clients.assign_account("acme", None, origin="cli", actor=ACTOR)
    assert store.clients.account_of("acme") is None
    rows = store.log(entity="client", key="acme", field="account")
    assert [(r.old, r.new, r.actor) for r in rows] == [(None, '"pool-1"', ACTOR), ('"pool-1"', None, ACTOR)]


def test_an_archived_client_does_not_count(store, acme):
    store.clients.assign_account("acme", "pool-1", origin="cli", actor=ACTOR)
    store.clients.archive("acme", origin="cli", actor=ACTOR)
    assert store.clients.account_load() == {}


def test_a_blank_account_is_refused(store, acme):
    with pytest.raises(InvalidValueError):
        store.clients.assign_account("acme", "  ", origin="cli", actor=ACTOR)


def test_the_account_is_not_client_data_in_csv():
    assert "account" not in CLIENT_COLUMNS


def test_0006_upgrades_a_0004_database_and_downgrades(db):
    engine = make_engine(db["url"], immediate=False, **db["kwargs"])
    assert upgrade(engine, "0004") == "0004"
    now = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "insert into clients (slug, name, contacts, viewer_emails, editor_emails, locale, timezone, active,"
            " created_at, updated_at) values ('acme', 'ACME', '', '[]', '[]', 'ru', 'Europe/Moscow', true, :n, :n)"
        ), {"n": now})
    assert upgrade(engine, "0006") == "0006"
    with engine.connect() as conn:
        assert conn.execute(sa.text("select account from clients where slug = 'acme'")).scalar() is None
    engine.dispose()
    store = Store.open(db["url"], **db["kwargs"])
    try:
        assert store.clients.account_of("acme") is None
        store.clients.assign_account("acme", "pool-2", origin="cli", actor=ACTOR)
    finally:
        store.close()
    engine = make_engine(db["url"], immediate=False, **db["kwargs"])
    assert downgrade(engine, "0004") == "0004"
    with engine.connect() as conn:
        assert "account" not in {c["name"] for c in sa.inspect(conn).get_columns("clients")}
        assert conn.execute(sa.text("select name from clients")).scalar() == "ACME"
    engine.dispose()
