"""A task that moves between the sheets (or leaves them) takes its row with it: no blank row is left behind.

The emptied row is deleted (``deleteDimension``) in the sync's structural batch, only when its clearing
was addressed by its row metadata and the write's response showed it empty where the ID-check read saw
it; a manager's edit in a row below moves up with its row and is never lost.
"""

from __future__ import annotations

import json

BACKLOG, IN_WORK = "Бэклог", "В работе"
STRUCTURE = "sheets.spreadsheets.batchUpdate"


def add(store, title, **kw):
    return store.tasks.create("acme", {"title": title, **kw}, origin="cli", actor="team").key


def grid(manager, title=BACKLOG):
    return [r for r in manager.worksheet(title).get_all_values()[1:]]


def used(manager, title=BACKLOG):
    """The data rows up to the last non-empty one, as (ID, title)."""
    rows = [(r[0], r[1]) for r in grid(manager, title)]
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def test_a_task_taken_into_work_leaves_no_blank_row_in_the_backlog(engine, store, manager):
    ka, kb, kc = add(store, "a"), add(store, "b"), add(store, "c")
    engine.sync_client("acme")
    ws = manager.worksheet(BACKLOG)
    ws.update_cell(3, ws.row_values(1).index("Статус") + 1, "В работе")
    r = engine.sync_client("acme")
    assert r.failed is None, r.warnings
    assert used(manager) == [(ka, "a"), (kc, "c")]  # the old code left ("", "") between them
    assert used(manager, IN_WORK) == [(kb, "b")]
    assert store.tasks.get(kb).status == "in_progress"
    again = engine.sync_client("acme")
    assert again.writes == 0 and again.plan.empty, [str(a) for a in again.plan.actions]
    # and back: the in-work sheet keeps no blank row either
    store.tasks.update(kb, {"status": "backlog"}, origin="planner", actor="planner")
    engine.sync_client("acme")
    assert used(manager, IN_WORK) == []
    assert sorted(used(manager)) == sorted([(ka, "a"), (kb, "b"), (kc, "c")])
    assert engine.sync_client("acme").plan.empty


def test_a_task_cancelled_in_the_store_takes_its_row_away(engine, store, manager):
    ka, kb, kc = add(store, "a"), add(store, "b"), add(store, "c")
    engine.sync_client("acme")
    store.tasks.update(ka, {"status": "cancelled"}, origin="cli", actor="team")
    engine.sync_client("acme")
    assert used(manager) == [(kb, "b"), (kc, "c")]


def test_a_managers_edit_below_during_the_sync_is_not_lost(engine, store, manager, emu):
    """Between the values write (which empties b's row) and the structural batch (which deletes it), the
    manager retitles c, the row below, by its position as gspread does: c's row moves up with the edit."""
    ka, _kb, kc, kd = add(store, "a"), add(store, "b"), add(store, "c"), add(store, "d")
    engine.sync_client("acme")
    ws = manager.worksheet(BACKLOG)
    header = ws.row_values(1)
    ws.update_cell(3, header.index("Статус") + 1, "В работе")
    seen = []

    def person(req):
        if req.name == STRUCTURE and req.user != "anna@agency.test" and not seen:
            body = json.loads(req.body or b"{}")
            if any("deleteDimension" in q for q in body.get("requests", [])):
                seen.append(body)
                ws.update_cell(4, header.index("Задача") + 1, "c (менеджер)")  # c's row, below b's

    remove = emu.on_request(person)
    r = engine.sync_client("acme")
    remove()
    assert seen and r.failed is None, r.warnings
    assert used(manager) == [(ka, "a"), (kc, "c (менеджер)"), (kd, "d")]
    engine.sync_client("acme")
    assert store.tasks.get(kc).title == "c (менеджер)" and store.tasks.get(kd).title == "d"
    assert used(manager) == [(ka, "a"), (kc, "c (менеджер)"), (kd, "d")]


def test_a_row_without_row_metadata_is_left_blank_not_deleted(engine, store, manager, emu, sid):
    """No anchor: its clearing was addressed by position, so the sync cannot be sure of the row; it stays."""
    from synchelpers import SA

    ka, kb, kc = add(store, "a"), add(store, "b"), add(store, "c")
    engine.sync_client("acme")
    s = emu.session(SA)
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{sid}:batchUpdate"
    got = s.post(url, json={"requests": [{"deleteDeveloperMetadata": {"dataFilter": {
        "developerMetadataLookup": {"metadataKey": "s"}}}}]})
    assert got.status_code == 200, got.text
    ws = manager.worksheet(BACKLOG)
    ws.update_cell(3, ws.row_values(1).index("Статус") + 1, "В работе")
    from sheetsync.sync.engine import SyncEngine

    r = SyncEngine(store, engine.sheets).sync_client("acme")
    assert r.failed is None, r.warnings
    assert used(manager) == [(ka, "a"), ("", ""), (kc, "c")]
    assert used(manager, IN_WORK) == [(kb, "b")]
