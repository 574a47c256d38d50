"""Each phase of the pure planner on its own (``plan()`` chains them; tests/sync/test_sync_plan.py covers the whole)."""

from __future__ import annotations

import pytest

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
from sheetsync.sync.plan import (
    Draft,
    Inputs,
    Plan,
    Policy,
    SheetRow,
    SheetSnapshot,
    StoreTask,
    Task,
    Vanished,
    check_ids,
    clear_resolved_notes,
    create_task,
    follow_status,
    landed,
    match_rows,
    merge_fields,
    merge_row,
    new_task_values,
    put_back,
    resolve_errors,
    row_cleared,
    row_missing,
    settle_vanished,
    sync_tasks,
)

COLS = {"backlog": ["title", "priority", "status"], "in_work": ["title", "status", "actual_hours"]}
K1, K2, K3 = "T-000001", "T-000002", "T-000003"


def row(n, key, sheet="backlog", **values):
    return SheetRow(sheet, n, key, {"title": "T", "priority": "3", "status": "backlog", **values}
                    if sheet == "backlog" else {"title": "T", "status": "planned", "actual_hours": None, **values})


def task(key, **values):
    return StoreTask(key, {"title": "T", "priority": "3", "status": "backlog", "actual_hours": None, **values})


def setup(rows=(), store=(), policy=None, reserved=(), open_errors=None, cols=COLS):
    inputs = Inputs(SheetSnapshot("SS", cols, list(rows), locale="en"), {t.key: t for t in store},
                    policy or Policy(required=frozenset()), frozenset(reserved), open_errors or {})
    return inputs, Draft.start(inputs)


# --- rows by key ----------------------------------------------------------------------------------------
def test_match_rows_groups_by_key_and_keeps_keyless_rows_in_sheet_order():
    rows = [row(3, K1), row(2, K1, sheet="in_work"), row(4, None), row(5, None, title=None, priority=None,
                                                                          status=None),
            SheetRow("other", 2, K2, {"title": "x"})]
    by_key, keyless = match_rows(SheetSnapshot("SS", COLS, rows))
    assert by_key == {K1: [rows[0], rows[1]]}  # backlog before in_work; a sheet not synced is ignored
    assert keyless == [rows[2]]  # the blank row is no new task


def test_landed_advances_the_base_over_pending_values_visible_in_the_sheet():
    base = {K1: BaseRow("backlog", {"title": "old", "priority": "3"})}
    by_key = {K1: [row(2, K1, title="new")]}
    out = landed(base, {K1: {"title": "new", "priority": "1"}}, by_key)
    assert out[K1] == BaseRow("backlog", {"title": "new", "priority": "3"})  # priority "1" did not land
    assert landed(base, {}, by_key) is base


# --- IDs in doubt -------------------------------------------------------------------------------------------
def test_check_ids_reports_an_unknown_key_and_leaves_its_row_alone():
    inputs, draft = setup([row(2, "T-000009")], store=[task(K1)])
    by_key, untrusted = check_ids(inputs, draft, {"T-000009": [row(2, "T-000009")]})
    assert untrusted == {"T-000009"}
    assert [type(a) for a in draft.plan.actions] == [RecordError, SetNote, Warn]
    assert draft.seen_errors == {("T-000009", "key")}


def test_check_ids_repairs_identical_copies_on_the_task_home_sheet():
    a, b = row(2, K1), row(5, K1)
    inputs, draft = setup([a, b], store=[task(K1)])
    by_key, untrusted = check_ids(inputs, draft, {K1: [a, b]})
    assert not untrusted and by_key[K1] == [a]
    assert draft.plan.actions == [ClearRow("backlog", 5, K1, "identical copy of a row (repair)")]


def test_check_ids_distrusts_a_key_on_rows_that_differ():
    a, b = row(2, K1), row(5, K1, title="other")
    inputs, draft = setup([a, b], store=[task(K1)])
    _by_key, untrusted = check_ids(inputs, draft, {K1: [a, b]})
    assert untrusted == {K1}
    assert draft.plan.warnings == [f"duplicated ID {K1} on backlog!2, backlog!5; not synced until fixed"]


def test_an_open_error_with_the_same_message_is_not_noted_again():
    inputs, draft = setup()
    r = row(2, "T-1")
    draft.error(r, "T-1", "key", "T-1", "why")
    assert len(draft.plan.actions) == 2
    inputs, draft = setup(open_errors={("T-1", "key"): "why"})
    draft.error(r, "T-1", "key", "T-1", "why")
    assert draft.plan.actions == [] and draft.seen_errors == {("T-1", "key")}


# --- every task -----------------------------------------------------------------------------------------------
def test_sync_tasks_collects_vanished_and_cleared_rows_for_later():
    cleared = SheetRow("backlog", 3, K2, {"title": None, "priority": None, "status": None})
    base = {K1: BaseRow("backlog", {"title": "T"}), K2: BaseRow("backlog", {"title": "T"})}
    inputs, draft = setup([cleared], store=[task(K1), task(K2)])
    gone = sync_tasks(inputs, draft, base, {K2: [cleared]}, frozenset())
    assert gone == Vanished([K1, K2], {K2: cleared})
    assert draft.plan.actions == []


def test_sync_tasks_keeps_the_base_of_a_key_in_doubt():
    base = {K1: BaseRow("backlog", {"title": "T"})}
    inputs, draft = setup(store=[task(K1)])
    assert sync_tasks(inputs, draft, base, {}, frozenset({K1})) == Vanished()
    assert draft.plan.base == base


def test_row_cleared_before_any_sync_is_put_back():
    r = SheetRow("backlog", 2, K1, {"title": None, "priority": None, "status": None})
    inputs, draft = setup([r], store=[task(K1)])
    assert not row_cleared(inputs, draft, Task(task(K1), r, None))
    assert {a.field for a in draft.plan.of(WriteCell)} == {"title", "priority", "status"}
    assert draft.plan.base[K1] == BaseRow("backlog", {"title": "T", "priority": "3", "status": "backlog"})


def test_row_cleared_of_a_deleted_task_takes_its_id_off():
    r = SheetRow("backlog", 2, K1, {"title": None, "priority": None, "status": None})
    inputs, draft = setup([r], store=[StoreTask(K1, task(K1).values, deleted=True)])
    assert not row_cleared(inputs, draft, Task(inputs.store[K1], r, BaseRow("backlog", {})))
    assert draft.plan.of(ClearRow) == [ClearRow("backlog", 2, K1, "task deleted (row cleared); removing its ID")]


@pytest.mark.parametrize("status, base, vanished, appended", [
    ("backlog", None, False, True),  # new in the store: onto its sheet
    ("cancelled", None, False, False),  # on no sheet: nothing to do
    ("backlog", BaseRow("backlog", {"title": "T"}), True, False),  # its row vanished
    ("backlog", BaseRow("gone", {"title": "T"}), False, False),  # its sheet is missing: decided later
])
def test_row_missing(status, base, vanished, appended):
    inputs, draft = setup()
    s = task(K1, status=status)
    assert row_missing(inputs, draft, s, base) is vanished
    assert bool(draft.plan.of(AppendRow)) is appended
    if base is not None and base.sheet == "gone":
        assert draft.plan.base == {K1: base}


# --- merging a row ----------------------------------------------------------------------------------------------
def test_merge_fields_pulls_pushes_and_records_a_conflict():
    r = row(2, K1, title="sheet", priority="1")  # title: both changed; priority: the sheet changed
    s = task(K1, title="store", status="backlog")
    b = BaseRow("backlog", {"title": "base", "priority": "3", "status": "backlog"})
    inputs, _ = setup([r], store=[s])
    fm = merge_fields(inputs, Task(s, r, b))
    assert fm.store == [RecordConflict(K1, "title", "sheet", "store", "base", "sheet"),
                        UpdateStoreField(K1, "title", "store", "sheet"),
                        UpdateStoreField(K1, "priority", "3", "1")]
    assert [type(a) for a in fm.cells] == [SetNote]  # the conflict's note; nothing written
    assert fm.merged["title"] == "sheet" and fm.agreed == {"title": "sheet", "priority": "1", "status": "backlog"}


def test_merge_fields_writes_the_store_value_when_only_the_store_changed():
    r = row(2, K1)
    s = task(K1, priority="1")
    inputs, _ = setup([r], store=[s])
    fm = merge_fields(inputs, Task(s, r, BaseRow("backlog", {"title": "T", "priority": "3", "status": "backlog"})))
    assert fm.store == [] and fm.cells == [WriteCell("backlog", 2, K1, "priority", "1", "3")]


def test_merge_fields_refuses_to_empty_a_required_cell():
    r = row(2, K1, title=None)
    s = task(K1)
    inputs, _ = setup([r], store=[s], policy=Policy())
    fm = merge_fields(inputs, Task(s, r, BaseRow("backlog", {"title": "T"})))
    assert fm.invalid == ["title"] and "title" in fm.row.errors and fm.agreed["title"] == "T"
    assert not fm.store


def test_merge_fields_derived_columns_always_show_the_store():
    cols = {"backlog": ["title", "status", "plan_note"]}
    r = SheetRow("backlog", 2, K1, {"title": "T", "status": "backlog", "plan_note": "typed"})
    s = StoreTask(K1, {"title": "T", "status": "backlog", "plan_note": "planned"})
    inputs, _ = setup([r], store=[s], cols=cols)
    fm = merge_fields(inputs, Task(s, r, None))
    assert fm.cells == [WriteCell("backlog", 2, K1, "plan_note", "planned", "typed")] and not fm.store


def test_merge_row_restores_a_task_deleted_in_the_store_but_edited_in_the_sheet():
    r = row(2, K1, title="edited")
    s = StoreTask(K1, task(K1).values, deleted=True)
    inputs, draft = setup([r], store=[s])
    merge_row(inputs, draft, Task(s, r, BaseRow("backlog", {"title": "T", "priority": "3", "status": "backlog"})))
    assert draft.plan.actions[:2] == [RestoreTask(K1), UpdateStoreField(K1, "title", "T", "edited")]


# --- status moves ---------------------------------------------------------------------------------------------
def _merged(inputs, status, r=None):
    r = r or row(2, K1, status=status)
    s = task(K1)
    return merge_fields(inputs, Task(s, r, BaseRow("backlog", dict(s.values))))


def test_follow_status_moves_a_row_to_its_home_sheet():
    inputs, draft = setup([row(2, K1, status="planned")], store=[task(K1)])
    follow_status(inputs, draft, K1, _merged(inputs, "planned"))
    assert draft.plan.actions == [
        AppendRow("in_work", 2, K1, {"title": "T", "status": "planned", "actual_hours": None},
                  "status planned: moved from backlog"),
        ClearRow("backlog", 2, K1, "moved to in_work")]
    assert draft.plan.base[K1].sheet == "in_work"


def test_follow_status_clears_a_row_whose_status_is_on_no_sheet():
    inputs, draft = setup([row(2, K1, status="cancelled")], store=[task(K1)])
    follow_status(inputs, draft, K1, _merged(inputs, "cancelled"))
    assert draft.plan.actions == [ClearRow("backlog", 2, K1, "status cancelled: on no sheet")] and not draft.plan.base


def test_follow_status_leaves_a_row_whose_home_sheet_is_missing():
    inputs, draft = setup([row(2, K1, status="planned")], store=[task(K1)], cols={"backlog": COLS["backlog"]})
    follow_status(inputs, draft, K1, _merged(inputs, "planned"))
    assert draft.plan.base[K1].sheet == "backlog"
    assert draft.plan.warnings == [f"{K1} belongs on sheet in_work, which is missing; left on backlog. "
                                   f"Run `sheetsync provision`."]


# --- vanished rows ----------------------------------------------------------------------------------------------
def _vanished(n, **store_values):
    keys = [f"T-{i:06d}" for i in range(1, n + 1)]
    base = {k: BaseRow("backlog", {"title": "T", "priority": "3", "status": "backlog"}) for k in keys}
    return keys, base, [task(k, **store_values) for k in keys]


def test_settle_vanished_tombstones_a_deleted_row():
    keys, base, store = _vanished(1)
    inputs, draft = setup(store=store)
    settle_vanished(inputs, draft, {**base, K2: BaseRow("backlog", {}), K3: BaseRow("backlog", {})},
                    Vanished(keys), doubt=False)
    assert draft.plan.actions == [Tombstone(K1, "backlog")]


def test_settle_vanished_puts_back_a_row_the_team_changed():
    keys, base, store = _vanished(1, title="changed")
    inputs, draft = setup(store=store)
    settle_vanished(inputs, draft, {**base, K2: BaseRow("backlog", {}), K3: BaseRow("backlog", {})},
                    Vanished(keys), doubt=False)
    assert [a.reason for a in draft.plan.of(AppendRow)] == ["changed by the team after the row was deleted"]


def test_settle_vanished_mass_delete_guard_restores_everything():
    keys, base, store = _vanished(4)
    inputs, draft = setup(store=store)
    settle_vanished(inputs, draft, base, Vanished(keys), doubt=False)
    assert not draft.plan.of(Tombstone) and len(draft.plan.of(AppendRow)) == 4
    assert draft.plan.warnings[0].startswith("mass delete guard: 4 of 4 rows vanished at once")
    assert [a.row for a in draft.plan.of(AppendRow)] == [2, 3, 4, 5]  # free rows, in order


def test_settle_vanished_deletes_nothing_while_ids_are_in_doubt():
    keys, base, store = _vanished(1)
    inputs, draft = setup(store=store)
    settle_vanished(inputs, draft, base, Vanished(keys), doubt=True)
    assert not draft.plan.of(Tombstone) and draft.plan.base == base


def test_put_back_to_the_home_sheet_when_the_status_moved():
    r = SheetRow("backlog", 4, K1, {"title": None, "priority": None, "status": None})
    inputs, draft = setup([r])
    put_back(inputs, draft, r, task(K1, status="planned"), "why")
    assert draft.plan.actions == [AppendRow("in_work", 2, K1, {"title": "T", "status": "planned", "actual_hours": None},
                                            "why"), ClearRow("backlog", 4, K1, "moved to in_work")]


# --- new rows ---------------------------------------------------------------------------------------------------
def test_new_task_values_fill_defaults_and_the_sheet_status():
    r = SheetRow("in_work", 3, None, {"title": "x", "status": None})
    assert new_task_values(r, Policy()) == {"title": "x", "status": "planned", "priority": "3",
                                            "estimate_source": "manual"}


def test_create_task_from_a_keyless_row_in_place():
    r = SheetRow("backlog", 3, None, {"title": "x", "priority": None, "status": None})
    inputs, draft = setup([r])
    create_task(inputs, draft, r)
    (c,) = draft.plan.actions
    assert isinstance(c, CreateTask) and c.key is None and c.target == ("backlog", 3)
    assert c.cells == {"priority": "3", "status": "backlog"}  # only what the row does not show yet


def test_a_keyless_row_without_a_title_waits_with_a_note():
    r = SheetRow("backlog", 3, None, {"title": None, "priority": "2", "status": None})
    inputs, draft = setup([r])
    create_task(inputs, draft, r)
    assert [type(a) for a in draft.plan.actions] == [RecordError, SetNote]
    assert draft.plan.of(RecordError)[0].field == "title"


def test_create_task_moves_a_row_typed_on_the_other_sheet():
    r = SheetRow("backlog", 3, None, {"title": "x", "priority": None, "status": "in_progress"})
    inputs, draft = setup([r])
    create_task(inputs, draft, r)
    assert draft.plan.of(CreateTask)[0].target == ("in_work", 2)


# --- notes that no longer apply ---------------------------------------------------------------------------------
def test_resolve_errors_takes_a_fixed_cell_note_off():
    inputs, draft = setup([row(2, K1)], open_errors={(K1, "priority"): "bad"})
    resolve_errors(inputs, draft)
    assert draft.plan.actions == [ResolveError(K1, "priority"), SetNote("backlog", 2, K1, "priority", None)]


def test_resolve_errors_leaves_a_cell_still_invalid():
    inputs, draft = setup([row(2, K1)], open_errors={(K1, "priority"): "bad"})
    draft.seen_errors.add((K1, "priority"))
    resolve_errors(inputs, draft)
    assert draft.plan.actions == []


def test_clear_resolved_notes_skips_a_row_that_moves_away():
    inputs, draft = setup([row(2, K1), row(3, K2)])
    draft.act(ClearRow("backlog", 3, K2, "moved"))
    clear_resolved_notes(inputs, draft, [(K1, "title"), (K2, "title"), (K1, "title")])
    assert draft.plan.of(SetNote) == [SetNote("backlog", 2, K1, "title", None)]


# --- the plan's actions by kind, typed --------------------------------------------------------------------------
def test_plan_of_one_kind_and_of_several():
    p = Plan([Tombstone(K1, "backlog"), Warn("w"), Tombstone(K2, "backlog")])
    tombs = p.of(Tombstone)
    assert [t.key for t in tombs] == [K1, K2]  # typed: .key needs no cast
    assert p.of(Warn, Tombstone) == p.actions
