"""Writes land on the row of their ID, even when a person reshapes the sheet mid-sync (docs/sync.md "Rows stay put" and "Races")."""

from __future__ import annotations

import pytest
from safetyhelpers import BACKLOG, MANAGER, SA, rows_by_key

FIELDS = {"Task": "title", "Priority": "priority", "Client comment": "client_comment"}


def _setup(app):
    keys = [app.store.tasks.create("acme", {"title": f"task {c}", "client_comment": f"comment {c}",
                                            "priority": 3}, origin="cli", actor="team").key for c in "abcde"]
    assert app.sync("acme").failed is None
    sid = app.store.clients.get("acme").spreadsheet_id
    # both sides change between syncs: the team edits titles, the manager a comment and a priority
    app.store.tasks.update(keys[0], {"title": "task a (team)"}, origin="cli", actor="team")
    app.store.tasks.update(keys[3], {"title": "task d (team)"}, origin="cli", actor="team")
    ws = app.emulator.gspread_client(user=MANAGER).open_by_key(sid).worksheet(BACKLOG)
    header, _ = rows_by_key(ws)
    ws.update_cell(3, header.index("Client comment") + 1, "comment b (manager)")
    ws.update_cell(5, header.index("Priority") + 1, 1)
    return keys, sid


def _reshape(app, sid, how):
    ws = app.emulator.gspread_client(user=SA).open_by_key(sid).worksheet(BACKLOG)
    if how == "sort":
        ws.sort((2, "des"), range="A2:K6")
    elif how == "insert":
        ws.insert_row(["", "typed above"], 2)
    elif how == "delete":
        ws.delete_rows(4)


def _expected(keys):
    """What every task must hold after the sync: each side's edit on its own task, nothing moved."""
    want = {k: {"title": f"task {c}", "client_comment": f"comment {c}", "priority": 3} for k, c in zip(keys, "abcde", strict=True)}
    want[keys[0]]["title"] = "task a (team)"
    want[keys[3]]["title"] = "task d (team)"
    want[keys[1]]["client_comment"] = "comment b (manager)"
    want[keys[3]]["priority"] = 1
    return want


def _assert_nothing_moved(app, keys):
    for key, fields in _expected(keys).items():
        t = app.store.tasks.get(key, include_deleted=True)
        got = {f: getattr(t, f) for f in fields}
        assert got == fields, f"{key} in the store: {got}, expected {fields}"


def _assert_rows_match_store(app, sid):
    ws = app.emulator.gspread_client(user=SA).open_by_key(sid).worksheet(BACKLOG)
    _, rows = rows_by_key(ws)
    for key, row in rows.items():
        t = app.store.tasks.get(key)
        for header, fld in FIELDS.items():
            want = getattr(t, fld)
            assert row[header] == str(want), f"row of {key}: {header} is {row[header]!r}, store has {want!r}"
    live = {t.key for t in app.store.tasks.list("acme") if t.status == "backlog"}
    assert set(rows) == live


WRITES = ("sheets.spreadsheets.values.batchUpdate", "sheets.spreadsheets.values.batchUpdateByDataFilter")
READS = ("sheets.spreadsheets.values.batchGet", "sheets.spreadsheets.get")  # the ID-check read is either


def _sync_with_person(app, sid, how, on):
    fired = []

    def person(req):
        if fired or req.user != SA:
            return
        # "confirm": after the snapshot, at the check before the write — Drive's files.get (issue 15), or
        # the confirm read where the snapshot had no row metadata
        at_check = req.name == "drive.files.get" or (req.name in READS and person.reads == 1)
        if (on == "write" and req.name in WRITES) or (on == "confirm" and at_check):
            fired.append(1)
            _reshape(app, sid, how)
        if req.name == "sheets.spreadsheets.values.batchGet":
            person.reads += 1

    person.reads = 0
    remove = app.emulator.on_request(person)
    try:
        r = app.sync("acme")
    finally:
        remove()
    assert fired, "the person never acted"
    return r


@pytest.mark.parametrize("how", ["sort", "insert", "delete"])
def test_reshaped_before_the_id_check_read(app, how):
    keys, sid = _setup(app)
    r = _sync_with_person(app, sid, how, "confirm")
    assert r.failed is None and r.replans >= 1, r.warnings
    app.sync("acme")
    _assert_rows_match_store(app, sid)
    _assert_nothing_moved(app, keys)


@pytest.mark.parametrize("how", ["sort", "insert", "delete"])
def test_reshaped_between_the_id_check_and_the_write(app, how):
    """Was issue #5 bug 1: the write went to A1 rows found by number. Now rows are addressed by their
    metadata (follows inserts/deletes) and the write's own response shows a sort (sheetsync/sync/rowmeta.py)."""
    keys, sid = _setup(app)
    _sync_with_person(app, sid, how, "write")
    app.sync("acme")
    app.sync("acme")
    _assert_rows_match_store(app, sid)
    _assert_nothing_moved(app, keys)
