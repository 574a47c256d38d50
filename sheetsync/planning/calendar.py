"""Working days of a planning period, per specialist, without public holidays.

Public holidays (and the transferred working days some countries declare, e.g. Russia's
working Saturdays) come from the `holidays` package, so the calendar follows the official
one instead of a hand-kept list.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import holidays

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STANDARD_WEEK = frozenset(range(5))

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(ValueError):
    """A period string that is neither an ISO week nor a month."""


@dataclass(frozen=True, order=True)
class Period:
    """A planning period: an ISO week (``2026-W48``) or a calendar month (``2026-11``)."""

    start: dt.date
    end: dt.date  # inclusive
    label: str
    kind: str  # "week" | "month"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def days(self) -> Iterator[dt.date]:
        day = self.start
        while day <= self.end:
            yield day
            day += dt.timedelta(days=1)

    def __str__(self) -> str:
        return self.label


def parse_period(text: str) -> Period:
    """Parse ``2026-W48`` or ``2026-11``; the error says which forms are accepted."""
    raw = (text or "").strip()
    if m := _WEEK_RE.match(raw.upper()):
        year, week = int(m.group(1)), int(m.group(2))
        try:
            start = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            raise PeriodError(f"period {text!r}: {year} has no ISO week {week}; use e.g. 2026-W48") from None
        return Period(start, start + dt.timedelta(days=6), f"{year}-W{week:02d}", "week")
    if m := _MONTH_RE.match(raw):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"period {text!r}: month must be 01..12; use e.g. 2026-11")
        start = dt.date(year, month, 1)
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        return Period(start, nxt - dt.timedelta(days=1), f"{year}-{month:02d}", "month")
    raise PeriodError(
        f"period {text!r} is not understood: give an ISO week like 2026-W48 or a month like 2026-11"
    )


def current_period(kind: str, today: dt.date) -> Period:
    """The week or month containing ``today``."""
    if kind == "month":
        return parse_period(f"{today.year}-{today.month:02d}")
    year, week, _ = today.isocalendar()
    return parse_period(f"{year}-W{week:02d}")


def parse_weekdays(text: str | Iterable[str] | None) -> frozenset[int]:
    """``'mon,tue,wed,thu,fri'`` -> {0..4}. Empty or None means the standard Mon–Fri week."""
    if text is None:
        return STANDARD_WEEK
    parts = text.split(",") if isinstance(text, str) else list(text)
    days: set[int] = set()
    for part in parts:
        name = part.strip().lower()[:3]
        if not name:
            continue
        if name not in WEEKDAY_NAMES:
            raise ValueError(
                f"working day {part.strip()!r} is not a weekday; use mon, tue, wed, thu, fri, sat, sun"
            )
        days.add(WEEKDAY_NAMES.index(name))
    return frozenset(days) or STANDARD_WEEK


@lru_cache(maxsize=64)
def _country_holidays(country: str, subdiv: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdiv, years=year)


class WorkCalendar:
    """The agency's calendar: weekends, public holidays and transferred working days of one country.

    A specialist with the standard Mon–Fri week works every official working day (including a
    Saturday the government moved a working day to). A specialist with another set of weekdays
    works those weekdays except public holidays.
    """

    def __init__(self, country: str | None = "RU", subdiv: str | None = None) -> None:
        self.country = (country or "").upper() or None
        self.subdiv = subdiv
        if self.country:
            try:
                _country_holidays(self.country, subdiv, 2026)
            except NotImplementedError:
                raise ValueError(
                    f"holidays country {country!r} is not known to the `holidays` package; "
                    "use an ISO 3166 code such as RU, US, DE, or leave it empty for no public holidays"
                ) from None

    def _cal(self, day: dt.date) -> holidays.HolidayBase | None:
        return _country_holidays(self.country, self.subdiv, day.year) if self.country else None

    def holiday_name(self, day: dt.date) -> str | None:
        cal = self._cal(day)
        return cal.get(day) if cal is not None else None

    def is_holiday(self, day: dt.date) -> bool:
        cal = self._cal(day)
        return cal is not None and day in cal

    def is_transferred_workday(self, day: dt.date) -> bool:
        cal = self._cal(day)
        return cal is not None and day in cal.weekend_workdays

    def is_working_day(self, day: dt.date, weekdays: frozenset[int] = STANDARD_WEEK) -> bool:
        if self.is_holiday(day):
            return False
        if day.weekday() in weekdays:
            return True
        return STANDARD_WEEK <= weekdays and self.is_transferred_workday(day)

    def working_days(self, period: Period, weekdays: frozenset[int] = STANDARD_WEEK) -> list[dt.date]:
        return [d for d in period.days() if self.is_working_day(d, weekdays)]

    def next_working_day(self, day: dt.date, weekdays: frozenset[int] = STANDARD_WEEK) -> dt.date:
        """The first working day strictly after ``day``."""
        if not weekdays and not STANDARD_WEEK <= weekdays:
            raise ValueError("a specialist with no working days has no next working day")
        day += dt.timedelta(days=1)
        for _ in range(400):
            if self.is_working_day(day, weekdays):
                return day
            day += dt.timedelta(days=1)
        raise ValueError(f"no working day within a year after {day}")  # pragma: no cover

    def working_days_between(
        self, start: dt.date, end: dt.date, weekdays: frozenset[int] = STANDARD_WEEK
    ) -> int:
        """Working days in (start, end]: how many working days have passed since ``start``."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day, weekdays):
                count += 1
        return count
