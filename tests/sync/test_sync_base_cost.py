"""Recording the base writes only what changed, and leaves exactly the rows the old full replace left."""

from __future__ import annotations

import copy
import dataclasses
import shutil

import pytest
from sqlalchemy import event, select
from synchelpers import MANAGER, SA

BACKLOG = "Бэклог"


class Boom(Exception):
    pass


def _world(tmp_path, template, name, *, replace):
    from gsheets_emulator import Emulator

    from sheetsync.sheets import Backend, RetryPolicy, connect
    from sheetsync.store.facade import Store
    from sheetsync.sync.engine import SyncEngine

    class ReplacingEngine(SyncEngine):
        """The behaviour before issue #5: no old base handed to the executor, so the base is replaced."""

        def _plan(self, *a, **kw):
            return dataclasses.replace(super()._plan(*a, **kw), old_base=None)

    path = tmp_path / f"{name}.db"
    shutil.copy(template[0], path)
    st = Store.open(path, migrate_schema=False)
    emu = Emulator()
    emu.files = copy.deepcopy(template[1])
    sheets = connect(Backend(emulator=emu, user=SA, retry=RetryPolicy(initial_wait=0.01, jitter=0.01)))
    cls = ReplacingEngine if replace else SyncEngine
    stop = {"at": None}

    def on_write(step):
        if step == stop["at"]:
            raise Boom(step)

    eng = cls(st, sheets, on_write=on_write)
    return {"store": st, "engine": eng, "stop": stop,
            "manager": emu.gspread_client(user=MANAGER).open_by_key(template[2])}


def _base(st):
    from sheetsync.store.models import SyncBase

    with st.session(readonly=True) as s:
        return sorted(s.execute(select(SyncBase.spreadsheet_id, SyncBase.sheet, SyncBase.row_key, SyncBase.field,
                                       SyncBase.value)).all())


def _steps():
    def add(w):
        for title, kw in [("Лендинг", {"priority": 2}), ("Статья", {}), ("Баннер", {"status": "in_progress"}),
                          ("Аудит", {"estimate_hours": 3})]:
            w["store"].tasks.create("acme", {"title": title, **kw}, origin="cli", actor="team")

    def edit_both(w):
        ws = w["manager"].worksheet(BACKLOG)
        ws.update([["Лендинг 2"]], "B2", raw=False)
        ws.update([["1"]], "I3", raw=False)
        key = sorted(t.key for t in w["store"].tasks.list("acme"))[-1]
        w["store"].tasks.update(key, {"title": "Аудит сайта"}, origin="cli", actor="team")

    def move_and_delete(w):
        keys = sorted(t.key for t in w["store"].tasks.list("acme"))
        w["store"].tasks.update(keys[0], {"status": "in_progress"}, origin="cli", actor="team")
        w["store"].tasks.delete(keys[1], origin="cli", actor="team")

    def manager_adds_row(w):
        ws = w["manager"].worksheet(BACKLOG)
        ws.update([["Новая задача"]], "B10", raw=False)

    def crash_before_base(w):  # values written, base not recorded: ~pending rows stay for the next sync
        keys = sorted(t.key for t in w["store"].tasks.list("acme") if t.deleted_at is None)
        w["store"].tasks.update(keys[-1], {"title": "Аудит сайта 2"}, origin="cli", actor="team")
        w["stop"]["at"] = "base"

    def recover(w):
        w["stop"]["at"] = None

    return [add, edit_both, move_and_delete, manager_adds_row, crash_before_base, recover]


def test_diff_leaves_the_same_base_as_full_replace(tmp_path, _template):
    old = _world(tmp_path, _template, "old", replace=True)
    new = _world(tmp_path, _template, "new", replace=False)
    seen = []
    for step in _steps():
        results = []
        for w in (old, new):
            step(w)
            try:
                r = w["engine"].sync_client("acme")
                results.append(r.failed)
            except Boom:
                results.append("boom")
        assert results[0] == results[1]
        base = _base(new["store"])
        assert base == _base(old["store"]), step.__name__
        seen.append(base)
        if step.__name__ == "crash_before_base":
            assert any(row[1] == "~pending" for row in base)  # the crash path really left pending rows
        else:
            assert not any(row[1] == "~pending" for row in base)
    assert all(a != b for a, b in zip(seen, seen[1:], strict=False))  # every step changed the base
    assert {r[1] for r in seen[2]} >= {"backlog", "in_work"}  # a task moved sheets
    for w in (old, new):
        w["store"].close()


@pytest.fixture
def base_writes(store):
    """Rows sent to the sync_base table per statement kind, counted at the DBAPI cursor."""
    counts = {"insert": 0, "update": 0, "delete": 0, "select": 0}

    def count(conn, cursor, statement, parameters, context, executemany):
        if "sync_base" not in statement:
            return
        kind = statement.lstrip().split()[0].lower()
        if kind in counts:
            counts[kind] += len(parameters) if executemany else 1
    event.listen(store.engine, "before_cursor_execute", count)
    yield counts
    event.remove(store.engine, "before_cursor_execute", count)


def test_one_changed_cell_writes_one_base_row(engine, store, manager, base_writes):
    keys = [store.tasks.create("acme", {"title": f"Задача {i}"}, origin="cli", actor="team").key
            for i in range(40)]
    assert engine.sync_client("acme").failed is None
    assert len(_base(store)) > 40 * 5
    base_writes.update(insert=0, update=0, delete=0, select=0)
    store.tasks.update(keys[7], {"title": "Задача семь"}, origin="cli", actor="team")
    r = engine.sync_client("acme")
    assert r.failed is None and r.pushed == 1
    # the pending row and the changed cell; the old way deleted and re-inserted every cell
    assert base_writes["insert"] <= 2 and base_writes["delete"] <= 1 and base_writes["update"] == 0
    assert any(row[2] == keys[7] and "Задача семь" in (row[4] or "") for row in _base(store))
