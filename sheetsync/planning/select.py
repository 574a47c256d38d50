"""In-work selection: which backlog tasks fit into the period, for whom, from when to when.

Pure. Tasks are taken by priority, then age, within each specialist's capacity for the period
(weekly hours over their working days in the period, minus what is already planned for *all*
clients in that period). Each taken task is scheduled sequentially on its specialist's working
days. A task that does not fit stays in the backlog with a reason people can read. Capacity is
never exceeded, except by a task a manager forced in, which is flagged.

Tasks without an assignee go to the specialist of the task's role (or its type's role) with the
most capacity left who can fit it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..vocabulary import OPEN_IN_WORK_STATUSES
from .calendar import Period, WorkCalendar
from .model import SpecialistInfo, TaskInfo

EPS = 1e-9

_REASONS = {
    "no_estimate": (
        "Нет оценки: укажите часы или тип задачи",
        "No estimate: enter the hours or a task type",
    ),
    "no_role": (
        "Не назначен исполнитель и неизвестна роль: укажите исполнителя или тип задачи",
        "No assignee and no role: set an assignee or a task type",
    ),
    "unknown_assignee": (
        "Исполнитель {assignee} не найден среди активных специалистов",
        "Assignee {assignee} is not an active specialist",
    ),
    "no_specialist": (
        "Нет активного специалиста с ролью «{role}»",
        "No active specialist with the role '{role}'",
    ),
    "over_capacity": (
        "Не помещается: нужно {need:g} ч, у {name} свободно {free:g} ч в {period}",
        "Does not fit: needs {need:g} h, {name} has {free:g} h free in {period}",
    ),
    "over_capacity_role": (
        "Не помещается: нужно {need:g} ч, у специалистов с ролью «{role}» свободно не больше {free:g} ч в {period}",
        "Does not fit: needs {need:g} h, specialists with the role '{role}' have at most {free:g} h free in {period}",
    ),
    "forced_over": (
        "Добавлена принудительно сверх загрузки {name} на {over:g} ч",
        "Forced in over {name}'s capacity by {over:g} h",
    ),
    "forced_fits": (
        "Добавлена принудительно (помещается в загрузку)",
        "Forced in (fits the capacity)",
    ),
}


@dataclass(frozen=True)
class Reason:
    code: str
    params: tuple[tuple[str, object], ...] = ()

    def text(self, locale: str = "ru") -> str:
        ru, en = _REASONS[self.code]
        return (en if locale == "en" else ru).format(**dict(self.params))


def _reason(code: str, **params: object) -> Reason:
    return Reason(code, tuple(sorted(params.items())))


@dataclass(frozen=True)
class Decision:
    """What happens to one backlog task."""

    task: TaskInfo
    outcome: str  # "taken" | "not_fitting" | "forced"
    assignee: str | None = None
    start: dt.date | None = None
    deadline: dt.date | None = None
    hours: float = 0.0
    auto_assigned: bool = False
    reason: Reason | None = None
    days: tuple[tuple[dt.date, float], ...] = ()  # hours booked per day


@dataclass
class Load:
    """A specialist's load in the period (all clients)."""

    specialist: SpecialistInfo
    days: list[dt.date]
    capacity: float
    existing: float = 0.0
    added: float = 0.0
    per_day: dict[dt.date, float] = field(default_factory=dict)

    @property
    def planned(self) -> float:
        return self.existing + self.added

    @property
    def free(self) -> float:
        return max(0.0, self.capacity - self.planned)

    @property
    def percent(self) -> float | None:
        return self.planned / self.capacity if self.capacity > EPS else None


class DecisionViews:
    """The decisions split by outcome; shared by a Selection and the PlanReport built from it."""

    decisions: list[Decision]

    @property
    def taken(self) -> list[Decision]:
        return [d for d in self.decisions if d.outcome == "taken"]

    @property
    def not_fitting(self) -> list[Decision]:
        return [d for d in self.decisions if d.outcome == "not_fitting"]

    @property
    def forced(self) -> list[Decision]:
        return [d for d in self.decisions if d.outcome == "forced"]


@dataclass
class Selection(DecisionViews):
    period: Period
    decisions: list[Decision]
    loads: dict[str, Load]



def capacity_of(spec: SpecialistInfo, calendar: WorkCalendar, period: Period) -> tuple[list[dt.date], float]:
    days = calendar.working_days(period, spec.weekdays) if spec.active else []
    return days, spec.daily_hours * len(days)


def task_hours(task: TaskInfo) -> float:
    """Hours a task occupies: a done task its actual hours when known, otherwise the estimate."""
    if task.status == "done" and task.actual_hours is not None:
        return task.actual_hours
    return task.estimate_hours or 0.0


def booked_spans(
    tasks: Iterable[TaskInfo], spec: SpecialistInfo, calendar: WorkCalendar, period: Period
) -> list[tuple[TaskInfo, list[dt.date], float]]:
    """``spec``'s in-work tasks (of every client) that book hours in ``period``: each with its working
    days and its hours. A task with dates books the working days between them; a task without dates
    but with this period's label books the whole period."""
    out: list[tuple[TaskInfo, list[dt.date], float]] = []
    period_days: list[dt.date] | None = None
    for t in tasks:
        if t.assignee != spec.email or t.status not in OPEN_IN_WORK_STATUSES | {"done"}:
            continue
        hours = task_hours(t)
        if hours <= 0:
            continue
        if t.start_date and t.deadline and t.deadline >= t.start_date:
            if t.deadline < period.start or t.start_date > period.end:
                continue
            span = Period(t.start_date, t.deadline, "", "span")
            days = calendar.working_days(span, spec.weekdays) or [t.start_date]
        elif t.period == period.label:
            if period_days is None:
                period_days = calendar.working_days(period, spec.weekdays)
            days = period_days
        else:
            continue
        out.append((t, days, hours))
    return out


def existing_load(
    tasks: Iterable[TaskInfo], spec: SpecialistInfo, calendar: WorkCalendar, period: Period
) -> dict[dt.date, float]:
    """Hours per day of the period already booked for ``spec`` by in-work tasks of every client.

    A task with dates is spread evenly over its working days; only the part inside the period
    counts. A task without dates but with this period's label is spread over the whole period.
    """
    per_day: dict[dt.date, float] = {}
    for _t, days, hours in booked_spans(tasks, spec, calendar, period):
        share = hours / len(days) if days else 0.0
        for d in days:
            if d in period:
                per_day[d] = per_day.get(d, 0.0) + share
    return per_day


def _order(t: TaskInfo) -> tuple:
    created = t.created_at or dt.datetime.max
    if created.tzinfo is not None:
        created = created.replace(tzinfo=None)
    return (t.priority if t.priority is not None else 3, created, t.key)


def select_tasks(
    backlog: Sequence[TaskInfo],
    specialists: Sequence[SpecialistInfo],
    calendar: WorkCalendar,
    period: Period,
    *,
    existing: Sequence[TaskInfo] = (),
    type_roles: Mapping[str, str] | None = None,
    not_before: dt.date | None = None,
) -> Selection:
    """Decide, for every backlog task, whether it is taken into ``period`` and when.

    ``not_before`` (usually today) keeps new work off days already past when planning mid-period.
    """
    type_roles = type_roles or {}
    active = [s for s in specialists if s.active]
    by_email = {s.email: s for s in active}
    loads: dict[str, Load] = {}
    free: dict[str, list[list]] = {}  # email -> [[day, free hours], ...] in day order
    mine: dict[str | None, list[TaskInfo]] = {}
    for t in existing:
        mine.setdefault(t.assignee, []).append(t)
    for s in active:
        days, cap = capacity_of(s, calendar, period)
        already = existing_load(mine.get(s.email, ()), s, calendar, period)
        load = Load(s, days, cap, existing=sum(already.values()), per_day=dict(already))
        loads[s.email] = load
        free[s.email] = [
            [d, max(0.0, s.daily_hours - already.get(d, 0.0)) if not_before is None or d >= not_before else 0.0]
            for d in days
        ]

    free_sum = {e: sum(f for _, f in slots) for e, slots in free.items()}
    rank = {s.email: i for i, s in enumerate(active)}
    pools: dict[str, list[SpecialistInfo]] = {}
    for s in active:
        pools.setdefault(s.role, []).append(s)

    def room(email: str) -> float:
        """Hours that can still be added without exceeding the capacity (per day and in total)."""
        load = loads[email]
        return max(0.0, min(free_sum[email], load.capacity - load.planned))

    decisions: list[Decision] = []
    for task in sorted(backlog, key=_order):
        if task.status != "backlog":
            continue
        need = task.estimate_hours
        if need is None:
            decisions.append(Decision(task, "not_fitting", task.assignee, reason=_reason("no_estimate")))
            continue
        auto = False
        if task.assignee:
            if task.assignee not in by_email:
                decisions.append(
                    Decision(task, "not_fitting", task.assignee, reason=_reason("unknown_assignee", assignee=task.assignee))
                )
                continue
            email = task.assignee
        else:
            role = task.role or type_roles.get(task.task_type or "")
            if not role:
                decisions.append(Decision(task, "not_fitting", None, reason=_reason("no_role")))
                continue
            pool = pools.get(role)
            if not pool:
                decisions.append(Decision(task, "not_fitting", None, reason=_reason("no_specialist", role=role)))
                continue
            best = max(pool, key=lambda s: (room(s.email), -rank[s.email]))
            if room(best.email) + EPS < need and not task.forced:
                decisions.append(
                    Decision(
                        task, "not_fitting", None,
                        reason=_reason("over_capacity_role", need=need, role=role, free=round(room(best.email), 2), period=period.label),
                    )
                )
                continue
            email, auto = best.email, True
        spec, load = by_email[email], loads[email]
        avail = room(email)
        if avail + EPS < need and not task.forced:
            decisions.append(
                Decision(
                    task, "not_fitting", email,
                    reason=_reason("over_capacity", need=need, name=spec.name, free=round(avail, 2), period=period.label),
                )
            )
            continue
        booked = _book(free[email], min(need, avail))
        free_sum[email] -= sum(h for _, h in booked)
        over = need - sum(h for _, h in booked)
        if over > EPS:  # only a forced task gets here: spread the excess over the rest of the period
            open_days = [d for d in load.days if not_before is None or d >= not_before] or load.days[-1:]
            tail_from = booked[-1][0] if booked else (open_days[0] if open_days else period.start)
            tail = [d for d in open_days if d >= tail_from] or [tail_from]
            extra = dict(booked)
            for d in tail:
                extra[d] = extra.get(d, 0.0) + over / len(tail)
            booked = sorted(extra.items())
        for d, h in booked:
            load.per_day[d] = load.per_day.get(d, 0.0) + h
        load.added += need
        if booked:
            start, deadline = booked[0][0], booked[-1][0]
        else:  # a zero-hour task: the first day with room, else the first working day
            start = deadline = next((d for d, f in free[email] if f > EPS), load.days[0] if load.days else period.start)
        if task.forced:
            reason = _reason("forced_over", name=spec.name, over=round(over, 2)) if over > EPS else _reason("forced_fits")
            decisions.append(Decision(task, "forced", email, start, deadline, need, auto, reason, tuple(booked)))
        else:
            decisions.append(Decision(task, "taken", email, start, deadline, need, auto, None, tuple(booked)))
    return Selection(period, decisions, loads)


def _book(free: list[list], hours: float) -> list[tuple[dt.date, float]]:
    """Take ``hours`` from the earliest days with free time (sequential work); mutates ``free``."""
    booked: list[tuple[dt.date, float]] = []
    left = hours
    for slot in free:
        if left <= EPS:
            break
        take = min(slot[1], left)
        if take > EPS:
            slot[1] -= take
            left -= take
            booked.append((slot[0], take))
    return booked
