"""plan_client / plan_all against a real SQLite store: what is written, with which origin."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from sheetsync.planning import plan_all, plan_client
from sheetsync.store import ChangeLog, Task

D = dt.date
ACTOR = "pm@agency.test"


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 9, tzinfo=dt.UTC)


def create(store, slug, created_at=None, **fields):
    """A task as a person would add it; ``created_at`` back-dates it (test set-up only)."""
    task = store.tasks.create(slug, origin="cli", actor=ACTOR, **fields)
    if created_at is not None:
        with store.session() as s:
            s.get(Task, task.id).created_at = created_at
    return task

CONFIG = {"holidays_country": "RU", "planning": {"min_sample_size": 5}}


def add_backlog(store):
    keys = {}
    for name, kw in {
        "hero": dict(title="Баннер для главной", task_type="banner", priority=1, created_at=at(10, 5)),
        "promo": dict(title="Промо-баннер", task_type="banner", estimate_hours=6, priority=2, created_at=at(10, 1)),
        "landing": dict(title="Лендинг акции", task_type="landing", priority=2, created_at=at(10, 2)),
        "landing2": dict(title="Второй лендинг", task_type="landing", priority=3, created_at=at(10, 3)),
        "shop": dict(title="Интернет-магазин", assignee="boris@agency.test", estimate_hours=40, priority=3),
        "urgent": dict(title="Срочная правка", assignee="boris@agency.test", estimate_hours=10, priority=5,
                       forced=True),
        "article": dict(title="=HYPERLINK(\"x\")", task_type="article", priority=1),
        "ads": dict(title="Реклама", task_type="ads_setup", priority=1, estimate_hours=10),
    }.items():
        keys[name] = create(store, "acme", **kw).key
    return keys


def test_plan_client_writes_dates_reasons_and_flags(any_agency):
    agency = any_agency
    store = agency
    k = add_backlog(store)
    report = plan_client(store, CONFIG, "acme", "2026-W45", today=D(2026, 11, 2))
    task = {name: store.tasks.get(key) for name, key in k.items()}

    # auto-estimate: banners have 5 done samples -> median 3 h; landing has 1 -> default 24 h
    assert (task["hero"].estimate_hours, task["hero"].estimate_source) == (3, "auto")
    assert "медиана" in task["hero"].plan_note and "5" in task["hero"].plan_note
    assert (task["landing"].estimate_hours, task["landing"].estimate_source) == (24, "auto")
    assert task["promo"].estimate_hours == 6 and task["promo"].estimate_source == "manual"  # never overwritten

    # the designer takes both banners: the priority-1 one first, from Monday
    assert task["hero"].status == "planned" and task["hero"].assignee == "anna@agency.test"
    assert (task["hero"].start_date, task["hero"].deadline) == (D(2026, 11, 2), D(2026, 11, 2))
    assert task["promo"].status == "planned" and task["promo"].start_date == D(2026, 11, 2)
    assert task["promo"].deadline == D(2026, 11, 3)  # 3 h + 6 h > 8 h on Monday

    # devs: Vera has Mon+Tue (16 h; Wed is Unity Day), Boris has Thu+Fri (16 h) after globex
    assert task["landing"].status == "backlog"  # 24 h fits nobody
    assert "24" in task["landing"].plan_note and "dev" in task["landing"].plan_note
    assert task["shop"].status == "backlog" and "Борис Ким" in task["shop"].plan_note
    assert task["urgent"].status == "planned" and task["urgent"].forced
    assert "принудительно" in task["urgent"].plan_note
    # the copywriter is on leave: nobody active with the role
    assert task["article"].status == "backlog" and "copy" in task["article"].plan_note
    # Gleb: 20 h/week = 4 h/day x 4 days = 16 h, minus globex's 8 h -> 8 h free < 10 h
    assert task["ads"].status == "backlog" and "8" in task["ads"].plan_note
    assert task["landing2"].status == "backlog"

    assert {d.task.key for d in report.forced} == {k["urgent"]}
    assert report.written == len(k)
    # everything went through the repositories, logged with origin=planner
    with store.session(readonly=True) as s:
        origins = set(s.scalars(select(ChangeLog.origin).where(ChangeLog.entity_key == k["hero"])).all())
    assert origins == {"cli", "planner"}

    # planning again takes nothing more: the planned tasks now count as load; reasons are updated
    again = plan_client(store, CONFIG, "acme", "2026-W45", today=D(2026, 11, 2))
    assert not again.taken and not again.forced
    assert "6 ч" in store.tasks.get(k["shop"]).plan_note  # 16 h free minus the forced 10 h
    assert store.tasks.get(k["landing"]).plan_note.startswith("Автооценка")  # the estimate note stays
    assert plan_client(store, CONFIG, "acme", "2026-W45", today=D(2026, 11, 2)).written == 0


def test_dry_run_writes_nothing(any_agency):
    agency = any_agency
    k = add_backlog(any_agency)
    before = agency.change_counter("acme")
    report = plan_client(agency, CONFIG, "acme", "2026-W45", dry_run=True, today=D(2026, 11, 2))
    assert report.dry_run and report.taken and agency.change_counter("acme") == before
    assert agency.tasks.get(k["hero"]).status == "backlog"


def test_plan_all_shares_capacity_between_clients(any_agency):
    agency = any_agency
    t = agency.tasks
    a = create(agency, "acme", title="A", assignee="anna@agency.test", estimate_hours=20, priority=2,
               created_at=at(10, 1)).key
    b = create(agency, "initech", title="B", assignee="anna@agency.test", estimate_hours=12, priority=1,
               created_at=at(10, 9)).key
    c = create(agency, "globex", title="C", assignee="anna@agency.test", estimate_hours=4, priority=3).key
    report = plan_all(agency, CONFIG, "2026-W45", today=D(2026, 11, 2))
    assert report.clients == ["acme", "globex", "initech"]
    # Anna has 32 h: B (priority 1) then A (priority 2) = 32 h; C no longer fits
    assert [d.task.key for d in report.taken] == [b, a]
    assert t.get(c).status == "backlog"
    assert "Does not fit" in t.get(c).plan_note  # globex reads English
    assert report.loads["anna@agency.test"].planned == 32 == report.loads["anna@agency.test"].capacity


def test_planning_mid_period_starts_from_today(any_agency):
    agency = any_agency
    key = agency.tasks.create("acme", title="X", assignee="anna@agency.test", estimate_hours=4,
                              origin="cli", actor=ACTOR).key
    plan_client(agency, CONFIG, "acme", "2026-W45", today=D(2026, 11, 5))
    assert agency.tasks.get(key).start_date == D(2026, 11, 5)
