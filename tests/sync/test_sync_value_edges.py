"""Values at the edges of their type can never block a client's sync (issue 13, items 5, 6, 13).

A value that cannot be used is an invalid value: the cell gets a note in the sheet's language, the
error is listed, the store keeps the last good value, and every other edit of the client is applied.
"""

from __future__ import annotations

import pytest
from gspread.utils import rowcol_to_a1

BACKLOG = "Бэклог"


def _col(ws, header):
    return ws.row_values(1).index(header) + 1


def _two_tasks(engine, store):
    a = store.tasks.create("acme", {"title": "A", "estimate_hours": 4}, origin="cli", actor="team").key
    b = store.tasks.create("acme", {"title": "B", "estimate_hours": 2}, origin="cli", actor="team").key
    assert engine.sync_client("acme").failed is None
    return a, b


@pytest.mark.parametrize("typed,raw", [
    ("1e30", False), ("1e26", False), ("12345678901234567890123456789", True), ("999999", False),
    ("1001", False), ("-1", False),
], ids=["1e30", "1e26", "29-digit-text", "999999", "1001", "negative"])
def test_an_unusable_estimate_is_an_invalid_value_and_the_rest_syncs(engine, store, manager, typed, raw):
    a, b = _two_tasks(engine, store)
    ws = manager.worksheet(BACKLOG)
    est, title = _col(ws, "Оценка, ч"), _col(ws, "Задача")
    rows = {r[0]: i for i, r in enumerate(ws.get_all_values(), start=1)}
    ws.update([[typed]], rowcol_to_a1(rows[a], est), raw=raw)
    ws.update([["B, renamed"]], rowcol_to_a1(rows[b], title), raw=True)
    r = engine.sync_client("acme")
    assert r.failed is None, r.warnings
    assert r.errors == 1 and r.pulled == 1
    assert store.tasks.get(a).estimate_hours == 4 and store.tasks.get(b).title == "B, renamed"
    (e,) = store.sync.errors("acme")
    assert (e.row_key, e.field) == (a, "estimate_hours")
    note = ws.get_note(rowcol_to_a1(rows[a], est))
    assert "от 0 до 1000" in note, note
    assert engine.sync_client("acme").failed is None  # and stays that way on the next run


def test_estimate_within_the_sheets_bounds_is_applied(engine, store, manager):
    a, _b = _two_tasks(engine, store)
    ws = manager.worksheet(BACKLOG)
    est = _col(ws, "Оценка, ч")
    ws.update([["1000"]], rowcol_to_a1(2, est), raw=False)
    r = engine.sync_client("acme")
    assert r.failed is None and r.errors == 0 and store.tasks.get(a).estimate_hours == 1000


def test_an_emptied_required_cell_is_noted_in_the_sheets_language(engine, store, manager):
    a, _b = _two_tasks(engine, store)
    ws = manager.worksheet(BACKLOG)
    title = _col(ws, "Задача")
    ws.update([[""]], rowcol_to_a1(2, title), raw=True)
    r = engine.sync_client("acme")
    assert r.failed is None and r.errors == 1 and store.tasks.get(a).title == "A"
    note = ws.get_note(rowcol_to_a1(2, title))
    assert "пуст" in note and "cannot" not in note, note
    (e,) = store.sync.errors("acme")
    assert e.message == note


# --- NUL on PostgreSQL ---------------------------------------------------------------------------------------
@pytest.fixture
def pg_sync(tmp_path):
    """A store in a throwaway PostgreSQL schema with acme provisioned in a fresh emulator."""
    import os
    import uuid

    import psycopg
    from gsheets_emulator import Emulator
    from synchelpers import SA, SPECIALISTS, provision

    from sheetsync.sheets import Backend, connect
    from sheetsync.store.facade import Store
    from sheetsync.sync.engine import SyncEngine

    url = os.environ.get("SHEETSYNC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    dsn, schema = url.replace("postgresql+psycopg://", "postgresql://"), f"nul_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # noqa: BLE001 - any reason it cannot be used
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL at {url} is unreachable ({exc.__class__.__name__}); required when CI=true")
        pytest.skip(f"PostgreSQL at {url} is unreachable")
    st = Store.open(url, connect_args={"options": f"-csearch_path={schema}"})
    for email, name, role in SPECIALISTS:
        st.specialists.upsert(email, name=name, role=role)
    st.clients.create("acme", name="ACME", contacts="", manager_email=SPECIALISTS[0][0], tracker_url="",
                      viewer_emails=[], editor_emails=[SPECIALISTS[0][0]], locale="ru", timezone="Europe/Moscow",
                      origin="cli", actor="test")
    emu = Emulator()
    sheets = connect(Backend(emulator=emu, user=SA))
    sid = provision(st, sheets)
    yield st, SyncEngine(st, sheets), emu.gspread_client(user=SPECIALISTS[0][0]).open_by_key(sid)
    st.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.postgres
def test_nul_typed_into_any_cell_never_blocks_the_client_on_postgresql(pg_sync):
    """NUL (and the other C0 control characters but tab and line breaks) are removed from text; in a
    number or date cell what is left is read as usual (an invalid value if it is not one)."""
    store, engine, manager = pg_sync
    a, b = _two_tasks(engine, store)
    ws = manager.worksheet(BACKLOG)
    title, result, est, prio = (_col(ws, h) for h in ("Задача", "Ожидаемый результат", "Оценка, ч", "Приоритет"))
    ws.update([["Лен\x00динг\x07"]], rowcol_to_a1(2, title), raw=True)
    ws.update([["line 1\r\nline\t2\x00"]], rowcol_to_a1(2, result), raw=True)
    ws.update([["\x003"]], rowcol_to_a1(2, est), raw=True)
    ws.update([["x\x00"]], rowcol_to_a1(3, prio), raw=True)  # invalid: its note and listed value hold no NUL
    r = engine.sync_client("acme")
    assert r.failed is None, r.warnings
    t = store.tasks.get(a)
    assert (t.title, t.expected_result, t.estimate_hours) == ("Лендинг", "line 1\nline\t2", 3)
    assert r.errors == 1 and store.tasks.get(b).priority == 3
    (e,) = store.sync.errors("acme")
    assert e.field == "priority" and "\x00" not in e.message
    again = engine.sync_client("acme")
    assert again.failed is None and again.errors == 0 and again.writes == 0
    # the store refuses nothing with a NUL from the other ways in either: it is removed
    assert store.tasks.update(b, {"title": "B\x00!"}, origin="cli", actor="team").title == "B!"
