"""Tasks through the repository: keys, the change log for every mutation, versions, tombstones, restore."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from store_helpers import ACTOR

from sheetsync.store import ConcurrentUpdateError, DuplicateKeyError, InvalidValueError, NotFoundError


def _log(store, key):
    return [(r.action, r.field, r.old, r.new, r.origin, r.actor) for r in store.log(task=key)]


def test_create_draws_sequential_keys_and_logs_every_field(store, acme):
    a = store.tasks.create("acme", title="=HYPERLINK(1)", estimate_hours="4,5", deadline="2026-12-01",
                           origin="api", actor=ACTOR)
    b = store.tasks.create(acme.id, {"title": "Second", "priority": 1}, origin="cli", actor=ACTOR)
    assert (a.key, b.key) == ("T-000001", "T-000002")
    assert (a.estimate_hours, a.deadline, a.status, a.priority, a.version) == (4.5, dt.date(2026, 12, 1), "backlog", 3, 1)
    log = {r[1]: r for r in _log(store, a.key)}
    assert log["title"] == ("create", "title", None, json.dumps("=HYPERLINK(1)"), "api", ACTOR)
    assert log["deadline"][3] == '"2026-12-01"'
    assert "internal_note" not in log  # empty fields are not logged on create


def test_update_logs_old_and_new_per_field_and_bumps_version(store, acme):
    t = store.tasks.create("acme", title="A", origin="cli", actor=ACTOR)
    before = store.change_counter("acme")
    u = store.tasks.update(t.key, {"status": "waiting_client", "estimate_hours": 2, "title": "A"},
                           expected_version=1, origin="sheet", actor="manager@agency.test")
    assert u.version == 2 and u.status == "waiting_client"
    rows = [r for r in _log(store, t.key) if r[0] == "update"]
    assert sorted(rows) == [
        ("update", "estimate_hours", None, "2.0", "sheet", "manager@agency.test"),
        ("update", "status", '"backlog"', '"waiting_client"', "sheet", "manager@agency.test"),
    ]
    assert store.change_counter("acme") > before


def test_update_with_identical_values_is_a_no_op(store, acme):
    t = store.tasks.create("acme", title="A", estimate_hours=2, origin="cli", actor=ACTOR)
    counter = store.change_counter("acme")
    same = store.tasks.update(t.key, title="A", estimate_hours="2.0", origin="sheet", actor="m@agency.test")
    assert same.version == 1 and store.change_counter("acme") == counter


def test_stale_expected_version_is_refused_and_nothing_changes(store, acme):
    t = store.tasks.create("acme", title="A", origin="cli", actor=ACTOR)
    store.tasks.update(t.key, title="B", expected_version=1, origin="sheet", actor="m@agency.test")
    with pytest.raises(ConcurrentUpdateError, match=r"T-000001 is at version 2.*expected version 1.*re-read"):
        store.tasks.update(t.key, title="C", expected_version=1, origin="cli", actor=ACTOR)
    assert store.tasks.get(t.key).title == "B"


@pytest.mark.parametrize(("fields", "message"), [
    ({"status": "doing"}, r"tasks.status: expected one of backlog, planned, in_progress, waiting_client"),
    ({"priority": 9}, r"tasks.priority: expected a priority from 1"),
    ({"estimate_hours": "four"}, r"tasks.estimate_hours: expected a number, got 'four'"),
    ({"estimate_hours": -1}, r"not negative"),
    ({"deadline": "01.12.2026"}, r"tasks.deadline: expected a date as YYYY-MM-DD"),
    ({"period": "2026-13"}, r"tasks.period: expected an ISO week like 2026-W48"),
    ({"assignee": "bob"}, r"tasks.assignee: expected a specialist's email"),
    ({"version": 7}, r"tasks.version: expected a field you can set"),
    ({"colour": "red"}, r"tasks.colour: expected a field you can set"),
    ({"title": "  "}, r"tasks.title: expected a non-empty title"),
])
def test_invalid_values_are_rejected_with_the_field_and_value(store, acme, fields, message):
    t = store.tasks.create("acme", title="A", origin="cli", actor=ACTOR)
    with pytest.raises(InvalidValueError, match=message):
        store.tasks.update(t.key, fields, origin="cli", actor=ACTOR)
    assert store.tasks.get(t.key).version == 1


def test_origin_must_be_from_the_vocabulary(store, acme):
    with pytest.raises(InvalidValueError, match="origin: expected one of sheet, cli"):
        store.tasks.create("acme", title="A", origin="somewhere", actor=ACTOR)


def test_unknown_client_says_what_to_do(store):
    with pytest.raises(NotFoundError, match="no client 'nope'"):
        store.tasks.create("nope", title="A", origin="cli", actor=ACTOR)


def test_delete_is_a_tombstone_and_restore_brings_it_back(store, acme):
    t = store.tasks.create("acme", title="A", client_comment="keep me", origin="cli", actor=ACTOR)
    store.tasks.delete(t.key, origin="sheet", actor="m@agency.test")
    assert store.tasks.list("acme") == []
    assert [x.key for x in store.tasks.list("acme", include_deleted=True)] == [t.key]
    with pytest.raises(NotFoundError, match="sheetsync restore T-000001"):
        store.tasks.get(t.key)
    back = store.restore(t.key, actor=ACTOR)
    assert back.deleted_at is None and back.client_comment == "keep me" and back.version == 3
    assert [r[0] for r in _log(store, t.key)][-2:] == ["delete", "restore"]


def test_restore_an_overwritten_field_from_the_log(store, acme):
    t = store.tasks.create("acme", title="Original title", origin="cli", actor=ACTOR)
    store.tasks.update(t.key, title="Overwritten", origin="sheet", actor="client@acme.test")
    store.tasks.update(t.key, title="Overwritten twice", origin="sheet", actor="client@acme.test")
    first_change = next(r for r in store.log(task=t.key) if r.action == "update")
    assert store.restore(t.key, change_id=first_change.id, actor=ACTOR).title == "Original title"
    assert store.restore(t.key, field="title", actor=ACTOR).title == "Overwritten twice"
    last = store.log(task=t.key, newest_first=True, limit=1)[0]
    assert (last.origin, last.actor, last.field) == ("cli", ACTOR, "title")


def test_restore_a_date_field_keeps_its_type(store, acme):
    t = store.tasks.create("acme", title="A", deadline="2026-12-01", origin="cli", actor=ACTOR)
    store.tasks.update(t.key, deadline=None, origin="sheet", actor="m@agency.test")
    assert store.restore(t.key, field="deadline", actor=ACTOR).deadline == dt.date(2026, 12, 1)


def test_restore_with_a_change_of_another_task_is_refused(store, acme):
    a = store.tasks.create("acme", title="A", origin="cli", actor=ACTOR)
    b = store.tasks.create("acme", title="B", origin="cli", actor=ACTOR)
    change = store.log(task=b.key)[0]
    with pytest.raises(NotFoundError, match=f"change {change.id} is not a change of {a.key}"):
        store.restore(a.key, change_id=change.id, actor=ACTOR)


def test_reserved_key_is_stable_per_token_and_creates_the_task_once(store, acme):
    k1 = store.reserve_task_key("acme", "sheet-1:row-fingerprint-a")
    assert store.reserve_task_key("acme", "sheet-1:row-fingerprint-a") == k1
    k2 = store.reserve_task_key("acme", "sheet-1:row-fingerprint-b")
    assert k1 != k2
    store.tasks.create("acme", title="From the sheet", key=k1, origin="sheet", actor="m@agency.test")
    with pytest.raises(DuplicateKeyError):
        store.tasks.create("acme", title="From the sheet", key=k1, origin="sheet", actor="m@agency.test")
    assert store.tasks.count("acme") == 1
    assert store.tasks.create("acme", title="next", origin="cli", actor=ACTOR).key not in (k1, k2)


def test_explicit_key_moves_the_sequence_past_it(store, acme):
    store.tasks.create("acme", title="Imported", key="T-000500", origin="import", actor=ACTOR)
    assert store.tasks.create("acme", title="New", origin="cli", actor=ACTOR).key == "T-000501"
    with pytest.raises(InvalidValueError, match="task key: expected a key like T-000123"):
        store.tasks.create("acme", title="Bad", key="X-1", origin="cli", actor=ACTOR)


def test_change_counters_are_per_client(store, acme):
    store.clients.create("beta", name="Beta", origin="cli", actor=ACTOR)
    counters = store.change_counters()
    store.tasks.create("beta", title="B", origin="cli", actor=ACTOR)
    after = store.change_counters()
    assert after["acme"] == counters["acme"] and after["beta"] > counters["beta"]


def test_list_filters_and_dataframe(store, acme):
    store.tasks.create("acme", title="A", status="planned", period="2026-W48", origin="cli", actor=ACTOR)
    store.tasks.create("acme", title="B", internal_note="rate 3000", origin="cli", actor=ACTOR)
    assert [t.title for t in store.tasks.list("acme", status=["planned", "done"])] == ["A"]
    assert [t.title for t in store.tasks.list(period="2026-W48")] == ["A"]
    df = store.tasks.to_dataframe("acme")
    assert list(df["title"]) == ["A", "B"] and set(df["client"]) == {"acme"}
    assert df.loc[1, "internal_note"] == "rate 3000"


def test_client_changes_are_logged(store, acme):
    store.clients.update("acme", viewer_emails=["boss@acme.test", "cfo@acme.test"], origin="cli", actor=ACTOR)
    row = store.log(client="acme", entity="client", field="viewer_emails", newest_first=True)[0]
    assert json.loads(row.old) == ["boss@acme.test"] and json.loads(row.new) == ["boss@acme.test", "cfo@acme.test"]
    assert (row.action, row.origin, row.actor) == ("update", "cli", ACTOR)


def test_spreadsheet_id_is_recorded_and_found(store, acme):
    store.clients.set_spreadsheet("acme", "1AbC-sheet")
    assert store.clients.by_spreadsheet("1AbC-sheet").slug == "acme"
    assert store.log(client="acme", field="spreadsheet_id")[0].new == '"1AbC-sheet"'


def test_every_mutation_path_logs_origin_actor_old_and_new(store, acme):
    """One call per mutator; each must leave log rows carrying exactly its origin and actor."""
    store.departments.upsert("dev", name="Dev")
    store.metrics.define("acme", "leads", name="Leads")
    calls = []

    def did(origin, actor, fn, *args, **kw):
        before = store.log(newest_first=True, limit=1)
        since = before[0].id if before else 0
        result = fn(*args, origin=origin, actor=actor, **kw)
        rows = store.log(since_id=since)
        calls.append((fn.__qualname__, rows))
        assert rows, f"{fn.__qualname__} wrote no change-log row"
        assert {(r.origin, r.actor) for r in rows} == {(origin, actor)}, fn.__qualname__
        assert all(r.old != r.new for r in rows), fn.__qualname__
        return result

    t = did("sheet", "m@agency.test", store.tasks.create, "acme", title="T")
    did("planner", "planner", store.tasks.update, t.key, status="planned")
    did("sheet", "m@agency.test", store.tasks.delete, t.key)
    did("cli", "op@agency.test", store.tasks.restore, t.key)
    did("cli", "op@agency.test", store.restore, t.key, field="status")
    inv = did("api", "acc@agency.test", store.invoices.create, "acme", amount=10, planned_date="2026-11-04",
              department="dev")
    did("sheet", "acc@agency.test", store.invoices.update, inv.key, planned_date="2026-11-20", reason="late")
    did("sheet", "acc@agency.test", store.invoices.delete, inv.key)
    did("cli", "op@agency.test", store.invoices.restore, inv.key)
    did("cli", "op@agency.test", store.clients.create, "beta", name="Beta")
    did("daemon", "", store.clients.update, "beta", spreadsheet_id="sheet-beta")
    did("sheet", "m@agency.test", store.metrics.set_value, "acme", "leads", "2026-11-02", 5)
    did("daemon", "", store.metrics.set_value, "acme", "leads", "2026-11-02", 6)
    did("cli", "op@agency.test", store.metrics.delete_value, "acme", "leads", "2026-11-02")
    assert len(calls) == 14
