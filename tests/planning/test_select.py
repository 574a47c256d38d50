"""In-work selection on realistic data: two clients sharing specialists, Unity Day inside the week."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from sheetsync.planning.calendar import WorkCalendar, parse_period, parse_weekdays
from sheetsync.planning.model import SpecialistInfo, TaskInfo
from sheetsync.planning.select import EPS, existing_load, select_tasks

D = dt.date
CAL = WorkCalendar("RU")
W45 = parse_period("2026-W45")  # Mon 2 Nov .. Sun 8 Nov; Wed 4 Nov is Unity Day


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, tzinfo=dt.UTC)


ANNA = SpecialistInfo("anna@agency.test", "Анна Смирнова", "design", 40)
BORIS = SpecialistInfo("boris@agency.test", "Борис Ким", "dev", 40)
VERA = SpecialistInfo("vera@agency.test", "Вера Орлова", "dev", 24, parse_weekdays("mon,tue,wed"))
TEAM = [ANNA, BORIS, VERA]
TYPE_ROLES = {"banner": "design", "landing": "dev", "seo_text": "copy"}


def task(key, client="acme", **kw):
    kw.setdefault("status", "backlog")
    kw.setdefault("created_at", at(1))
    return TaskInfo(key=key, client=client, title=kw.pop("title", key), **kw)


# globex already booked Boris for two days of the week
GLOBEX_PLANNED = [
    task("T-000900", "globex", assignee=BORIS.email, estimate_hours=16, status="in_progress",
         start_date=D(2026, 11, 2), deadline=D(2026, 11, 3), period="2026-W45"),
    task("T-000901", "globex", assignee=ANNA.email, estimate_hours=8, status="done", actual_hours=6,
         start_date=D(2026, 11, 2), deadline=D(2026, 11, 2)),
    task("T-000902", "globex", assignee=ANNA.email, estimate_hours=50, status="planned",
         start_date=D(2026, 10, 19), deadline=D(2026, 10, 30)),  # last week's: does not count
]


def run(backlog, existing=GLOBEX_PLANNED, team=TEAM):
    return select_tasks(backlog, team, CAL, W45, existing=existing, type_roles=TYPE_ROLES)


def test_capacity_excludes_the_holiday_and_other_clients_work():
    sel = run([])
    assert sel.loads[BORIS.email].capacity == 32  # 4 working days x 8 h
    assert sel.loads[BORIS.email].existing == 16
    assert sel.loads[ANNA.email].existing == 6  # done: actual hours count, not the estimate
    assert sel.loads[VERA.email].capacity == 16  # Mon, Tue (Wed is the holiday) x 8 h


def test_priority_then_age_dates_reasons_and_forced():
    backlog = [
        task("T-000001", assignee=BORIS.email, estimate_hours=12, priority=2, created_at=at(5)),
        task("T-000002", assignee=BORIS.email, estimate_hours=8, priority=2, created_at=at(3)),  # older: first
        task("T-000003", assignee=BORIS.email, estimate_hours=10, priority=4),  # does not fit any more
        task("T-000004", assignee=BORIS.email, estimate_hours=12, priority=5, forced=True),  # forced in
        task("T-000005", task_type="banner", estimate_hours=6, priority=1),  # no assignee: design role
        task("T-000006", task_type="banner", priority=1),  # no estimate
        task("T-000007", task_type="seo_text", estimate_hours=3),  # nobody has the role
        task("T-000008", assignee="ghost@agency.test", estimate_hours=1),
        task("T-000009", estimate_hours=1),  # no assignee, no type, no role
    ]
    sel = run(backlog)
    by = {d.task.key: d for d in sel.decisions}
    # Boris: 32 h capacity - 16 h globex = 16 h free on Thu 5 and Fri 6
    assert by["T-000002"].outcome == "taken"
    assert (by["T-000002"].start, by["T-000002"].deadline) == (D(2026, 11, 5), D(2026, 11, 5))
    assert by["T-000001"].outcome == "not_fitting"  # 12 h > 8 h left after T-000002
    assert by["T-000001"].reason.text("en") == "Does not fit: needs 12 h, Борис Ким has 8 h free in 2026-W45"
    assert "Не помещается: нужно 12 ч" in by["T-000001"].reason.text("ru")
    assert by["T-000003"].outcome == "not_fitting"
    forced = by["T-000004"]
    assert forced.outcome == "forced" and sel.forced == [forced]
    assert forced.reason.text("en") == "Forced in over Борис Ким's capacity by 4 h"
    assert (forced.start, forced.deadline) == (D(2026, 11, 6), D(2026, 11, 6))
    assert sel.loads[BORIS.email].planned == 16 + 8 + 12  # over capacity only through the forced task
    # unassigned banner goes to the designer, on the first free day (Monday has 2 h left after globex's 6 h)
    banner = by["T-000005"]
    assert banner.assignee == ANNA.email and banner.auto_assigned
    assert (banner.start, banner.deadline) == (D(2026, 11, 2), D(2026, 11, 3))
    assert by["T-000006"].reason.code == "no_estimate"
    assert by["T-000007"].reason.text("en") == "No active specialist with the role 'copy'"
    assert by["T-000008"].reason.code == "unknown_assignee"
    assert by["T-000009"].reason.code == "no_role"
    assert [d.task.key for d in sel.taken] == ["T-000005", "T-000002"]  # priority order


def test_unassigned_dev_task_goes_to_the_developer_with_most_room():
    sel = run([task("T-000010", task_type="landing", estimate_hours=10),
               task("T-000011", task_type="landing", estimate_hours=10, created_at=at(2))])
    by = {d.task.key: d for d in sel.decisions}
    # the older task first; Boris and Vera both have 16 h free: the first listed wins the tie
    assert by["T-000010"].assignee == BORIS.email
    assert by["T-000010"].start == D(2026, 11, 5)  # his Mon/Tue belong to globex
    assert by["T-000011"].assignee == VERA.email  # now Vera has more room (16 h vs 6 h)
    assert (by["T-000011"].start, by["T-000011"].deadline) == (D(2026, 11, 2), D(2026, 11, 3))


def test_multi_day_task_skips_the_holiday():
    sel = run([task("T-000020", assignee=ANNA.email, estimate_hours=20)])
    d = sel.decisions[0]
    # Monday has 2 h left after globex's done task: 2 + 8 (Tue) + 8 (Thu, after the holiday) + 2 (Fri)
    assert (d.start, d.deadline) == (D(2026, 11, 2), D(2026, 11, 6))
    assert dict(d.days) == {D(2026, 11, 2): 2, D(2026, 11, 3): 8, D(2026, 11, 5): 8, D(2026, 11, 6): 2}
    assert abs(sum(h for _, h in d.days) - 20) < EPS


def test_not_backlog_tasks_are_ignored_and_replanning_is_stable():
    first = run([task("T-000030", assignee=ANNA.email, estimate_hours=30)])
    d = first.decisions[0]
    planned = task("T-000030", assignee=ANNA.email, estimate_hours=30, status="planned",
                   start_date=d.start, deadline=d.deadline, period="2026-W45")
    second = run([planned, task("T-000031", assignee=ANNA.email, estimate_hours=4)],
                 existing=[*GLOBEX_PLANNED, planned])
    assert [x.task.key for x in second.decisions] == ["T-000031"]
    assert second.decisions[0].outcome == "not_fitting"  # 32 - 6 - 30 < 4


# --- property: capacity is never exceeded without a forced task -----------------------------

specialists_st = st.lists(
    st.builds(
        SpecialistInfo,
        email=st.sampled_from(["a@x.test", "b@x.test", "c@x.test", "d@x.test"]),
        name=st.just("S"),
        role=st.sampled_from(["dev", "design"]),
        weekly_hours=st.floats(0, 60, allow_nan=False),
        weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    ),
    min_size=1, max_size=4, unique_by=lambda s: s.email,
)


@given(
    team=specialists_st,
    items=st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["a@x.test", "b@x.test", "c@x.test"])),
            st.one_of(st.none(), st.floats(0, 50, allow_nan=False)),
            st.integers(1, 5),
            st.sampled_from([None, "dev", "design"]),
            st.booleans(),
        ),
        max_size=40,
    ),
    existing=st.lists(st.tuples(st.sampled_from(["a@x.test", "b@x.test"]), st.floats(0, 30), st.integers(0, 6)),
                      max_size=5),
    period=st.sampled_from(["2026-W45", "2026-11", "2026-W01", "2026-05"]),
)
def test_capacity_never_exceeded_unless_forced(team, items, existing, period):
    p = parse_period(period)
    ex = [TaskInfo(f"E-{i}", assignee=e, estimate_hours=h, status="planned", start_date=p.start + dt.timedelta(days=off),
                   deadline=p.start + dt.timedelta(days=off)) for i, (e, h, off) in enumerate(existing)]
    backlog = [TaskInfo(f"T-{i:06d}", assignee=a, estimate_hours=h, priority=pr, role=r, forced=f)
               for i, (a, h, pr, r, f) in enumerate(items)]
    sel = select_tasks(backlog, team, CAL, p, existing=ex)
    assert len(sel.decisions) == len(backlog)
    for email, load in sel.loads.items():
        forced_hours = sum(d.hours for d in sel.forced if d.assignee == email)
        taken = [d for d in sel.taken if d.assignee == email]
        # without the forced tasks, what was added never pushes the load over the capacity
        assert load.added - forced_hours <= max(0.0, load.capacity - load.existing) + 1e-6
        daily = load.specialist.daily_hours
        for d in taken:
            assert d.start in p and d.deadline in p and d.start <= d.deadline
            for day, h in d.days:
                assert day in load.days
                assert h <= daily + 1e-6
            assert abs(sum(h for _, h in d.days) - d.hours) < 1e-6
    for d in sel.not_fitting:
        assert d.reason is not None and d.reason.text("ru") and d.reason.text("en")
    # no day is booked beyond what the specialist had free that day (sequential, never double-booked)
    for spec in team:
        before = existing_load(ex, spec, CAL, p)
        if any(d.outcome == "forced" and d.assignee == spec.email for d in sel.decisions):
            continue
        per_day: dict = {}
        for d in sel.taken:
            if d.assignee == spec.email:
                for day, h in d.days:
                    per_day[day] = per_day.get(day, 0.0) + h
        for day, h in per_day.items():
            assert h <= max(0.0, spec.daily_hours - before.get(day, 0.0)) + 1e-6
