"""How a manager removes a task: Google refuses their row deletion (protected ID), so they either clear
the row's cells (a deletion: tombstone, guarded, restorable) or set the status to «Отменена»."""

from __future__ import annotations

import gspread
import pytest

from sheetsync.sync.actions import BaseRow, ClearRow, Tombstone, WriteCell
from sheetsync.sync.plan import Policy, SheetRow, SheetSnapshot, StoreTask, plan

BACKLOG = "Бэклог"
COLS = {"backlog": ["title", "priority", "status", "plan_note"]}
FULL = {"title": "T", "priority": "3", "status": "backlog", "plan_note": "не влезла"}
EMPTY = {"title": None, "priority": None, "status": None, "plan_note": "не влезла"}  # the planner's cell is kept


def add(store, title, **kw):
    return store.tasks.create("acme", {"title": title, **kw}, origin="cli", actor="team").key


def by_key(ss):
    vals = ss.worksheet(BACKLOG).get_all_values()
    return {r[0]: r for r in vals[1:] if r and r[0]}


def ok(engine):
    r = engine.sync_client("acme")
    assert r.failed is None, r.warnings
    again = engine.sync_client("acme")
    assert again.writes == 0 and again.plan.empty, [str(a) for a in again.plan.actions]
    return r


def clear_content(manager, row):
    """What a manager does: select the row from the title to the client comment and press Delete."""
    manager.worksheet(BACKLOG).batch_clear([f"B{row}:K{row}"])


# --- through gspread, as the manager ------------------------------------------------------------------
def test_a_manager_cannot_delete_a_row(engine, store, manager):
    add(store, "A")
    ok(engine)
    with pytest.raises(gspread.exceptions.APIError, match="protected"):
        manager.worksheet(BACKLOG).delete_rows(2)


def test_clearing_a_row_deletes_the_task_restorably(engine, store, manager):
    keep, gone = add(store, "Лендинг"), add(store, "Баннер", priority=2)
    ok(engine)
    clear_content(manager, 3)
    r = ok(engine)
    assert r.tombstoned == 1 and r.conflicts == 0 and r.errors == 0, r.warnings
    assert store.tasks.find(gone) is None and store.tasks.find(gone, include_deleted=True).deleted_at is not None
    assert manager.worksheet(BACKLOG).row_values(3) == []  # the ID went with it: the row is free again
    assert set(by_key(manager)) == {keep}
    assert any(c.field == "deleted_at" or c.action == "delete" for c in store.log(task=gone))
    store.restore(gone, origin="cli", actor="pm")  # `sheetsync restore T-...`
    ok(engine)
    assert by_key(manager)[gone][1:3] == ["Баннер", ""] and store.tasks.get(gone).priority == 2


def test_clearing_many_rows_at_once_is_guarded_and_put_back_in_place(engine, store, manager):
    keys = [add(store, f"t{i}") for i in range(12)]
    ok(engine)
    manager.worksheet(BACKLOG).batch_clear(["B2:K13"])  # 12 rows: more than mass_delete_max_rows = 10
    r = ok(engine)
    assert r.tombstoned == 0 and any("mass delete" in w for w in r.warnings)
    rows = by_key(manager)
    assert [rows[k][1] for k in keys] == [f"t{i}" for i in range(12)]
    assert manager.worksheet(BACKLOG).col_values(1)[1:13] == keys  # same rows, no duplicate IDs
    assert all(store.tasks.find(k) is not None for k in keys)


def test_a_task_the_team_changed_comes_back_after_a_clear(engine, store, manager):
    k = add(store, "A")
    ok(engine)
    clear_content(manager, 2)
    store.tasks.update(k, {"title": "A (team)"}, origin="cli", actor="team")
    r = ok(engine)
    assert r.tombstoned == 0 and store.tasks.get(k).title == "A (team)"
    assert by_key(manager)[k][1] == "A (team)"  # modification beats deletion


def test_status_cancelled_takes_the_task_off_the_sheet_and_is_restorable(engine, store, manager):
    k = add(store, "Статья")
    ok(engine)
    ws = manager.worksheet(BACKLOG)
    ws.update_cell(2, ws.row_values(1).index("Статус") + 1, "Отменена")
    r = ok(engine)
    assert r.pulled == 1 and store.tasks.get(k).status == "cancelled"
    assert ws.row_values(2) == []
    store.restore(k, field="status", origin="cli", actor="pm")  # `sheetsync restore T-... --field status`
    ok(engine)
    assert store.tasks.get(k).status == "backlog" and by_key(manager)[k][1] == "Статья"


# --- the planner's rules ------------------------------------------------------------------------------
def snap(values, key="T-000001"):
    return SheetSnapshot("SS", COLS, [SheetRow("backlog", 2, key, values)])


def test_cleared_row_with_a_base_is_a_deletion():
    p = plan({"T-000001": BaseRow("backlog", FULL)}, snap(EMPTY), {"T-000001": StoreTask("T-000001", FULL)})
    assert p.of(Tombstone) == [Tombstone("T-000001", "backlog")]
    assert p.of(ClearRow) == [ClearRow("backlog", 2, "T-000001", "deleted by clearing the row; removing its ID")]
    assert "T-000001" not in p.base


def test_a_half_cleared_row_is_an_edit_not_a_deletion():
    half = {**EMPTY, "priority": "3"}
    p = plan({"T-000001": BaseRow("backlog", FULL)}, snap(half), {"T-000001": StoreTask("T-000001", FULL)})
    assert not p.of(Tombstone) and p.counts()["errors"] >= 1  # emptied required cells are refused


def test_cleared_row_of_a_tombstoned_task_finishes_an_interrupted_delete():
    p = plan({"T-000001": BaseRow("backlog", FULL)}, snap(EMPTY),
             {"T-000001": StoreTask("T-000001", FULL, deleted=True)})
    assert [type(a) for a in p.actions] == [ClearRow]


def test_cleared_row_never_synced_is_put_back_from_the_store():
    p = plan({}, snap(EMPTY), {"T-000001": StoreTask("T-000001", FULL)})
    assert not p.of(Tombstone)
    assert {a.field: a.value for a in p.of(WriteCell)} == {"title": "T", "priority": "3", "status": "backlog"}
    assert p.base["T-000001"] == BaseRow("backlog", {f: FULL[f] for f in COLS["backlog"]})


def test_the_share_guard_counts_cleared_rows():
    base = {f"T-00000{i}": BaseRow("backlog", FULL) for i in range(1, 5)}
    store = {k: StoreTask(k, FULL) for k in base}
    rows = [SheetRow("backlog", i + 1, k, EMPTY if i <= 3 else FULL) for i, k in enumerate(sorted(base), start=1)]
    p = plan(base, SheetSnapshot("SS", COLS, rows), store, Policy())
    assert not p.of(Tombstone) and any("mass delete" in w for w in p.warnings)  # 3 of 4 > half
    assert {a.key for a in p.of(WriteCell)} == {"T-000001", "T-000002", "T-000003"}


def test_a_cleared_in_work_row_is_deleted_and_its_formula_cleared_too(engine, store, manager):
    k = add(store, "Баннер", status="in_progress", deadline="2026-11-01")
    ok(engine)
    ws = manager.worksheet("В работе")
    header = ws.row_values(1)
    # every cell a manager can clear: not the ID nor the computed, protected columns (overdue, days in stage)
    ws.batch_clear([gspread.utils.rowcol_to_a1(2, i) for i, h in enumerate(header, start=1)
                    if h not in ("ID", "Просрочка, дн", "Дней в этапе")])
    r = ok(engine)
    assert r.tombstoned == 1 and store.tasks.find(k) is None
    assert ws.row_values(2) == []


def test_a_crash_after_the_tombstone_still_clears_the_row(store, sheets, manager):
    from sheetsync.sync.engine import SyncEngine

    k = add(store, "A")
    ok(SyncEngine(store, sheets))
    clear_content(manager, 2)

    def crash(step):
        if step == "values":
            raise RuntimeError("killed before the values write")

    assert SyncEngine(store, sheets, on_write=crash).sync_client("acme").failed
    assert store.tasks.find(k) is None  # tombstoned in the store transaction; the row still has its ID
    assert manager.worksheet(BACKLOG).acell("A2").value == k
    r = ok(SyncEngine(store, sheets))
    assert r.tombstoned == 0 and store.tasks.find(k) is None and manager.worksheet(BACKLOG).row_values(2) == []


def test_rows_of_a_sheet_whose_title_or_status_column_is_missing_never_look_cleared():
    cols = {"backlog": ["priority", "plan_note"]}  # the title and status headers were not found
    snap_ = SheetSnapshot("SS", cols, [SheetRow("backlog", 2, "T-000001", {"priority": None, "plan_note": None})])
    p = plan({"T-000001": BaseRow("backlog", {"priority": "3"})}, snap_, {"T-000001": StoreTask("T-000001", FULL)},
             Policy(required=frozenset()))
    assert not p.of(Tombstone) and not p.of(ClearRow)
