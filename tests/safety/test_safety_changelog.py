"""Nothing a person typed is lost (docs/safety.md): every pulled edit is in the change log with origin "sheet",
and an invalid value is refused loudly (a note on the cell, an error) while the store keeps the last good one."""

from __future__ import annotations

import datetime as dt

from safetyhelpers import BACKLOG, IN_WORK, MANAGER, rows_by_key

from sheetsync.store.values import loads


def _ws(app, title):
    sid = app.store.clients.get("acme").spreadsheet_id
    return app.emulator.gspread_client(user=MANAGER).open_by_key(sid).worksheet(title)


def test_every_pulled_edit_is_in_the_change_log_with_old_and_new(app):
    keys = [app.store.tasks.create("acme", {"title": f"t{i}", "estimate_hours": 2}, origin="cli",
                                   actor="team").key for i in range(3)]
    app.sync("acme")
    ws = _ws(app, BACKLOG)
    header, _ = rows_by_key(ws)
    col = {h: header.index(h) + 1 for h in ("Task", "Estimate, h", "Priority", "Client comment")}
    edits = {(keys[0], "title"): ("t0", "t0 renamed"), (keys[1], "estimate_hours"): (2, 5),
             (keys[2], "priority"): (3, 1), (keys[2], "client_comment"): ("", "please hurry")}
    ws.update_cell(2, col["Task"], "t0 renamed")
    ws.update_cell(3, col["Estimate, h"], 5)
    ws.update_cell(4, col["Priority"], 1)
    ws.update_cell(4, col["Client comment"], "please hurry")
    ws.update_cell(5, col["Task"], "a brand new row")
    since = max(e.id for e in app.store.log(client="acme"))
    r = app.sync("acme")
    assert r.failed is None and r.pulled == len(edits), (r.pulled, r.warnings)
    log = [e for e in app.store.log(client="acme", since_id=since) if e.origin == "sheet"]
    got = {(e.entity_key, e.field): (e.old, e.new) for e in log}
    for (key, fld), (old, new) in edits.items():
        assert (key, fld) in got, f"{key}.{fld} edit missing from the change log: {sorted(got)}"
        o, n = got[(key, fld)]
        assert (_plain(loads(o)), _plain(loads(n))) == (_plain(old), _plain(new)), (key, fld, o, n)
    new = [t for t in app.store.tasks.list("acme") if t.title == "a brand new row"]
    assert len(new) == 1 and any(e.entity_key == new[0].key and e.action == "create" for e in log)
    assert all(e.actor for e in log)


def _plain(v):
    if v in (None, ""):
        return ""
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def test_an_invalid_date_gets_a_note_an_error_and_keeps_the_last_good_value(app):
    k = app.store.tasks.create("acme", {"title": "with a deadline", "status": "planned",
                                        "deadline": "2026-12-01"}, origin="cli", actor="team").key
    app.sync("acme")
    ws = _ws(app, IN_WORK)
    header, _ = rows_by_key(ws)
    col = header.index("Deadline") + 1
    addr = ws.cell(2, col).address
    ws.update_cell(2, col, "завтра")
    r = app.sync("acme")
    assert r.errors == 1
    assert app.store.tasks.get(k).deadline == dt.date(2026, 12, 1)  # the last good value stays
    (err,) = app.store.sync.errors("acme")
    assert (err.row_key, err.field) == (k, "deadline") and "завтра" in str(err.value)
    note = ws.get_note(addr)
    assert note and any(h in note for h in ("DD.MM.YYYY", "ДД.ММ.ГГГГ", "date")), note
    assert ws.acell(addr).value == "завтра"  # what the person typed is not overwritten either
    assert app.sync("acme").writes == 0  # and not re-reported every cycle
    ws.update_cell(2, col, "15.12.2026")
    r = app.sync("acme")
    assert app.store.tasks.get(k).deadline == dt.date(2026, 12, 15)
    assert not app.store.sync.errors("acme") and not ws.get_note(addr)
    assert any(e.field == "deadline" and e.origin == "sheet" for e in app.store.log(task=k))


def test_a_losing_edit_is_kept_as_a_conflict_and_a_note(app):
    """Both sides edit the same field: the policy picks a winner, the loser is recorded and shown, not dropped."""
    from sheetsync.store.values import loads as _loads

    k = app.store.tasks.create("acme", {"title": "both edit me", "status": "in_progress", "actual_hours": 1},
                               origin="cli", actor="team").key
    app.sync("acme")
    ws = _ws(app, IN_WORK)
    header, _ = rows_by_key(ws)
    col = header.index("Actual, h") + 1
    ws.update_cell(2, col, 5)  # the manager types 5 ...
    app.store.tasks.update(k, {"actual_hours": 7}, origin="cli", actor="team")  # ... the team records 7
    r = app.sync("acme")
    assert r.conflicts == 1
    assert float(app.store.tasks.get(k).actual_hours) == 7  # team facts: the store wins (config)
    (c,) = app.store.sync.conflicts("acme")
    assert (c.entity_key, c.field) == (k, "actual_hours") and float(_loads(c.sheet_value)) == 5
    note = ws.get_note(ws.cell(2, col).address)
    assert "5" in note, f"the losing value is not shown on the cell: {note!r}"


def test_a_cleared_backlog_range_is_not_propagated_and_comes_back(app):
    """An accidental range delete by a manager is not propagated (docs/sync.md "Rows": the mass-delete guard): the rows are restored.

    Was issue #5 bug 2 (cleared rows pulled as edits); fixed by X2's "a cleared row is a deletion, under the
    mass-delete guard" in sheetsync/sync/plan.py."""
    keys = [app.store.tasks.create("acme", {"title": f"t{i}", "client_comment": f"c{i}", "estimate_hours": 3},
                                   origin="cli", actor="team").key for i in range(6)]
    app.sync("acme")
    ws = _ws(app, BACKLOG)
    ws.batch_clear(["B2:K7"])  # everything the manager may edit; the protected ID column stays
    r = app.sync("acme")
    assert r.tombstoned == 0
    got = [(t.title, t.client_comment, t.estimate_hours) for t in map(app.store.tasks.get, keys)]
    assert got == [(f"t{i}", f"c{i}", 3) for i in range(6)]
    app.sync("acme")
    _, rows = rows_by_key(ws)
    assert {k: rows[k]["Task"] for k in keys} == {k: f"t{i}" for i, k in enumerate(keys)}
