"""Sync-state tables: base per cell, runs, conflicts, invalid values, leases."""

from __future__ import annotations

import datetime as dt

import pytest
from store_helpers import ACTOR

from sheetsync.store.values import loads


def test_base_put_get_update_delete(store):
    sid = "sheet-abc"
    store.sync.put_base(sid, {("backlog", "T-000001", "title"): "Лендинг", ("backlog", "T-000001", "estimate"): 4.5,
                              ("backlog", "T-000002", "title"): "Баннеры", ("in_work", "T-000003", "deadline"): None})
    store.sync.put_base(sid, {("backlog", "T-000001", "title"): "Лендинг 2"},
                        delete_keys=[("backlog", "T-000001", "estimate")], delete_rows=[("backlog", "T-000002")])
    assert store.sync.get_base(sid) == {("backlog", "T-000001", "title"): "Лендинг 2",
                                        ("in_work", "T-000003", "deadline"): None}
    assert store.sync.get_base(sid, "in_work") == {("in_work", "T-000003", "deadline"): None}
    assert store.sync.get_base("other") == {}
    store.sync.replace_base(sid, {("backlog", "T-000009", "title"): "x"}, sheet="backlog")
    assert set(store.sync.get_base(sid)) == {("backlog", "T-000009", "title"), ("in_work", "T-000003", "deadline")}
    store.sync.clear_base(sid)
    assert store.sync.get_base(sid) == {}


def test_base_handles_many_cells_in_one_call(store):
    values = {("backlog", f"T-{i:06d}", f): f"{i}-{f}" for i in range(2000) for f in ("title", "status")}
    store.sync.put_base("big", values)
    values[("backlog", "T-000007", "title")] = "changed"
    store.sync.put_base("big", values)
    got = store.sync.get_base("big")
    assert len(got) == 4000 and got[("backlog", "T-000007", "title")] == "changed"


def test_runs_record_counters(store, acme):
    run = store.sync.start_run("acme", spreadsheet_id="sid", store_change_id=41)
    assert run.status == "running" and store.sync.last_run("acme") is None
    store.sync.finish_run(run.id, status="ok", api_calls=3, cells_written=12, pulled=2, pushed=5, conflicts=1)
    last = store.sync.last_run("acme")
    assert (last.api_calls, last.cells_written, last.pushed, last.store_change_id) == (3, 12, 5, 41)
    assert last.finished_at >= last.started_at
    with pytest.raises(TypeError, match="unknown fields"):
        store.sync.finish_run(run.id, cells=1)


def test_conflicts_keep_both_values_until_resolved(store, acme):
    c = store.sync.add_conflict("acme", entity_key="T-000001", field="deadline", sheet_value="2026-12-01",
                                store_value="2026-12-05", base_value=None, winner="sheet", policy="default")
    [open_] = store.sync.conflicts("acme")
    assert (loads(open_.sheet_value), loads(open_.store_value), open_.winner) == ("2026-12-01", "2026-12-05", "sheet")
    store.sync.resolve_conflict(c.id, by=ACTOR)
    assert store.sync.conflicts("acme") == []
    assert store.sync.conflicts("acme", unresolved=False)[0].resolved_by == ACTOR


def test_invalid_values_are_listed_and_resolved(store, acme):
    store.sync.add_error("acme", message="status: unknown value", sheet="backlog", row_key="T-000001",
                         field="status", value="Почти готово")
    store.sync.add_error("acme", message="estimate: not a number", sheet="backlog", row_key="T-000002",
                         field="estimate_hours", value="много")
    assert len(store.sync.errors("acme")) == 2
    assert store.sync.resolve_errors("acme", row_key="T-000001") == 1
    assert [loads(e.value) for e in store.sync.errors("acme")] == ["много"]


def test_leases_exclude_other_workers_until_expiry(store):
    assert store.sync.acquire_lease("client:acme", "worker-1", 60)
    assert not store.sync.acquire_lease("client:acme", "worker-2", 60)
    assert store.sync.acquire_lease("client:acme", "worker-1", 60)  # renew
    store.sync.release_lease("client:acme", "worker-1")
    assert store.sync.acquire_lease("client:acme", "worker-2", 0.001)
    import time

    time.sleep(0.01)
    assert store.sync.acquire_lease("client:acme", "worker-1", 60)  # expired: taken over


def test_timestamps_are_utc_aware(store, acme):
    run = store.sync.start_run("acme")
    assert run.started_at.tzinfo is not None
    assert abs(run.started_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
