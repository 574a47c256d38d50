"""Sync-state tables: base per cell, runs, conflicts, invalid values."""

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


def test_last_runs_of_every_client_in_one_query(store, acme):
    store.clients.create("beta", name="Beta", origin="cli", actor=ACTOR)
    store.clients.create("gamma", name="Gamma", origin="cli", actor=ACTOR)  # never synced
    ok = store.sync.start_run("acme", store_change_id=7, sheet_modified_time="2026-12-01T10:00:00.000Z")
    store.sync.finish_run(ok.id, status="ok")
    failed = store.sync.start_run("acme", store_change_id=9, sheet_modified_time="2026-12-01T11:00:00.000Z")
    store.sync.finish_run(failed.id, status="failed")
    store.sync.start_run("acme", store_change_id=11)  # still running
    b = store.sync.start_run("beta", store_change_id=3, sheet_modified_time="x")
    written = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    store.sync.finish_run(b.id, status="ok", store_change_id=5, expected_version=42, written_at=written)
    got = store.sync.last_runs()
    assert got == {"acme": ("2026-12-01T10:00:00.000Z", 7, ok.id, None, None), "beta": ("x", 5, b.id, 42, written)}
    for slug in ("acme", "beta"):  # the same as last_run, client by client
        last = store.sync.last_run(slug)
        assert got[slug] == (last.sheet_modified_time, last.store_change_id, last.id, last.expected_version,
                             last.written_at)


def test_own_counter_moves_only_past_the_syncs_own_pull(store, acme):
    t = store.tasks.create("acme", {"title": "a"}, origin="cli", actor="team")
    u = store.tasks.create("acme", {"title": "b"}, origin="cli", actor="team")
    since = store.change_counter("acme")
    assert store.own_counter("acme", since, actor="sheetsync", keys=[t.key]) == since  # nothing new
    store.tasks.update(t.key, {"title": "pulled"}, origin="sheet", actor="sheetsync")
    own = store.change_counter("acme")
    assert own > since and store.own_counter("acme", since, actor="sheetsync", keys=[t.key]) == own
    assert store.own_counter("acme", since, actor="sheetsync", keys=[u.key]) is None  # not this run's task
    assert store.own_counter("acme", since, actor="someone", keys=[t.key]) is None
    store.tasks.update(u.key, {"priority": 1}, origin="cli", actor="team")  # the team, meanwhile
    assert store.own_counter("acme", since, actor="sheetsync", keys=[t.key, u.key]) is None


def test_own_counter_refuses_a_gap_in_the_log(store, acme):
    """An id not visible yet (a transaction in flight commits a lower id later) keeps the old counter."""
    from sqlalchemy import delete

    from sheetsync.store.models import ChangeLog

    t = store.tasks.create("acme", {"title": "a"}, origin="cli", actor="team")
    since = store.change_counter("acme")
    store.tasks.update(t.key, {"title": "other client's change stands in"}, origin="cli", actor="team")
    gap = store.change_counter("acme")
    store.tasks.update(t.key, {"title": "pulled"}, origin="sheet", actor="sheetsync")
    with store.session() as s:
        s.execute(delete(ChangeLog).where(ChangeLog.id == gap))  # as if not committed yet
    assert store.own_counter("acme", since, actor="sheetsync", keys=[t.key]) is None


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


def test_timestamps_are_utc_aware(store, acme):
    run = store.sync.start_run("acme")
    assert run.started_at.tzinfo is not None
    assert abs(run.started_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
