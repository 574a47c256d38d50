"""What the engine keeps between cycles (normalised rows, the store view, the base) and why it stays true.

A changed cell costs CPU for what changed: rows whose raw cells are unchanged are not normalised again,
tasks whose version did not move are not loaded again, and the base is not read back from the store
after our own run recorded it. Each kept view is checked before use; these tests show the checks bite.
"""

from __future__ import annotations

from sheetsync.sync import layout as layout_mod
from sheetsync.sync.engine import SyncEngine


def _row_of(manager, key):
    ws = manager.worksheet("Бэклог")
    return ws, next(i for i, r in enumerate(ws.get_all_values(), start=1) if r and r[0] == key)


def _quiet(engine, slug="acme"):
    for _ in range(4):
        if all(r.skipped for r in engine.cycle([slug]).clients):
            return
    raise AssertionError("the client did not settle")


def test_one_changed_cell_normalises_one_row(store, engine, manager, monkeypatch):
    keys = [store.tasks.create("acme", {"title": f"task {i}"}, origin="cli", actor="team").key for i in range(30)]
    _quiet(engine)
    ws, row = _row_of(manager, keys[0])
    ws.update([["first read since our own write"]], f"B{row}", raw=True)  # rows we wrote: normalised once
    assert engine.cycle(["acme"]).clients[0].pulled == 1
    calls = []
    real = layout_mod.from_sheet

    def counting(*args, **kw):
        calls.append(args[0])
        return real(*args, **kw)

    monkeypatch.setattr(layout_mod, "from_sheet", counting)
    ws, row = _row_of(manager, keys[7])
    ws.update([["retitled"]], f"B{row}", raw=True)
    r = engine.cycle(["acme"]).clients[0]
    assert r.pulled == 1 and store.tasks.get(keys[7]).title == "retitled"
    fields = len(engine._layouts[store.clients.get("acme").spreadsheet_id]["backlog"].fields)
    assert 0 < len(calls) <= fields, len(calls)  # one row's cells, not 30 rows'


def test_store_view_reloads_only_tasks_whose_version_moved(store, engine, monkeypatch):
    keys = [store.tasks.create("acme", {"title": f"task {i}"}, origin="cli", actor="team").key for i in range(10)]
    _quiet(engine)
    store.tasks.update(keys[3], {"priority": 1}, origin="cli", actor="team")
    asked = []
    real = store.tasks.list

    def listing(*args, **kw):
        asked.append(kw.get("keys"))
        return real(*args, **kw)

    monkeypatch.setattr(store.tasks, "list", listing)
    r = engine.cycle(["acme"]).clients[0]
    assert r.pushed == 1
    assert asked == [[keys[3]]], asked


def test_kept_base_is_dropped_when_another_process_synced_meanwhile(store, sheets, manager):
    """A base kept from our last run is stale once another run (another worker, the CLI) recorded one:
    used, the team's edit made after that run would look like a conflict the sheet wins, and be lost."""
    ours, other = SyncEngine(store, sheets), SyncEngine(store, sheets)
    t = store.tasks.create("acme", {"title": "first"}, origin="cli", actor="team")
    _quiet(ours)
    ws, row = _row_of(manager, t.key)
    ws.update([["by the manager"]], f"B{row}", raw=True)
    assert other.cycle(["acme"]).clients[0].pulled == 1  # the other process records the new base
    store.tasks.update(t.key, {"title": "by the team, later"}, origin="cli", actor="team")
    r = ours.cycle(["acme"]).clients[0]
    assert r.conflicts == 0 and r.pushed == 1, r
    assert store.tasks.get(t.key).title == "by the team, later"
    assert ws.cell(row, 2).value == "by the team, later"


def test_kept_base_is_dropped_after_a_failed_run(store, engine, manager):
    t = store.tasks.create("acme", {"title": "first"}, origin="cli", actor="team")
    _quiet(engine)
    store.tasks.update(t.key, {"priority": 1}, origin="cli", actor="team")

    def boom(step):
        if step == "base":
            raise RuntimeError("crash before the base is recorded")

    engine.on_write = boom
    assert engine.cycle(["acme"]).clients[0].failed
    engine.on_write = None
    sid = store.clients.get("acme").spreadsheet_id
    assert sid not in engine._bases
    _quiet(engine)
    assert store.sync.get_base(sid) == engine._bases[sid][1]


def test_kept_base_view_is_what_the_store_holds(store, engine, manager):
    """After runs that pull, push, create and move rows, the planner's kept view of the base equals the one
    built from the table."""
    from sheetsync.sync.actions import BaseRow

    keys = [store.tasks.create("acme", {"title": f"task {i}"}, origin="cli", actor="team").key for i in range(5)]
    _quiet(engine)
    sid = store.clients.get("acme").spreadsheet_id
    ws, row = _row_of(manager, keys[1])
    ws.update([["retitled"]], f"B{row}", raw=True)
    store.tasks.update(keys[2], {"status": "in_progress"}, origin="cli", actor="team")
    store.tasks.create("acme", {"title": "one more"}, origin="cli", actor="team")
    last = ws.get_all_values()
    ws.update([["typed by the manager"]], f"B{len(last) + 2}", raw=True)
    compared = 0
    for _ in range(4):
        engine.cycle(["acme"])
        if sid in engine._bases and engine._bases[sid][2] is not None:
            compared += 1
            built: dict[str, BaseRow] = {}
            for (sheet, key, f), v in store.sync.get_base(sid).items():
                built.setdefault(key, BaseRow(sheet, {})).values[f] = v
            assert engine._bases[sid][2] == built
            assert engine._bases[sid][1] == store.sync.get_base(sid)
    assert compared >= 2
