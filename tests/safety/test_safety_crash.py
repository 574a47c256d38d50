"""A write whose response is lost, or a sync cut short, never creates a task or a row twice (docs/sync.md "Crash safety")."""

from __future__ import annotations

import pytest
from safetyhelpers import BACKLOG, IN_WORK, MANAGER, SA

VALUES_WRITE = "sheets.spreadsheets.values.batchUpdateByDataFilter"  # the sync's values write (rows by metadata)


def _sheet_keys(app, sid):
    ss = app.emulator.gspread_client(user=SA).open_by_key(sid)
    out = []
    for title in (BACKLOG, IN_WORK):
        out += [r[0] for r in ss.worksheet(title).get_all_values()[1:] if r and r[0]]
    return out


def _titles(app, sid):
    ws = app.emulator.gspread_client(user=SA).open_by_key(sid).worksheet(BACKLOG)
    return [r[1] for r in ws.get_all_values()[1:] if r and r[1]]


def _check_once(app, sid, title):
    tasks = [t for t in app.store.tasks.list("acme", include_deleted=True) if t.title == title]
    assert len(tasks) == 1, f"{title!r} is {len(tasks)} tasks: {[t.key for t in tasks]}"
    keys = _sheet_keys(app, sid)
    assert len(keys) == len(set(keys)), f"a key on two rows: {sorted(keys)}"
    assert _titles(app, sid).count(title) == 1
    assert sorted(keys) == sorted(t.key for t in app.store.tasks.list("acme"))


@pytest.mark.parametrize("attempts", [1, 6])  # 1: the retry absorbs it; 6: every attempt lost, the sync fails
def test_lost_response_on_the_values_write_then_sync_again(fast_retry, attempts):
    app = fast_retry
    sid = app.store.clients.get("acme").spreadsheet_id
    app.store.tasks.create("acme", {"title": "from the team"}, origin="cli", actor="team")
    ws = app.emulator.gspread_client(user=MANAGER).open_by_key(sid).worksheet(BACKLOG)
    ws.update([["typed by a manager"]], "B3", raw=True)
    app.emulator.faults.lose_response_next(attempts, method=VALUES_WRITE)
    first = app.sync("acme")
    assert app.emulator.faults.lost == attempts
    assert (first.failed is not None) == (attempts == 6)
    for _ in range(2):
        assert app.sync("acme").failed is None
    _check_once(app, sid, "from the team")
    _check_once(app, sid, "typed by a manager")
    assert app.sync("acme").writes == 0


@pytest.mark.parametrize("fault", ["lose-then-503", "503-on-read", "503-on-write"])
def test_a_new_row_synced_twice_with_a_fault_between_is_one_task(fast_retry, fault):
    app = fast_retry
    sid = app.store.clients.get("acme").spreadsheet_id
    ws = app.emulator.gspread_client(user=MANAGER).open_by_key(sid).worksheet(BACKLOG)
    ws.update([["new row, no ID", "", "", "", "", "", "", 2]], "B2:I2", raw=True)
    f = app.emulator.faults
    if fault == "lose-then-503":  # the ID lands in the sheet, the reply is lost; then the next read fails
        f.lose_response_next(6, method=VALUES_WRITE)
        app.sync("acme")
        f.fail_next(6, method="sheets.*", kind="read")  # the next Sheets read, whichever the snapshot is
        assert app.sync("acme").failed is not None
    elif fault == "503-on-read":
        app.sync("acme")
        f.fail_next(6, method="sheets.*", kind="read")  # the next Sheets read, whichever the snapshot is
        assert app.sync("acme").failed is not None
    else:
        f.fail_next(6, method=VALUES_WRITE)
        assert app.sync("acme").failed is not None
    for _ in range(2):
        assert app.sync("acme").failed is None
    _check_once(app, sid, "new row, no ID")
    (t,) = [t for t in app.store.tasks.list("acme") if t.title == "new row, no ID"]
    assert t.priority == 2
