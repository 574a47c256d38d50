"""A person acting on the sheet *while* the sync writes (issue 13, items 1 and 2).

Each test puts a person between two of the sync's requests with the emulator's ``on_request`` hook:
the manager types a new row into the first empty row, or the owner inserts a row at the top, right
before (or right after) the sync's write. Nothing typed may be lost and no task may be tombstoned
or duplicated because of it.
"""

from __future__ import annotations

from synchelpers import SA

BACKLOG = "Бэклог"
WRITES = {"sheets.spreadsheets.values.batchUpdateByDataFilter", "sheets.spreadsheets.batchUpdate",
          "sheets.spreadsheets.values.batchUpdate", "sheets.spreadsheets.values.append"}


def add(store, title, **kw):
    return store.tasks.create("acme", {"title": title, **kw}, origin="cli", actor="team").key


def grid(ws):
    return ws.get_all_values()


def by_key(ws):
    vals = grid(ws)
    return {r[0]: dict(zip(vals[0], r, strict=False)) for r in vals[1:] if r and r[0]}


def before_first_write(emu, act):
    """Run ``act()`` right before the sync's first write request reaches the sheet."""
    done = []

    def hook(req):
        if not done and req.user == SA and req.name in WRITES:
            done.append(req.name)
            act()

    return emu.on_request(hook)


def live(store):
    return {t.key: t for t in store.tasks.list("acme")}


def converged(engine, store, ws):
    """Two more syncs; then every live backlog task is on the sheet once with its title."""
    for _ in range(2):
        r = engine.sync_client("acme")
        assert r.failed is None, r.warnings
    again = engine.sync_client("acme")
    assert again.plan.empty and again.writes == 0, [str(a) for a in again.plan.actions]
    keys = [r[0] for r in grid(ws)[1:] if r and r[0]]
    assert len(keys) == len(set(keys)), keys
    tasks = live(store)
    shown = by_key(ws)
    assert set(shown) == {k for k, t in tasks.items() if t.status == "backlog"}
    for k, row in shown.items():
        assert row["Задача"] == tasks[k].title


def manager_types(ws, row, title, expected="ожидание"):
    """A manager types a new row: title and expected result (columns B and C of the backlog)."""
    header = grid(ws)[0]
    ws.update([[title]], f"B{row}", raw=True)
    col = header.index("Ожидаемый результат") + 1
    ws.update_cell(row, col, expected)


def test_a_new_row_typed_right_before_the_append_is_kept(engine, store, emu, manager):
    for t in ("a", "b", "c"):
        add(store, t)
    engine.sync_client("acme")
    ws = manager.worksheet(BACKLOG)
    team = add(store, "team task")
    remove = before_first_write(emu, lambda: manager_types(ws, 5, "manager row"))  # the first empty row
    r = engine.sync_client("acme")
    remove()
    assert r.failed is None, r.warnings
    converged(engine, store, ws)
    titles = {t.title: t for t in live(store).values()}
    assert "manager row" in titles and titles["manager row"].expected_result == "ожидание"
    assert titles[store.tasks.get(team).title].key == team and store.tasks.get(team).title == "team task"
    assert store.tasks.get(team).expected_result in ("", None)


def test_the_append_never_writes_over_a_row_that_is_not_empty(engine, store, emu, manager):
    """The same race with the manager's row already complete: the sync's write lands elsewhere."""
    for t in ("a", "b", "c"):
        add(store, t)
    engine.sync_client("acme")
    ws = manager.worksheet(BACKLOG)
    add(store, "team 1")
    add(store, "team 2")
    remove = before_first_write(emu, lambda: (manager_types(ws, 5, "m1"), manager_types(ws, 6, "m2")))
    r = engine.sync_client("acme")
    remove()
    assert r.failed is None, r.warnings
    rows = {row[1]: row for row in grid(ws)[1:] if row and len(row) > 1}
    assert {"a", "b", "c", "team 1", "team 2", "m1", "m2"} <= set(rows), sorted(rows)
    converged(engine, store, ws)
    assert {"m1", "m2", "team 1", "team 2"} <= {t.title for t in live(store).values()}


def six(store, engine):
    keys = [add(store, f"task {i}") for i in range(6)]
    r = engine.sync_client("acme")
    assert r.failed is None
    return keys


def test_a_row_inserted_at_the_top_during_the_append_tombstones_nothing(engine, store, emu, owner, manager):
    keys = six(store, engine)
    team = add(store, "team task")
    remove = before_first_write(emu, lambda: owner.worksheet(BACKLOG).insert_row(["", "inserted"], 2))
    r = engine.sync_client("acme")
    remove()
    assert r.failed is None, r.warnings
    ws = manager.worksheet(BACKLOG)
    converged(engine, store, ws)
    tasks = live(store)
    assert all(k in tasks for k in [*keys, team]), sorted(set([*keys, team]) - set(tasks))
    assert not [t for t in store.tasks.list("acme", include_deleted=True) if t.deleted_at is not None]
    titles = sorted(t.title for t in tasks.values())
    assert titles == sorted([*(f"task {i}" for i in range(6)), "team task", "inserted"])


def test_a_row_inserted_at_the_top_while_a_typed_row_gets_its_id(engine, store, emu, owner, manager):
    keys = six(store, engine)
    ws = manager.worksheet(BACKLOG)
    ws.update([["typed"]], "B8", raw=True)  # the first empty row under the six tasks
    remove = before_first_write(emu, lambda: owner.worksheet(BACKLOG).insert_row(["", "inserted"], 2))
    r = engine.sync_client("acme")
    remove()
    assert r.failed is None, r.warnings
    assert any("taken back from task " + keys[-1] in w for w in r.warnings), r.warnings
    assert by_key(ws)[keys[-1]]["Задача"] == "task 5"  # the last task keeps its ID
    converged(engine, store, ws)
    tasks = live(store)
    assert all(k in tasks for k in keys), sorted(set(keys) - set(tasks))
    assert not [t.key for t in store.tasks.list("acme", include_deleted=True) if t.deleted_at is not None]
    titles = sorted(t.title for t in tasks.values())
    assert titles == sorted([*(f"task {i}" for i in range(6)), "typed", "inserted"]), titles


def test_a_manager_appending_through_the_api_never_collides_in_either_order(engine, store, emu, manager):
    """values:append (Google's way to add a row) finds the table's end when it runs: before our insert
    its row is pushed down by it; after it, it lands below ours."""
    for t in ("a", "b", "c"):
        add(store, t)
    engine.sync_client("acme")
    ws = manager.worksheet(BACKLOG)
    team1 = add(store, "team 1")
    remove = before_first_write(emu, lambda: ws.append_row(["m before"], value_input_option="RAW",
                                                           table_range="B1:C1"))
    engine.sync_client("acme")
    remove()
    team2 = add(store, "team 2")
    engine.sync_client("acme")
    ws.append_row(["m after"], value_input_option="RAW", table_range="B1:C1")  # right after our write
    converged(engine, store, ws)
    titles = {t.title: t.key for t in live(store).values()}
    assert titles["team 1"] == team1 and titles["team 2"] == team2
    assert {"m before", "m after"} <= set(titles)


def test_a_cell_typed_by_address_after_our_insert_is_an_edit_of_that_row(engine, store, emu, manager):
    """What the API leaves open (docs/sync.md, "Races"): a client that saw row 5 empty and writes B5 *after*
    our insert edits our new row. The edit is pulled like any other; the team's title stays in the log."""
    for t in ("a", "b", "c"):
        add(store, t)
    engine.sync_client("acme")
    ws = manager.worksheet(BACKLOG)
    team = add(store, "team task")
    engine.sync_client("acme")
    assert by_key(ws)[team]["Задача"] == "team task"
    manager_types(ws, 5, "manager row")  # row 5 is the team's new row now
    converged(engine, store, ws)
    assert store.tasks.get(team).title == "manager row"
    import json
    olds = [json.loads(c.old) for c in store.log(task=team) if c.field == "title" and c.old]
    assert "team task" in olds


def test_a_typed_row_with_numbers_and_a_formula_gets_its_id_in_one_sync(engine, store, manager):
    """The check of a typed row's cells after the write compares like with like (no false alarm)."""
    add(store, "a")
    engine.sync_client("acme")
    ws = manager.worksheet(BACKLOG)
    header = grid(ws)[0]
    ws.update([["typed"]], "B3", raw=True)
    ws.update_cell(3, header.index("Оценка, ч") + 1, "2,5")
    ws.update_cell(3, header.index("Приоритет") + 1, 1)
    ws.update_cell(3, header.index("Ожидаемый результат") + 1, "=1+1")
    r = engine.sync_client("acme")
    assert r.failed is None and not [w for w in r.warnings if "taken back" in w], r.warnings
    assert r.created == 1
    t = next(t for t in live(store).values() if t.title == "typed")
    assert by_key(ws)[t.key]["Задача"] == "typed"
