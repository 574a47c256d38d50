"""A conflict is recorded once, even when the run that recorded it stopped before its sheet write."""

from __future__ import annotations

IN_WORK = "В работе"


class Stop(Exception):
    pass


def test_store_wins_conflict_recorded_once_after_a_crash_before_the_write(store, sheets, manager):
    from sheetsync.sync.engine import SyncEngine

    k = store.tasks.create("acme", {"title": "A", "status": "in_progress"}, origin="cli", actor="team").key
    SyncEngine(store, sheets).sync_client("acme")
    ws = manager.worksheet(IN_WORK)
    col = ws.row_values(1).index("Факт, ч") + 1
    ws.update_cell(2, col, 5)
    store.tasks.update(k, {"actual_hours": 7}, origin="cli", actor="team")

    def crash(step: str) -> None:
        if step == "values":
            raise Stop("killed before the values write")

    r = SyncEngine(store, sheets, on_write=crash).sync_client("acme")
    assert r.failed and len(store.sync.conflicts("acme")) == 1  # recorded in the store transaction
    engine = SyncEngine(store, sheets)
    r = engine.sync_client("acme")
    assert r.failed is None and r.conflicts == 1  # the plan still sees it ...
    (c,) = store.sync.conflicts("acme")  # ... but the table holds it once
    assert (c.entity_key, c.field, c.winner) == (k, "actual_hours", "store")
    assert ws.cell(2, col, value_render_option="UNFORMATTED_VALUE").value == 7
    assert engine.sync_client("acme").plan.empty
    # a conflict that happens again after being resolved is a new one
    store.sync.resolve_conflict(c.id, by="pm")
    ws.update_cell(2, col, 5)
    store.tasks.update(k, {"actual_hours": 8}, origin="cli", actor="team")
    engine.sync_client("acme")
    assert [x.store_value for x in store.sync.conflicts("acme")] == ['"8"']
