"""The planner's bulk write leaves the same change log and tasks as one tasks.update per task did."""

from __future__ import annotations

import datetime as dt

from planhelpers import populate
from test_plan_store import CONFIG, add_backlog

from sheetsync.planning import plan_all, run
from sheetsync.store import Store


def _one_update_per_task(store, writes, actor):
    """write_plan as it was before update_many."""
    with store.session() as s:
        for key, fields in writes.items():
            store.tasks.update(key, fields, origin=run.ORIGIN, actor=actor, session=s)
    return len(writes)


def _planned(store) -> tuple[list, list]:
    log = [(r.entity_key, r.origin, r.actor, r.action, r.field, r.old, r.new) for r in store.log(entity="task")]
    tasks = [(t.key, t.status, t.assignee, t.start_date, t.deadline, t.period, t.estimate_hours, t.estimate_source,
              t.plan_note, t.version) for t in store.tasks.list()]
    return log, tasks


def test_bulk_and_per_task_writes_agree(tmp_path, monkeypatch):
    results = []
    for name, writer in (("bulk", run.write_plan), ("single", _one_update_per_task)):
        monkeypatch.setattr(run, "write_plan", writer)
        store = Store.open(tmp_path / f"{name}.db")
        populate(store)
        add_backlog(store)
        first = plan_all(store, CONFIG, "2026-W45", today=dt.date(2026, 11, 2))
        again = plan_all(store, {**CONFIG}, "2026-W46", today=dt.date(2026, 11, 9))  # re-plan over the result
        results.append((first.written, again.written, *_planned(store)))
        store.close()
    bulk, single = results
    assert bulk[0] > 3 and bulk[2] and any(row[3] == "update" and row[1] == "planner" for row in bulk[2])
    assert bulk == single
