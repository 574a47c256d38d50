"""Bulk task writes (update_many, create_many) behave exactly like one update/create per task."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from store_helpers import ACTOR

from sheetsync.store import (
    ConcurrentUpdateError,
    DuplicateKeyError,
    InvalidValueError,
    KeySequence,
    NotFoundError,
    StoreError,
    Task,
)


def _log(store, client: str, action: str) -> list[tuple]:
    """The client's task change log without what necessarily differs (ids, keys, timestamps)."""
    keys = {t.key: i for i, t in enumerate(store.tasks.list(client, include_deleted=True))}
    return [(keys[r.entity_key], r.origin, r.actor, r.entity, r.action, r.field, r.old, r.new)
            for r in store.log(client=client, entity="task") if r.action == action]


def _state(store, client: str) -> list[dict]:
    skip = {"id", "key", "client_id", "created_at", "updated_at"}
    return [{c.key: getattr(t, c.key) for c in Task.__table__.columns if c.key not in skip}
            for t in store.tasks.list(client, include_deleted=True)]


def _seed(store, slug: str) -> list[str]:
    store.clients.create(slug, name=slug.title(), origin="cli", actor=ACTOR)
    made = [store.tasks.create(slug, title=f"Task {i}", priority=1 + i % 5, estimate_hours=i or None,
                               task_type="banner" if i % 2 else None, origin="cli", actor=ACTOR)
            for i in range(8)]
    return [t.key for t in made]


# field changes of every kind: typed and textual values, no-ops, partial no-ops, clearing a value
CHANGES = [
    {"status": "planned", "assignee": "anna@agency.test", "start_date": dt.date(2026, 11, 2),
     "deadline": "2026-11-06", "period": "2026-W45", "plan_note": "fits"},
    {"priority": 4, "title": "Task 1"},          # the title is unchanged: only the priority is logged
    {"title": "Task 2", "priority": 3},          # nothing changes at all: no log rows, no version bump
    {"estimate_hours": "4,5", "estimate_source": "auto", "forced": True},
    {"estimate_hours": None, "task_type": None, "client_comment": "=1+1", "internal_note": "ask Boris"},
    {"actual_hours": 7, "status": "done", "done_date": "2026-11-20"},
    {"expected_result": "A landing page\nwith a form"},
    {"priority": "5", "period": "2026-11"},
]


def test_update_many_logs_exactly_what_single_updates_log(store):
    singles, bulk = _seed(store, "single"), _seed(store, "bulk")
    before = {t.key: t.updated_at for t in store.tasks.list("bulk")}
    assert _state(store, "single") == _state(store, "bulk")
    for key, fields in zip(singles, CHANGES, strict=True):
        store.tasks.update(key, fields, origin="planner", actor=ACTOR)
    changed = store.tasks.update_many(dict(zip(bulk, CHANGES, strict=True)), origin="planner", actor=ACTOR)

    assert [t.key for t in changed] == [k for k, c in zip(bulk, CHANGES, strict=True) if c is not CHANGES[2]]
    assert _log(store, "bulk", "update") == _log(store, "single", "update")
    assert len(_log(store, "bulk", "update")) == 19
    assert _state(store, "bulk") == _state(store, "single")
    after = {t.key: t for t in store.tasks.list("bulk")}
    assert [after[k].version for k in bulk] == [2, 2, 1, 2, 2, 2, 2, 2]
    assert after[bulk[2]].updated_at == before[bulk[2]]
    assert all(after[k].updated_at > before[k] for k in bulk if k != bulk[2])
    # the returned objects hold what the database holds
    for task in changed:
        assert (task.version, task.status, task.estimate_hours) == (
            after[task.key].version, after[task.key].status, after[task.key].estimate_hours)


def test_update_many_then_single_update_keeps_the_version_check(store):
    keys = _seed(store, "acme")[:2]
    changed = store.tasks.update_many({keys[0]: {"priority": 5}, keys[1]: {"priority": 5}}, origin="cli", actor=ACTOR)
    assert [t.version for t in changed] == [2, 2]
    store.tasks.update(keys[0], priority=4, expected_version=2, origin="cli", actor=ACTOR)
    with pytest.raises(ConcurrentUpdateError):
        store.tasks.update(keys[1], priority=4, expected_version=1, origin="cli", actor=ACTOR)


def test_update_many_is_all_or_nothing(store):
    keys = _seed(store, "acme")
    logged = len(store.log())

    with pytest.raises(ConcurrentUpdateError, match=keys[1]):
        store.tasks.update_many({keys[0]: {"priority": 5}, keys[1]: {"priority": 5}}, origin="cli", actor=ACTOR,
                                expected_versions={keys[0]: 1, keys[1]: 7})
    with pytest.raises(NotFoundError, match="T-999999"):
        store.tasks.update_many({keys[0]: {"priority": 5}, "T-999999": {"priority": 5}}, origin="cli", actor=ACTOR)
    store.tasks.delete(keys[3], origin="cli", actor=ACTOR)
    logged += 1
    with pytest.raises(NotFoundError, match="restore"):
        store.tasks.update_many({keys[0]: {"priority": 5}, keys[3]: {"priority": 5}}, origin="cli", actor=ACTOR)
    with pytest.raises(InvalidValueError, match=f"tasks.priority of task {keys[2]}"):
        store.tasks.update_many({keys[0]: {"priority": 5}, keys[2]: {"priority": 9}}, origin="cli", actor=ACTOR)
    with pytest.raises(InvalidValueError, match="origin"):
        store.tasks.update_many({keys[0]: {"priority": 5}}, origin="robot", actor=ACTOR)

    assert len(store.log()) == logged
    assert store.tasks.get(keys[0]).version == 1 and store.tasks.get(keys[0]).priority == 1


def test_update_many_detects_a_writer_between_read_and_write(store):
    keys = _seed(store, "acme")[:3]
    with pytest.raises(ConcurrentUpdateError, match=keys[1]), store.session() as s:
        held = store.tasks.list("acme", session=s)  # the caller read version 1 of every task
        s.execute(update(Task.__table__).where(Task.key == keys[1]).values(version=2))  # someone else wrote
        store.tasks.update_many({t.key: {"priority": 1} for t in held[:3]}, origin="cli", actor=ACTOR, session=s)
    assert [store.tasks.get(k).version for k in keys] == [1, 1, 1]  # rolled back


def test_update_many_joins_the_callers_transaction(store):
    keys = _seed(store, "acme")[:2]
    with pytest.raises(RuntimeError), store.session() as s:
        store.tasks.update_many({k: {"status": "planned"} for k in keys}, origin="cli", actor=ACTOR, session=s)
        assert store.tasks.get(keys[0], session=s).status == "planned"
        raise RuntimeError("the caller fails later")
    assert {store.tasks.get(k).status for k in keys} == {"backlog"}
    assert store.tasks.update_many({}, origin="cli", actor=ACTOR) == []


# --- create_many -------------------------------------------------------------------------------

ITEMS = [
    {"title": "Landing", "task_type": "landing", "estimate_hours": "16", "priority": "2"},
    {"title": "=HYPERLINK(\"x\")", "client_comment": "urgent", "forced": "yes"},
    {"title": "Banner", "deadline": "2026-11-30", "assignee": "anna@agency.test", "status": "planned"},
]


def test_create_many_logs_exactly_what_single_creates_log(store):
    for slug in ("single", "bulk"):
        store.clients.create(slug, name=slug, origin="cli", actor=ACTOR)
    for item in ITEMS:
        store.tasks.create("single", item, origin="import", actor=ACTOR)
    first = store.tasks.create("bulk", title="First", origin="import", actor=ACTOR)
    made = store.tasks.create_many([dict(i) for i in ITEMS], client="bulk", origin="import", actor=ACTOR)

    assert [t.key for t in made] == ["T-000005", "T-000006", "T-000007"]  # consecutive, after T-000004
    assert first.key == "T-000004"
    assert store.tasks.create("single", title="Next", origin="cli", actor=ACTOR).key == "T-000008"
    single_log = _log(store, "single", "create")
    bulk_log = [(i - 1, *rest) for i, *rest in _log(store, "bulk", "create") if i > 0]
    assert bulk_log == [row for row in single_log if row[0] < 3]
    assert _state(store, "bulk")[1:] == _state(store, "single")[:3]
    assert [(t.version, t.status, t.forced) for t in made] == [(1, "backlog", False), (1, "backlog", True),
                                                               (1, "planned", False)]


def test_create_many_with_explicit_and_reserved_keys(store):
    for slug in ("acme", "globex"):
        store.clients.create(slug, name=slug, origin="cli", actor=ACTOR)
    reserved = store.tasks.reserve_key("acme", "sheet-1:row-fingerprint")
    made = store.tasks.create_many([
        {"title": "Imported", "key": "T-000050"},
        {"title": "From the sheet", "key": reserved},
        {"title": "New", "client": "globex"},
    ], client="acme", origin="import", actor=ACTOR)
    assert [(t.key, store.tasks.client_of(t.key).slug) for t in made] == [
        ("T-000050", "acme"), (reserved, "acme"), ("T-000051", "globex")]
    with store.session() as s:
        assert s.get(KeySequence, "T").next_value == 52
    # the reserved key is used: it cannot create a second task
    with pytest.raises(DuplicateKeyError, match=reserved):
        store.tasks.create_many([{"title": "again", "key": reserved}], client="acme", origin="sheet", actor=ACTOR)


def test_create_many_refuses_bad_batches_whole(store):
    for slug in ("acme", "globex"):
        store.clients.create(slug, name=slug, origin="cli", actor=ACTOR)
    other = store.tasks.reserve_key("globex", "token-globex")
    logged = len(store.log())
    cases = [
        ([{"title": "a", "key": "T-000007"}, {"title": "b", "key": "T-000007"}], DuplicateKeyError, "more than once"),
        ([{"title": "a"}, {"title": " "}], InvalidValueError, "new task #2"),
        ([{"title": "a"}, {"title": "b", "priority": 0}], InvalidValueError, "tasks.priority of new task #2"),
        ([{"title": "a", "key": "X-1"}], InvalidValueError, "task key"),
        ([{"title": "a", "key": other}], StoreError, "another client"),
        ([{"title": "a", "client": "nobody"}], NotFoundError, "nobody"),
        ([{"title": "a", "client": None}], StoreError, "no client"),
    ]
    for items, error, message in cases:
        with pytest.raises(error, match=message):
            store.tasks.create_many(items, client=None if message == "no client" else "acme", origin="import",
                                    actor=ACTOR)
    assert store.tasks.list() == [] and len(store.log()) == logged
    store.tasks.create("acme", title="exists", key="T-000003", origin="import", actor=ACTOR)
    with pytest.raises(DuplicateKeyError, match="T-000003 already exist"):
        store.tasks.create_many([{"title": "x", "key": "T-000003"}], client="acme", origin="import", actor=ACTOR)
    assert store.tasks.create_many([], client="acme", origin="import", actor=ACTOR) == []


def test_many_tasks_take_a_few_statements(store):
    """600 tasks (more than one IN-chunk) created and updated with a bounded number of statements."""
    from sqlalchemy import event

    store.clients.create("acme", name="Acme", origin="cli", actor=ACTOR)
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    made = store.tasks.create_many([{"title": f"T{i}"} for i in range(600)], client="acme", origin="import",
                                   actor=ACTOR)
    created_with = len(statements)
    store.tasks.update_many({t.key: {"priority": 1 if i % 2 == 0 else 3} for i, t in enumerate(made)}, origin="cli",
                            actor=ACTOR)
    updated_with = len(statements) - created_with
    assert created_with < 20, statements[:30]
    assert updated_with < 20, statements[created_with:][:30]
    with store.session(readonly=True) as s:
        assert s.scalar(select(Task.version).where(Task.key == made[1].key)) == 1  # priority 3 -> 3: unchanged
        assert s.scalar(select(Task.version).where(Task.key == made[0].key)) == 2
    assert len(store.log(client="acme", entity="task", field="priority")) == 600 + 300


def test_update_many_against_a_real_second_writer(store, store_db):
    """PostgreSQL: another connection commits a change after we read; our batch refuses, theirs stays."""
    if store_db["backend"] != "postgres":
        pytest.skip("SQLite writers hold the database lock for the whole transaction: no interleaving possible")
    from store_helpers import reopen

    keys = _seed(store, "acme")[:3]
    other = reopen(store_db)
    try:
        with pytest.raises(ConcurrentUpdateError, match=keys[2]), store.session() as s:
            held = store.tasks.list("acme", session=s)[:3]
            other.tasks.update(keys[2], title="Renamed by a manager", origin="sheet", actor="manager@acme.test")
            store.tasks.update_many({t.key: {"title": f"{t.title}!"} for t in held}, origin="planner", actor=ACTOR,
                                    session=s)
    finally:
        other.close()
    assert [store.tasks.get(k).title for k in keys] == ["Task 0", "Task 1", "Renamed by a manager"]
