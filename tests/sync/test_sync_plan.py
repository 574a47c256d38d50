"""The pure planner, table-driven: every base/sheet/store combination per field, and each row rule."""

from __future__ import annotations

import itertools

import pytest
from syncsim import World

from sheetsync.sync.actions import (
    AppendRow,
    BaseRow,
    ClearRow,
    CreateTask,
    RecordConflict,
    RecordError,
    ResolveError,
    RestoreTask,
    SetNote,
    Tombstone,
    UpdateStoreField,
    Warn,
    WriteCell,
)
from sheetsync.sync.plan import Policy, SheetRow, SheetSnapshot, StoreTask, plan, row_token

MISSING = object()
COLS = {"backlog": ["title", "priority", "status"], "in_work": ["title", "status", "actual_hours"]}


def one(field, base, sheet, store, *, sheet_name="backlog", policy=None):
    """Plan one task whose only difference is ``field``."""
    common = {"title": "T", "priority": "3", "status": "backlog" if sheet_name == "backlog" else "planned",
              "actual_hours": None}
    sv = {**common, field: sheet}
    tv = {**common, field: store}
    bv = {f: common[f] for f in COLS[sheet_name]}
    if base is MISSING:
        bases = {}
    else:
        bv[field] = base
        bases = {"T-000001": BaseRow(sheet_name, bv)}
    snap = SheetSnapshot("SS", COLS, [SheetRow(sheet_name, 2, "T-000001", {f: sv[f] for f in COLS[sheet_name]})])
    return plan(bases, snap, {"T-000001": StoreTask("T-000001", tv)}, policy or Policy(required=frozenset()))


VALUES = [None, "a", "b", "c"]


def expected(base, sheet, store, winner):
    """The decision table of the docstring, written out independently of the planner."""
    if sheet == store:
        return "noop", sheet
    if base is not MISSING and sheet == base:
        return "push", store
    if base is not MISSING and store == base:
        return "pull", sheet
    return "conflict", sheet if winner == "sheet" else store


@pytest.mark.parametrize("field, sheet_name, winner", [
    ("title", "backlog", "sheet"),  # manager field: sheet wins
    ("actual_hours", "in_work", "store"),  # team field: store wins
])
@pytest.mark.parametrize("base, sheet, store", list(itertools.product([MISSING, *VALUES], VALUES, VALUES)))
def test_field_decision_table(field, sheet_name, winner, base, sheet, store):
    p = one(field, base, sheet, store, sheet_name=sheet_name)
    kind, final = expected(base, sheet, store, winner)
    writes = p.of(WriteCell)
    pulls = p.of(UpdateStoreField)
    conflicts = p.of(RecordConflict)
    assert not p.of(AppendRow, ClearRow, Tombstone, CreateTask)
    if kind == "noop":
        assert p.actions == []
    elif kind == "push":
        assert writes == [WriteCell(sheet_name, 2, "T-000001", field, store, sheet)] and not pulls and not conflicts
    elif kind == "pull":
        assert pulls == [UpdateStoreField("T-000001", field, store, sheet)] and not writes and not conflicts
    else:
        assert len(conflicts) == 1
        c = conflicts[0]
        assert (c.sheet_value, c.store_value, c.winner) == (sheet, store, winner)
        assert c.base_value == (None if base is MISSING else base)
        notes = p.of(SetNote)
        assert len(notes) == 1 and notes[0].field == field and "conflict" in notes[0].note
        if winner == "sheet":
            assert pulls == [UpdateStoreField("T-000001", field, store, sheet)] and not writes
        else:
            assert writes == [WriteCell(sheet_name, 2, "T-000001", field, store, sheet)] and not pulls
    assert p.base["T-000001"].values[field] == final


def test_required_field_emptied_in_sheet_is_refused_not_applied():
    p = one("title", "a", None, "a", policy=Policy())
    assert not p.of(UpdateStoreField, WriteCell)
    (e,) = p.of(RecordError)
    assert e.field == "title" and "cannot be empty" in e.message
    assert p.base["T-000001"].values["title"] == "a"


def test_policy_is_configurable_per_group():
    pol = Policy(winners={"team": "sheet"}, default_winner="store", required=frozenset())
    p = one("title", "a", "b", "c", policy=pol)
    assert p.of(RecordConflict)[0].winner == "store"
    p = one("actual_hours", "a", "b", "c", sheet_name="in_work", policy=pol)
    assert p.of(RecordConflict)[0].winner == "sheet"
    with pytest.raises(ValueError, match="'sheet' or 'store'"):
        Policy(default_winner="newest")


def test_derived_fields_flow_store_to_sheet_only():
    pol = Policy(derived=frozenset({"priority"}), required=frozenset())
    p = one("priority", "3", "5", "3", policy=pol)  # a person edited a derived cell
    assert p.of(WriteCell) == [WriteCell("backlog", 2, "T-000001", "priority", "3", "5")]
    assert not p.of(UpdateStoreField, RecordConflict)


# --- rows -------------------------------------------------------------------------------------------
def synced_world(n=3, status="backlog") -> World:
    w = World()
    for i in range(n):
        key = w.new_key()
        w.tasks[key] = {"title": f"task {i}", "priority": "3", "estimate_hours": None, "status": status,
                        "deadline": None, "actual_hours": None}
    w.sync()
    w.check_converged()
    assert w.plan().empty
    return w


def row_of(w: World, key: str) -> tuple[str, int]:
    for sheet, rows in w.sheets.items():
        for n, row in rows.items():
            if row.get("key") == key:
                return sheet, n
    raise KeyError(key)


def test_store_only_tasks_are_appended_then_nothing_to_do():
    w = synced_world(3)
    assert sorted(w.sheets["backlog"]) == [2, 3, 4]
    assert w.sync().empty


def test_new_row_becomes_a_task_with_defaults_written_back():
    w = synced_world(1)
    w.sheets["backlog"][3] = {"title": "новая задача"}
    p = w.sync()
    (c,) = p.of(CreateTask)
    assert c.key is None and c.values["status"] == "backlog" and c.values["priority"] == "3"
    assert c.target == ("backlog", 3) and c.cells == {"priority": "3", "status": "backlog"}
    w.check_converged()
    assert len(w.tasks) == 2 and w.sync().empty


def test_new_row_in_work_status_moves_to_in_work_sheet():
    w = synced_world(1)
    w.sheets["backlog"][3] = {"title": "срочно", "status": "in_progress"}
    p = w.sync()
    (c,) = p.of(CreateTask)
    assert c.target == ("in_work", 2)
    w.check_converged()
    assert w.sync().empty


def test_new_row_without_title_is_reported_once_and_cleared_when_fixed():
    w = synced_world(1)
    w.sheets["backlog"][3] = {"priority": "2"}
    p = w.sync()
    (e,) = p.of(RecordError)
    assert e.field == "title" and not p.of(CreateTask)
    assert w.sync().empty  # noted once, not on every cycle
    w.sheets["backlog"][3]["title"] = "fixed"
    p = w.sync()
    assert p.of(CreateTask) and p.of(ResolveError)
    assert any(a.note is None and (a.sheet, a.row, a.field) == ("backlog", 3, "title") for a in p.of(SetNote))
    w.check_converged()
    assert not w.errors and not w.notes


@pytest.mark.parametrize("crash_after", range(0, 5))
def test_creation_survives_a_crash_at_any_step(crash_after):
    from syncsim import Crash

    w = synced_world(1)
    w.sheets["backlog"][3] = {"title": "one", "priority": "2"}
    w.sheets["backlog"][4] = {"title": "two", "status": "in_progress"}
    try:
        w.apply(w.plan(), crash_after=crash_after)
    except Crash:
        pass
    for _ in range(2):
        w.sync()
    w.check_converged()
    titles = sorted(t["title"] for t in w.tasks.values())
    assert titles == ["one", "task 0", "two"]  # never twice
    assert w.sync().empty


def test_reserved_key_written_but_task_not_created_completes_creation():
    w = synced_world(1)
    w.reservations["tok"] = "T-000099"
    w.sheets["backlog"][3] = {"key": "T-000099", "title": "half done"}
    p = w.sync()
    (c,) = p.of(CreateTask)
    assert c.key == "T-000099"
    w.check_converged()
    assert w.tasks["T-000099"]["title"] == "half done" and w.sync().empty


def test_deleted_row_is_tombstoned():
    w = synced_world(5)
    del w.sheets["backlog"][3]
    p = w.sync()
    assert p.of(Tombstone) == [Tombstone("T-000002", "backlog")]
    w.check_converged()
    assert "T-000002" in w.deleted and w.sync().empty


def test_deleted_row_edited_in_store_comes_back():
    w = synced_world(5)
    del w.sheets["backlog"][3]
    w.tasks["T-000002"]["priority"] = "1"
    p = w.sync()
    assert not p.of(Tombstone)
    (a,) = p.of(AppendRow)
    assert a.key == "T-000002" and a.values["priority"] == "1"
    w.check_converged()


def test_store_tombstone_with_sheet_edit_restores_the_task():
    w = synced_world(3)
    w.deleted.add("T-000001")
    sheet, n = row_of(w, "T-000001")
    w.sheets[sheet][n]["title"] = "still needed"
    p = w.sync()
    assert p.of(RestoreTask) == [RestoreTask("T-000001")]
    w.check_converged()
    assert w.tasks["T-000001"]["title"] == "still needed" and "T-000001" not in w.deleted


def test_store_tombstone_without_sheet_edit_clears_the_row():
    w = synced_world(3)
    w.deleted.add("T-000001")
    p = w.sync()
    assert [a.key for a in p.of(ClearRow)] == ["T-000001"]
    w.check_converged()
    assert w.sync().empty


@pytest.mark.parametrize("n, deleted, trips", [(20, 11, True), (20, 10, False), (6, 4, True), (6, 3, False),
                                               (2, 2, False), (4, 2, False)])
def test_mass_delete_guard(n, deleted, trips):
    w = synced_world(n)
    for row in list(w.sheets["backlog"])[:deleted]:
        del w.sheets["backlog"][row]
    p = w.sync()
    if trips:
        assert not p.of(Tombstone) and len(p.of(AppendRow)) == deleted
        assert any("mass delete" in m for m in p.warnings)
        assert not w.deleted
    else:
        assert len(p.of(Tombstone)) == deleted
    w.check_converged()
    assert w.sync().empty


def test_cleared_sheet_is_restored():
    w = synced_world(30)
    w.sheets["backlog"].clear()
    w.sync()
    assert not w.deleted and len(w.sheets["backlog"]) == 30
    w.check_converged()


def test_status_change_in_sheet_moves_row_to_in_work():
    w = synced_world(3)
    sheet, n = row_of(w, "T-000002")
    w.sheets[sheet][n]["status"] = "in_progress"
    p = w.sync()
    assert p.of(UpdateStoreField) == [UpdateStoreField("T-000002", "status", "backlog", "in_progress")]
    assert [(a.sheet, a.key) for a in p.of(AppendRow)] == [("in_work", "T-000002")]
    assert [(a.sheet, a.row) for a in p.of(ClearRow)] == [("backlog", n)]
    w.check_converged()
    assert row_of(w, "T-000002")[0] == "in_work" and w.sync().empty


def test_status_change_in_store_moves_row_back_to_backlog():
    w = synced_world(2, status="review")
    w.tasks["T-000001"]["status"] = "backlog"
    w.sync()
    w.check_converged()
    assert row_of(w, "T-000001")[0] == "backlog"


def test_cancelled_task_leaves_the_sheets():
    w = synced_world(2)
    sheet, n = row_of(w, "T-000001")
    w.sheets[sheet][n]["status"] = "cancelled"
    w.sync()
    w.check_converged()
    assert w.tasks["T-000001"]["status"] == "cancelled" and "T-000001" not in w.sheet_keys()
    assert w.sync().empty


def test_row_cut_and_pasted_to_other_sheet_is_found_not_deleted():
    w = synced_world(2)
    row = w.sheets["backlog"].pop(2)
    w.sheets["in_work"][2] = {"key": row["key"], "title": row["title"], "status": "backlog"}
    p = w.sync()
    assert not p.of(Tombstone)
    w.check_converged()


def test_sorted_rows_are_still_matched_by_id():
    w = synced_world(5)
    rows = list(w.sheets["backlog"].values())
    w.sheets["backlog"] = {i + 2: r for i, r in enumerate(reversed(rows))}
    assert w.plan().empty


def test_duplicated_id_with_different_content_is_reported_and_nothing_deleted():
    w = synced_world(3)
    copy = dict(w.sheets["backlog"][2], title="copy edited")
    w.sheets["backlog"][9] = copy
    del w.sheets["backlog"][3]  # and a row vanished meanwhile: must not be tombstoned while IDs are in doubt
    p = w.sync()
    assert not p.of(Tombstone, UpdateStoreField, WriteCell)
    assert any("duplicated ID T-000001" in m for m in p.warnings)
    assert {(e.sheet, e.row) for e in p.of(RecordError)} == {("backlog", 2), ("backlog", 9)}
    assert w.sync().of(RecordError) == []  # not re-noted every cycle
    w.sheets["backlog"][9]["key"] = None  # the manager clears the copy's ID: it becomes a new task
    w.sync()
    w.sync()
    w.check_converged()
    assert w.tasks["T-000001"]["title"] == "task 0"
    assert any(t["title"] == "copy edited" for t in w.tasks.values())


def test_identical_duplicate_is_repaired():
    w = synced_world(2)
    w.sheets["in_work"][2] = dict(w.sheets["backlog"][2])
    w.sheets["in_work"][2] = {k: v for k, v in w.sheets["in_work"][2].items() if k in ("key", "title", "status")}
    w.sheets["in_work"][2].update(deadline=None, actual_hours=None)
    p = w.sync()
    assert [(a.sheet, a.key) for a in p.of(ClearRow)] == [("in_work", "T-000001")]
    w.check_converged()


@pytest.mark.parametrize("bad", ["T-999999", "hello", "T-000002x"])
def test_unknown_or_edited_id_is_reported_never_synced(bad):
    w = synced_world(2)
    w.sheets["backlog"][2]["key"] = bad  # T-000001's ID was overwritten
    p = w.sync()
    assert not p.of(Tombstone, CreateTask, UpdateStoreField)
    assert any(f"unknown ID {bad}" in m for m in p.warnings)
    assert "T-000001" not in w.deleted
    w.sheets["backlog"][2]["key"] = "T-000001"  # put back
    p = w.sync()
    assert p.of(ResolveError)
    w.check_converged()
    assert not w.errors


def test_key_of_another_client_is_unknown():
    snap = SheetSnapshot("SS", COLS, [SheetRow("backlog", 2, "T-000777", {"title": "x", "status": "backlog"})])
    p = plan({}, snap, {})
    assert p.warnings and not p.of(CreateTask, WriteCell, UpdateStoreField)


def test_invalid_value_is_noted_not_applied_and_cleared_once_fixed():
    w = synced_world(2)
    w.tasks["T-000001"]["priority"] = "3"
    sheet, n = row_of(w, "T-000001")
    w.invalid[(sheet, n, "priority")] = "seven"
    p = w.sync()
    assert [(e.row_id, e.field, e.value) for e in p.of(RecordError)] == [("T-000001", "priority", "seven")]
    assert not p.of(UpdateStoreField, WriteCell)
    assert w.tasks["T-000001"]["priority"] == "3" and w.notes
    assert w.sync().empty  # stays noted, nothing rewritten
    del w.invalid[(sheet, n, "priority")]
    w.sheets[sheet][n]["priority"] = "1"
    p = w.sync()
    assert p.of(ResolveError) and w.tasks["T-000001"]["priority"] == "1"
    assert not w.notes and not w.errors
    w.check_converged()


def test_missing_sheet_is_neither_deleted_nor_appended():
    w = synced_world(2, status="planned")
    w.columns.pop("in_work")
    p = w.sync()
    assert p.empty
    assert set(w.base) == {"T-000001", "T-000002"}


def test_token_depends_on_place_and_content():
    a = row_token("SS", "backlog", 3, {"title": "x"})
    assert a == row_token("SS", "backlog", 3, {"title": "x", "priority": None})
    assert a != row_token("SS", "backlog", 4, {"title": "x"})
    assert a != row_token("SS", "backlog", 3, {"title": "y"})
    assert a != row_token("SS2", "backlog", 3, {"title": "x"})


def test_actions_print_for_people():
    w = synced_world(1)
    w.sheets["backlog"][2]["title"] = "новое"
    w.sheets["backlog"][3] = {"title": "ещё"}
    w.tasks["T-000001"]["priority"] = "1"
    lines = [str(a) for a in w.plan().actions]
    assert "store T-000001.title: 'task 0' -> 'новое'" in lines
    assert "sheet backlog!2 T-000001.priority: '3' -> '1'" in lines
    assert any(line.startswith("create task (new key) from backlog!3") for line in lines)
    assert str(Warn("x")) == "warning: x"


def test_pending_write_that_landed_is_not_mistaken_for_a_sheet_edit():
    """A run pushed status 'backlog' into the sheet and died before recording the base; the team then
    changed the status again. The cell holds exactly the pending value: our write, not a person's."""
    from syncsim import Crash

    w = synced_world(1, status="planned")
    w.tasks["T-000001"]["status"] = "backlog"
    try:
        w.apply(w.plan(), crash_after=2)  # store step and sheet write done, base not recorded
    except Crash:
        pass
    assert w.pending and row_of(w, "T-000001")[0] == "backlog"
    w.tasks["T-000001"]["status"] = "planned"  # the team changes its mind
    p = w.sync()
    assert not p.of(RecordConflict) and not p.of(UpdateStoreField)
    w.check_converged()
    assert w.tasks["T-000001"]["status"] == "planned" and row_of(w, "T-000001")[0] == "in_work"


def test_pulled_value_and_its_base_move_together():
    """A run pulled a sheet edit and died before the sheet write; the person then typed the old value
    back. That is a new edit and must flow to the store."""
    from syncsim import Crash

    w = synced_world(1)
    sheet, n = row_of(w, "T-000001")
    w.sheets[sheet][n]["priority"] = "1"
    try:
        w.apply(w.plan(), crash_after=1)
    except Crash:
        pass
    assert w.tasks["T-000001"]["priority"] == "1"
    w.sheets[sheet][n]["priority"] = "3"
    w.sync()
    assert w.tasks["T-000001"]["priority"] == "3"
    w.check_converged()
