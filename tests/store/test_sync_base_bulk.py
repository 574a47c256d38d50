"""Bulk base writes: upsert in one statement per 500 cells, diff-recording equal to a full replace."""

from __future__ import annotations

import random

from sqlalchemy import event

from sheetsync.store.sync_state import upsert_base

SID = "sheet-bulk"


def _rows(store):
    from sqlalchemy import select

    from sheetsync.store.models import SyncBase

    with store.session(readonly=True) as s:
        return sorted(s.execute(select(SyncBase.spreadsheet_id, SyncBase.sheet, SyncBase.row_key, SyncBase.field,
                                       SyncBase.value)).all())


def _statements(store):
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "sync_base" in statement:
            seen.append(statement.lstrip().split()[0].upper())
    event.listen(store.engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(store.engine, "before_cursor_execute", count)


def test_upsert_inserts_and_updates_in_few_statements(store):
    store.sync.put_base(SID, {("backlog", f"T-{i:06d}", "title"): f"t{i}" for i in range(300)})
    store.sync.put_base("other", {("backlog", "T-000001", "title"): "untouched"})
    new = {("backlog", f"T-{i:06d}", "title"): f"new{i}" for i in range(200, 900)}
    new[("~pending", "T-000001", "priority")] = 2
    seen, stop = _statements(store)
    with store.session() as s:
        upsert_base(s, SID, new)
    stop()
    assert seen and all(k == "INSERT" for k in seen) and len(seen) <= 2  # 701 cells, 500 per statement
    got = store.sync.get_base(SID)
    assert len(got) == 901
    assert got[("backlog", "T-000005", "title")] == "t5"
    assert got[("backlog", "T-000250", "title")] == "new250" and got[("~pending", "T-000001", "priority")] == 2
    assert store.sync.get_base("other") == {("backlog", "T-000001", "title"): "untouched"}


def test_upsert_rolls_back_with_its_transaction(store):
    store.sync.put_base(SID, {("backlog", "T-000001", "title"): "kept"})
    try:
        with store.session() as s:
            upsert_base(s, SID, {("backlog", "T-000001", "title"): "lost", ("backlog", "T-000002", "title"): "x"})
            raise RuntimeError("crash inside the caller's transaction")
    except RuntimeError:
        pass
    assert store.sync.get_base(SID) == {("backlog", "T-000001", "title"): "kept"}


def test_set_base_equals_replace_base(store):
    """Random old bases and new ones, with cells written in between: both ways leave identical rows."""
    rnd = random.Random(5)
    values = [None, "", "a", "Лендинг", 1, 1.0, True, False, 0, 2.5, ["x", 1], {"k": 1.0}]
    fields = ("title", "priority", "status")
    for trial in range(25):
        sid_diff, sid_full = f"diff{trial}", f"full{trial}"
        sheets = ("backlog", "in_work", "~pending")  # ~pending: a scratch sheet, dropped and rewritten whole
        old = {(rnd.choice(sheets), f"T-{rnd.randrange(40):06d}", rnd.choice(fields)):
               rnd.choice(values) for _ in range(rnd.randrange(60))}
        new = {k: (rnd.choice(values) if rnd.random() < 0.3 else v) for k, v in old.items() if rnd.random() < 0.8}
        new.update({(rnd.choice(sheets), f"T-{rnd.randrange(40, 60):06d}", rnd.choice(fields)):
                    rnd.choice(values) for _ in range(rnd.randrange(10))})
        since = {(rnd.choice(("backlog", "~pending")), f"T-{rnd.randrange(60):06d}", rnd.choice(fields)):
                 rnd.choice(values) for _ in range(rnd.randrange(8))}  # written after the base was read
        for sid in (sid_diff, sid_full):
            store.sync.replace_base(sid, old)
            with store.session() as s:
                upsert_base(s, sid, since)
        store.sync.replace_base(sid_full, new)
        store.sync.set_base(sid_diff, new, old, dirty=[k for k in since if k[0] != "~pending"],
                            drop_sheets=("~pending",))
        full = [r[1:] for r in _rows(store) if r[0] == sid_full]
        diff = [r[1:] for r in _rows(store) if r[0] == sid_diff]
        assert diff == full, trial
        assert store.sync.get_base(sid_diff) == new


def test_set_base_one_change_in_a_big_base_touches_one_row(store):
    old = {("backlog", f"T-{i:06d}", f): f"{i}{f}" for i in range(3000) for f in ("title", "status", "priority")}
    store.sync.replace_base(SID, old)
    new = dict(old)
    new[("backlog", "T-000010", "title")] = "changed"
    del new[("backlog", "T-000011", "status")]
    seen, stop = _statements(store)
    store.sync.set_base(SID, new, old, drop_sheets=("~pending",))
    stop()
    assert "SELECT" not in seen and len(seen) <= 3, seen  # drop ~pending, delete one, upsert one
    got = store.sync.get_base(SID)
    assert got == new
