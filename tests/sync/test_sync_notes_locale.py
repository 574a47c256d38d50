"""Every note the sync puts on a cell is in the sheet's language; a conflict note names its resolve command."""

from __future__ import annotations

import re

import pytest

BACKLOG = "Бэклог"


def add(store, title, **kw):
    return store.tasks.create("acme", {"title": title, **kw}, origin="cli", actor="team").key


def test_a_conflict_note_on_a_russian_sheet_is_russian_and_names_its_id(engine, store, manager):
    k = add(store, "A")
    engine.sync_client("acme")
    ws = manager.worksheet(BACKLOG)
    ws.update([["из таблицы"]], "B2", raw=False)
    store.tasks.update(k, {"title": "из системы"}, origin="cli", actor="team")
    r = engine.sync_client("acme")
    assert r.conflicts == 1, r.warnings
    (c,) = store.sync.conflicts("acme")
    note = ws.get_note("B2")
    assert note.startswith("sheetsync: конфликт"), note
    assert "«из системы»" in note and "оставлено ваше значение" in note
    assert f"sheetsync conflicts resolve {c.id} --take" in note, note
    assert not re.search(r"\b(the team|your value|was kept)\b", note)


def test_a_conflict_the_team_wins_is_noted_in_russian(engine, store, manager):
    k = add(store, "A")
    engine.sync_client("acme")
    store.tasks.update(k, {"status": "in_progress"}, origin="cli", actor="team")
    engine.sync_client("acme")
    iw = manager.worksheet("В работе")
    header = iw.row_values(1)
    col = header.index("Факт, ч") + 1  # actual hours: a team field, the store wins it
    iw.update_cell(2, col, 5)
    store.tasks.update(k, {"actual_hours": 7}, origin="cli", actor="team")
    r = engine.sync_client("acme")
    assert r.conflicts == 1, r.warnings
    (c,) = store.sync.conflicts("acme")
    note = iw.get_note(iw.cell(2, col).address)
    assert note.startswith("sheetsync: конфликт — ваше значение «5» заменено значением команды «7»"), note
    assert f"sheetsync conflicts resolve {c.id} " in note


def test_an_unknown_id_note_is_russian(engine, store, owner):
    add(store, "A")
    engine.sync_client("acme")
    ws = owner.worksheet(BACKLOG)
    ws.update([["T-999999", "чужая"]], "A3", raw=False)
    r = engine.sync_client("acme")
    assert r.errors == 1, r.warnings
    note = ws.get_note("A3")
    assert note.startswith("sheetsync: неизвестный ID T-999999"), note
    assert any("unknown ID T-999999" in w for w in r.warnings)  # the operator's line stays English


def test_a_new_row_without_a_title_is_noted_in_russian(engine, store, manager):
    add(store, "A")
    engine.sync_client("acme")
    ws = manager.worksheet(BACKLOG)
    header = ws.row_values(1)
    ws.update_cell(3, header.index("Оценка, ч") + 1, 4)
    engine.sync_client("acme")
    note = ws.get_note(ws.cell(3, header.index("Задача") + 1).address)
    assert note.startswith("sheetsync: новой задаче нужно название"), note


@pytest.mark.parametrize("locale, start", [("ru", "sheetsync: конфликт"), ("en", "sheetsync: conflict")])
def test_the_planner_writes_notes_in_the_snapshot_locale(locale, start):
    from sheetsync.sync.actions import BaseRow, SetNote
    from sheetsync.sync.plan import SheetRow, SheetSnapshot, StoreTask, plan

    base = {"T-000001": BaseRow("backlog", {"title": "a", "status": "backlog", "priority": "3",
                                            "estimate_source": "manual"})}
    row = SheetRow("backlog", 2, "T-000001", {"title": "sheet", "status": "backlog", "priority": "3",
                                              "estimate_source": "manual"})
    snap = SheetSnapshot("sid", {"backlog": ["title", "status", "priority", "estimate_source"], "in_work": []},
                         [row], locale=locale)
    store = {"T-000001": StoreTask("T-000001", {"title": "store", "status": "backlog", "priority": "3",
                                                "estimate_source": "manual"})}
    p = plan(base, snap, store)
    (note,) = [a.note for a in p.of(SetNote)]
    assert note.startswith(start) and "sheetsync conflicts resolve ID --take" in note


def test_a_conflict_note_shows_values_as_the_sheet_does(engine, store, manager):
    """A status conflict quotes labels («На проверке»), a date conflict 24.11.2026 — never store keys."""
    k = add(store, "A", status="in_progress", deadline="2026-11-24")
    engine.sync_client("acme")
    iw = manager.worksheet("В работе")
    header = iw.row_values(1)
    status, deadline = header.index("Статус") + 1, header.index("Срок") + 1
    iw.update_cell(2, deadline, "25.11.2026")
    store.tasks.update(k, {"deadline": "2026-11-26"}, origin="cli", actor="team")
    r = engine.sync_client("acme")
    assert r.conflicts == 1, r.warnings
    note = iw.get_note(iw.cell(2, deadline).address)
    assert "«26.11.2026»" in note and "2026-11-26" not in note, note
    iw.update_cell(2, status, "На проверке")
    store.tasks.update(k, {"status": "waiting_client"}, origin="cli", actor="team")
    engine.sync_client("acme")
    note = iw.get_note(iw.cell(2, status).address)
    assert "«Ждёт клиента»" in note and "waiting_client" not in note, note
