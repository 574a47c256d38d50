"""The plan-schedule sheet: a Gantt grid the client reads to see the specialists' load.

Pure: in-work tasks + specialists + the period -> rows of CellData -> one structural batch.
Layout (0-based rows): row 0 the title and the week labels over the day columns, row 1 the
headers and the day labels; then per specialist a load row (planned hours over capacity, for all
clients, in %) followed by that specialist's tasks. Day cells of a task are filled with the
specialist's colour on the days it is scheduled, red when the task is overdue; today's column is
marked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..vocabulary import IN_WORK_STATUSES, TERMINAL_STATUSES, status_label
from .calendar import Period, WorkCalendar
from .cells import cell, conform_to_template, grid_rewrite
from .model import SpecialistInfo, TaskInfo
from .select import EPS, booked_spans

if TYPE_CHECKING:
    from sheetsync.templates import SheetSpec

PALETTE = ("#A4C2F4", "#B6D7A8", "#F9CB9C", "#D5A6BD", "#A2C4C9", "#FFE599", "#B4A7D6", "#EA9999")
UNASSIGNED_COLOUR = "#CCCCCC"
OVERDUE_COLOUR = "#E06666"
TODAY_HEADER = "#FFD966"
TODAY_COLUMN = "#FFF2CC"
HEADER_BG = "#EFEFEF"
LOAD_BG = "#F3F3F3"
OVERLOAD_COLOUR = "#CC0000"

FIXED_COLUMNS = ("assignee", "key", "title", "estimate_hours", "start_date", "deadline")
_DEFAULT_HEADERS = {
    "ru": ("Исполнитель", "ID", "Задача", "Часы", "Начало", "Срок"),
    "en": ("Assignee", "ID", "Task", "Hours", "Start", "Deadline"),
}
DAY_NAMES = {"ru": ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
FIRST_DAY_COL = len(FIXED_COLUMNS)
HEADER_ROWS = 2


@dataclass(frozen=True)
class SpecialistLoad:
    planned: float  # hours in the period, all clients
    capacity: float
    per_day: Mapping[dt.date, float]
    daily_capacity: float = 0.0

    @property
    def percent(self) -> float | None:
        return round(self.planned / self.capacity, 4) if self.capacity > 0 else None


@dataclass
class Gantt:
    rows: list[list[dict]]
    merges: list[tuple[int, int, int, int]]
    days: list[dt.date]
    colours: dict[str, str]  # specialist email -> hex colour
    task_rows: dict[str, int]  # task key -> row index
    load_rows: dict[str, int]  # specialist email -> row index


def _t(locale: str, ru: str, en: str) -> str:
    return en if locale == "en" else ru


def is_overdue(task: TaskInfo, today: dt.date) -> bool:
    return task.deadline is not None and task.deadline < today and task.status not in TERMINAL_STATUSES


def booked_per_day(
    tasks: Sequence[TaskInfo], spec: SpecialistInfo, calendar: WorkCalendar, period: Period
) -> dict[dt.date, float]:
    """Hours per day of the period booked for ``spec`` by in-work tasks of every client.

    The planner stores a task's dates, not its day-by-day booking, so the booking is replayed
    the way the planner made it (``select._book``): tasks in order of start date, each filling
    its working days from its first day up to the specialist's daily hours. Hours that do not
    fit within the task's days (a forced task, dates a manager typed) are spread evenly over
    them. Days before the period are replayed too (they take daily room); only days inside the
    period are returned. A task without dates but labelled with this period is booked over the
    period's working days.
    """
    daily = spec.daily_hours
    used: dict[dt.date, float] = {}
    spans = [(days[0], days[-1], t.key, days, hours)
             for t, days, hours in booked_spans(tasks, spec, calendar, period) if days]
    for _, _, _, days, hours in sorted(spans, key=lambda x: x[:3]):
        left = hours
        for d in days:
            take = min(max(0.0, daily - used.get(d, 0.0)), left)
            if take > EPS:
                used[d] = used.get(d, 0.0) + take
                left -= take
            if left <= EPS:
                break
        if left > EPS:
            for d in days:
                used[d] = used.get(d, 0.0) + left / len(days)
    return {d: h for d, h in used.items() if d in period}


def specialist_colours(specialists: Sequence[SpecialistInfo]) -> dict[str, str]:
    """A stable colour per specialist (by email order), so a person keeps a colour across sheets."""
    return {s.email: PALETTE[i % len(PALETTE)] for i, s in enumerate(sorted(specialists, key=lambda s: s.email))}


def build_gantt(
    tasks: Sequence[TaskInfo],
    specialists: Sequence[SpecialistInfo],
    calendar: WorkCalendar,
    period: Period,
    today: dt.date,
    loads: Mapping[str, SpecialistLoad],
    *,
    locale: str = "ru",
) -> Gantt:
    by_email = {s.email: s for s in specialists}
    colours = specialist_colours(specialists)
    shown = [t for t in tasks if t.status in IN_WORK_STATUSES and _overlaps(t, period)]
    people = sorted({t.assignee for t in shown if t.assignee in by_email}, key=lambda e: (by_email[e].name, e))
    workdays = set()
    for e in people or [s.email for s in specialists if s.active]:
        workdays.update(calendar.working_days(period, by_email[e].weekdays))
    if not workdays:
        workdays.update(calendar.working_days(period))
    days = sorted(workdays)
    n_cols = FIRST_DAY_COL + len(days)
    today_col = FIRST_DAY_COL + days.index(today) if today in days else None

    rows: list[list[dict]] = []
    merges: list[tuple[int, int, int, int]] = []
    loc = "en" if locale == "en" else "ru"
    row0 = [cell(h, bold=True, bg=HEADER_BG) for h in fixed_headers(loc)]
    for i, d in enumerate(days):
        is_today = FIRST_DAY_COL + i == today_col
        row0.append(cell(f"{DAY_NAMES[loc][d.weekday()]} {d:%d.%m}", bold=True, align="CENTER",
                         bg=TODAY_HEADER if is_today else HEADER_BG,
                         note=_t(locale, "Сегодня", "Today") if is_today else None))
    rows.append(row0)
    title = _t(locale, "Период", "Period") + f" {period.label}"
    row1 = [cell(title, bold=True)] + [{} for _ in range(n_cols - 1)]
    weeks: dict[tuple[int, int], list[int]] = {}
    for i, d in enumerate(days):
        weeks.setdefault(d.isocalendar()[:2], []).append(FIRST_DAY_COL + i)
    for (_, week), cols in weeks.items():
        first, last = days[cols[0] - FIRST_DAY_COL], days[cols[-1] - FIRST_DAY_COL]
        label = _t(locale, "Неделя", "Week") + f" {week}: {first:%d.%m}–{last:%d.%m}"
        row1[cols[0]] = cell(label, bold=True, bg=HEADER_BG, align="CENTER")
        for c in cols[1:]:
            row1[c] = cell(bg=HEADER_BG)
        if len(cols) > 1:
            merges.append((1, 2, cols[0], cols[-1] + 1))
    rows.append(row1)

    def day_cell(col: int, **kw: Any) -> dict[str, Any]:
        if col == today_col and not kw.get("bg"):
            kw["bg"] = TODAY_COLUMN
        return cell(**kw)

    task_rows: dict[str, int] = {}
    load_rows: dict[str, int] = {}
    groups: list[tuple[str | None, list[TaskInfo]]] = [
        (e, [t for t in shown if t.assignee == e]) for e in people
    ]
    orphans = [t for t in shown if t.assignee not in by_email]
    if orphans:
        groups.append((None, orphans))
    for email, group in groups:
        spec = by_email.get(email) if email else None
        colour = colours.get(email, UNASSIGNED_COLOUR) if email else UNASSIGNED_COLOUR
        name = spec.name if spec else _t(locale, "Не назначено", "Unassigned")
        if spec is not None and email:  # (a spec is only found for an email)
            load = loads.get(email) or SpecialistLoad(0.0, 0.0, {})
            pct = load.percent
            over = pct is not None and pct > 1.0 + 1e-9
            label = (_t(locale, "Загрузка", "Load") + f": {round(load.planned, 2):g} "
                     + _t(locale, "ч из", "h of") + f" {round(load.capacity, 2):g} " + _t(locale, "ч", "h"))
            row = [
                cell(name, bold=True, bg=colour),
                cell(bg=LOAD_BG),
                cell(label, bold=True, bg=LOAD_BG),
                cell(pct if pct is not None else "—", bold=True, bg=LOAD_BG,
                     colour=OVERLOAD_COLOUR if over else None, fmt=("PERCENT", "0%") if pct is not None else None),
                cell(bg=LOAD_BG),
                cell(bg=LOAD_BG),
            ]
            daily_cap = load.daily_capacity or spec.daily_hours
            for i, d in enumerate(days):
                h = round(load.per_day.get(d, 0.0), 2)
                heavy = h > daily_cap + 1e-6
                row.append(day_cell(FIRST_DAY_COL + i, value=h if h else None, bg=LOAD_BG if FIRST_DAY_COL + i != today_col else None,
                                    colour=OVERLOAD_COLOUR if heavy else None, bold=heavy, fmt=("NUMBER", "0.#")))
            load_rows[email] = len(rows)
            rows.append(row)
        for t in sorted(group, key=lambda t: (t.start_date or dt.date.max, t.deadline or dt.date.max, t.key)):
            late = is_overdue(t, today)
            fill = OVERDUE_COLOUR if late else colour
            row = [
                cell(name if spec is None else None),
                cell(t.key),
                cell(t.title, note=(_t(locale, "Просрочена", "Overdue") + f" ({status_label(t.status, locale)})")
                     if late else None),
                cell(t.estimate_hours if t.estimate_hours is not None else None, fmt=("NUMBER", "0.##")),
                cell(t.start_date, fmt=("DATE", "dd.mm")) if t.start_date else cell(),
                cell(t.deadline, fmt=("DATE", "dd.mm"), bold=late, colour=OVERDUE_COLOUR if late else None)
                if t.deadline else cell(),
            ]
            weekdays = spec.weekdays if spec else None
            for i, d in enumerate(days):
                on = (
                    t.start_date is not None and t.deadline is not None and t.start_date <= d <= t.deadline
                    and (weekdays is None or calendar.is_working_day(d, weekdays))
                )
                row.append(day_cell(FIRST_DAY_COL + i, bg=fill) if on else day_cell(FIRST_DAY_COL + i))
            task_rows[t.key] = len(rows)
            rows.append(row)
    conform_to_template(rows, "plan_schedule", loc)
    return Gantt(rows, merges, days, colours, task_rows, load_rows)


def _template() -> SheetSpec | None:
    try:
        from sheetsync.templates import load_templates

        return load_templates()["plan_schedule"]
    except Exception:  # templates missing or broken: the built-in layout still works
        return None


def fixed_headers(locale: str) -> tuple[str, ...]:
    """Headers of the leading columns, from sheet_templates/plan_schedule.toml when it matches."""
    spec = _template()
    if spec is not None and spec.keys == FIXED_COLUMNS:
        return tuple(spec.headers(locale))
    return _DEFAULT_HEADERS["en" if locale == "en" else "ru"]


def _fixed_widths() -> tuple[int, ...]:
    spec = _template()
    if spec is not None and spec.keys == FIXED_COLUMNS:
        return tuple(c.width for c in spec.columns)
    return (180, 90, 260, 70, 100, 100)


def _overlaps(t: TaskInfo, period: Period) -> bool:
    if t.start_date and t.deadline:
        return t.start_date <= period.end and t.deadline >= period.start
    return t.period == period.label


def gantt_requests(gantt: Gantt, sheet_id: int) -> list[dict]:
    """The one structural batch that makes the plan-schedule sheet show ``gantt``."""
    widths = dict(enumerate(_fixed_widths()))
    widths.update({FIRST_DAY_COL + i: 56 for i in range(len(gantt.days))})
    return grid_rewrite(sheet_id, gantt.rows, frozen_rows=HEADER_ROWS, frozen_cols=3, merges=gantt.merges, widths=widths)
