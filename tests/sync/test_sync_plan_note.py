"""The backlog's read-only planner's note: the planner's reason reaches the sheet; the sheet never writes it back."""

from __future__ import annotations

import datetime as dt

import gspread
import pytest

BACKLOG = "Бэклог"
NOTE_HEADER = "Заметка планировщика"
PLAN_CONFIG = {"holidays_country": "RU"}


def by_key(ws):
    vals = ws.get_all_values()
    return {r[0]: dict(zip(vals[0], r, strict=False)) for r in vals[1:] if r and r[0]}


def note_cell(ws, row):
    return f"{gspread.utils.rowcol_to_a1(row, ws.row_values(1).index(NOTE_HEADER) + 1)}"


def test_plan_then_sync_puts_the_reason_in_the_sheet(engine, store, manager):
    from sheetsync.planning import plan_client

    big = store.tasks.create("acme", {"title": "Портал", "assignee": "oleg@agency.test", "estimate_hours": 500},
                             origin="cli", actor="team").key
    small = store.tasks.create("acme", {"title": "Баннер", "assignee": "dima@agency.test", "estimate_hours": 2},
                               origin="cli", actor="team").key
    engine.sync_client("acme")
    ws = manager.worksheet(BACKLOG)
    assert by_key(ws)[big][NOTE_HEADER] == ""
    report = plan_client(store, PLAN_CONFIG, "acme", "2026-W48", today=dt.date(2026, 11, 23))
    assert [d.task.key for d in report.not_fitting] == [big]
    reason = store.tasks.get(big).plan_note
    assert reason  # the planner's "why it did not fit"
    r = engine.sync_client("acme")
    assert r.failed is None and r.pulled == 0, r.warnings
    rows = by_key(ws)
    assert rows[big][NOTE_HEADER] == reason  # the client and managers see why it did not fit
    assert small not in rows  # taken: moved to the in-work sheet
    assert store.tasks.get(big).plan_note == reason
    again = engine.sync_client("acme")
    assert again.writes == 0 and again.plan.empty, [str(a) for a in again.plan.actions]


def test_managers_cannot_edit_the_note_and_an_owner_edit_is_overwritten_not_pulled(engine, store, manager, owner):
    k = store.tasks.create("acme", {"title": "Портал", "plan_note": "не помещается в неделю"},
                           origin="planner", actor="planner").key
    engine.sync_client("acme")
    cell = note_cell(manager.worksheet(BACKLOG), 2)
    with pytest.raises(gspread.exceptions.APIError) as e:
        manager.worksheet(BACKLOG).update([["мой текст"]], cell, raw=False)
    assert "protected" in str(e.value)  # edit = "nobody"
    owner.worksheet(BACKLOG).update([["правка владельца"]], cell, raw=False)
    r = engine.sync_client("acme")
    assert r.pulled == 0 and r.conflicts == 0 and r.pushed == 1
    assert store.tasks.get(k).plan_note == "не помещается в неделю"
    assert manager.worksheet(BACKLOG).acell(cell).value == "не помещается в неделю"
    assert not [c for c in store.log(task=k) if c.field == "plan_note" and c.origin == "sheet"]


def test_a_new_row_never_sets_the_note(engine, store, owner):
    ws = owner.worksheet(BACKLOG)
    ws.update([["Новая задача"]], "B2", raw=False)
    ws.update([["набрано руками"]], note_cell(ws, 2), raw=False)
    r = engine.sync_client("acme")
    assert r.created == 1, r.warnings
    (t,) = store.tasks.list("acme")
    assert t.plan_note == "" and t.title == "Новая задача"
    assert by_key(ws)[t.key][NOTE_HEADER] == ""
