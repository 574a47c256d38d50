"""A month of the turnover plan, as numbers: weeks, department blocks, invoice rows, totals, warnings.

Pure: the store's invoices come in as plain :class:`InvoiceFacts`; nothing here reads a clock or
does I/O, so the Wednesday numbers can be checked by hand.

Definitions (docs/invoices.md explains them to accounts):

* a **week** runs Monday..Sunday, clipped to the month (1 Nov 2026 is a Sunday: week 1 is 01.11–01.11);
* an invoice is **live** in the month its planned date falls in; its amount stands in that week's cell;
  an invoice moved out of the month is still listed (**carried**), with only its marks;
* **plan**: the department's monthly minimum, spread over the weeks in proportion to their working
  days (public holidays excluded); the last week takes the rounding remainder so the weeks add up;
* **forecast**: planned + issued invoices; **fact**: paid invoices; both by their planned week;
  cancelled invoices count nowhere;
* **gap** = plan − fact − forecast (what is still missing; negative means the plan is covered);
* a **concentration warning** when more than ``share`` of the month's forecast falls in the last
  week (the seven days up to the month's last working day and after it: a clipped last week of one
  day would hide the rush) or in the last three working days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..vocabulary import FORECAST_INVOICE_STATUSES as FORECAST_STATUSES

ZERO = Decimal("0")
CENT = Decimal("0.01")
LAST_WORKING_DAYS = 3


class MonthError(ValueError):
    """A month that is not 'YYYY-MM'."""


def parse_month(month: str) -> dt.date:
    """'2026-11' -> its first day; a clear error otherwise."""
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except (TypeError, ValueError):
        raise MonthError(f"month {month!r} is not a month: give it as YYYY-MM, e.g. 2026-11") from None
    if len(month) != 7:
        raise MonthError(f"month {month!r} is not a month: give it as YYYY-MM, e.g. 2026-11")
    return first


def month_of(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def next_month(month: str) -> str:
    first = parse_month(month)
    return month_of((first + dt.timedelta(days=32)).replace(day=1))


def month_days(month: str) -> list[dt.date]:
    first = parse_month(month)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return [first + dt.timedelta(days=i) for i in range((nxt - first).days)]


@dataclass(frozen=True)
class Week:
    index: int  # 0-based within the month
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{self.start:%d.%m}–{self.end:%d.%m}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


def month_weeks(month: str) -> list[Week]:
    """The month's weeks, Monday..Sunday, clipped to the month."""
    days = month_days(month)
    weeks: list[Week] = []
    start = days[0]
    for day in days:
        if day.weekday() == 6 or day == days[-1]:
            weeks.append(Week(len(weeks), start, day))
            start = day + dt.timedelta(days=1)
    return weeks


def week_start(day: dt.date) -> dt.date:
    """The first day of ``day``'s week clipped to its month (the "week of" date in a mark)."""
    monday = day - dt.timedelta(days=day.weekday())
    return max(monday, day.replace(day=1))


def week_index(weeks: Sequence[Week], day: dt.date) -> int | None:
    for w in weeks:
        if day in w:
            return w.index
    return None


# --- inputs ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MoveFacts:
    from_date: dt.date
    to_date: dt.date
    moved_at: dt.datetime
    actor: str = ""
    reason: str = ""


@dataclass(frozen=True)
class InvoiceFacts:
    key: str
    client: str  # slug
    client_name: str
    department: str | None  # key
    description: str
    amount: Decimal
    status: str
    planned_date: dt.date
    paid_date: dt.date | None = None
    currency: str = "RUB"
    moves: tuple[MoveFacts, ...] = ()

    @property
    def first_planned_date(self) -> dt.date:
        return self.moves[0].from_date if self.moves else self.planned_date


@dataclass(frozen=True)
class DepartmentFacts:
    key: str | None  # None: invoices without a department
    name: str
    minimum: Decimal = ZERO


# --- outputs ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    invoice: InvoiceFacts
    week: int | None  # the live week; None when the invoice was carried to another month

    @property
    def carried_to(self) -> str | None:
        return None if self.week is not None else month_of(self.invoice.planned_date)


@dataclass
class Totals:
    """Per week (lists indexed like the weeks) and for the month."""

    plan: list[Decimal]
    forecast: list[Decimal]
    fact: list[Decimal]

    @property
    def gap(self) -> list[Decimal]:
        return [p - f - a for p, f, a in zip(self.plan, self.fact, self.forecast, strict=True)]

    def month(self, name: str) -> Decimal:
        return sum(getattr(self, name), ZERO)

    def __add__(self, other: Totals) -> Totals:
        return Totals(*[[a + b for a, b in zip(getattr(self, n), getattr(other, n), strict=True)]
                        for n in ("plan", "forecast", "fact")])


@dataclass(frozen=True)
class Warning:
    scope: str | None  # department key; None for the whole agency
    kind: str  # 'last_week' | 'last_days'
    amount: Decimal
    total: Decimal
    limit: float

    @property
    def share(self) -> float:
        return float(self.amount / self.total) if self.total else 0.0


@dataclass
class Block:
    department: DepartmentFacts
    rows: list[Row]
    totals: Totals


@dataclass
class MonthLayout:
    month: str
    weeks: list[Week]
    blocks: list[Block]
    totals: Totals
    warnings: list[Warning] = field(default_factory=list)
    last_days: tuple[dt.date, ...] = ()

    def rows(self) -> Iterable[Row]:
        for b in self.blocks:
            yield from b.rows


def _weekday(day: dt.date) -> bool:
    return day.weekday() < 5


def spread_plan(minimum: Decimal, weeks: Sequence[Week], working_day: Callable[[dt.date], bool]) -> list[Decimal]:
    """The monthly minimum over the weeks by working days; sums back exactly to ``minimum``."""
    weights = [sum(1 for i in range((w.end - w.start).days + 1) if working_day(w.start + dt.timedelta(days=i)))
               for w in weeks]
    if not sum(weights):
        weights = [1] * len(weeks)
    total = sum(weights)
    out = [(minimum * w / total).quantize(CENT, ROUND_HALF_UP) for w in weights]
    last = max(i for i, w in enumerate(weights) if w)
    out[last] += minimum - sum(out, ZERO)
    return out


def _totals(rows: Iterable[Row], plan: list[Decimal], n: int) -> Totals:
    forecast, fact = [ZERO] * n, [ZERO] * n
    for r in rows:
        if r.week is None:
            continue
        if r.invoice.status in FORECAST_STATUSES:
            forecast[r.week] += r.invoice.amount
        elif r.invoice.status == "paid":
            fact[r.week] += r.invoice.amount
    return Totals(plan, forecast, fact)


def last_working_days(month: str, working_day: Callable[[dt.date], bool], n: int = LAST_WORKING_DAYS
                      ) -> tuple[dt.date, ...]:
    days = [d for d in month_days(month) if working_day(d)]
    return tuple(days[-n:])


def build(month: str, invoices: Iterable[InvoiceFacts], departments: Sequence[DepartmentFacts], *,
          concentration_share: float = 0.5, working_day: Callable[[dt.date], bool] | None = None) -> MonthLayout:
    """The month's layout: a block per department (config order), then one for invoices without one."""
    working_day = working_day or _weekday
    weeks = month_weeks(month)
    first, last = weeks[0].start, weeks[-1].end
    n = len(weeks)
    by_dep: dict[str | None, list[Row]] = {}
    for inv in invoices:
        live = first <= inv.planned_date <= last
        touched = any(first <= m.from_date <= last for m in inv.moves)
        if not live and not touched:
            continue
        row = Row(inv, week_index(weeks, inv.planned_date) if live else None)
        by_dep.setdefault(inv.department, []).append(row)
    deps = list(departments)
    known = {d.key for d in deps}
    for key in by_dep:
        if key not in known:
            deps.append(DepartmentFacts(key, key or "—", ZERO))
            known.add(key)
    blocks: list[Block] = []
    for d in deps:
        rows = sorted(by_dep.get(d.key, []),
                      key=lambda r: (r.week is None, r.invoice.client_name.casefold(), r.invoice.planned_date,
                                     r.invoice.key))
        if not rows and not d.minimum:
            continue
        plan = spread_plan(d.minimum, weeks, working_day)
        blocks.append(Block(d, rows, _totals(rows, plan, n)))
    totals = Totals([ZERO] * n, [ZERO] * n, [ZERO] * n)
    for b in blocks:
        totals = totals + b.totals
    tail = last_working_days(month, working_day)
    layout = MonthLayout(month, weeks, blocks, totals, last_days=tail)
    for b in blocks:
        layout.warnings += concentration(b.department.key, b.rows, b.totals, tail, concentration_share)
    layout.warnings += concentration(None, list(layout.rows()), totals, tail, concentration_share)
    return layout


def concentration(scope: str | None, rows: Sequence[Row], totals: Totals, tail: Sequence[dt.date],
                  share: float) -> list[Warning]:
    """Too much of the month's forecast at its very end (last week, last working days)."""
    total = totals.month("forecast")
    if total <= 0:
        return []
    out = []
    last_seven = {tail[-1] - dt.timedelta(days=i) for i in range(7)} if tail else set()
    in_last_week = sum((r.invoice.amount for r in rows if r.week is not None and r.invoice.status in FORECAST_STATUSES
                        and (r.invoice.planned_date in last_seven or r.invoice.planned_date > max(last_seven))),
                       ZERO) if tail else totals.forecast[-1]
    if in_last_week > total * Decimal(str(share)):
        out.append(Warning(scope, "last_week", in_last_week, total, share))
    in_tail = sum((r.invoice.amount for r in rows if r.week is not None and r.invoice.status in FORECAST_STATUSES
                   and r.invoice.planned_date in tail), ZERO)
    if in_tail > total * Decimal(str(share)):
        out.append(Warning(scope, "last_days", in_tail, total, share))
    return out
