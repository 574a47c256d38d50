import datetime as dt

import pytest

from sheetsync.planning.calendar import PeriodError, WorkCalendar, parse_period, parse_weekdays

D = dt.date


def test_week_and_month_periods():
    w = parse_period("2026-W45")
    assert (w.start, w.end, w.kind, w.label) == (D(2026, 11, 2), D(2026, 11, 8), "week", "2026-W45")
    m = parse_period("2026-11")
    assert (m.start, m.end, m.kind) == (D(2026, 11, 1), D(2026, 11, 30), "month")
    assert parse_period("2026-12").end == D(2026, 12, 31)
    assert parse_period(" 2026-w48 ").label == "2026-W48"


@pytest.mark.parametrize("bad", ["2026-13", "2026-W54", "next week", "", "2026/11"])
def test_bad_periods_say_what_is_expected(bad):
    with pytest.raises(PeriodError, match="2026-W48|2026-11"):
        parse_period(bad)


def test_unity_day_is_not_a_working_day_in_russia():
    cal = WorkCalendar("RU")
    days = cal.working_days(parse_period("2026-W45"))
    assert D(2026, 11, 4) not in days
    assert days == [D(2026, 11, 2), D(2026, 11, 3), D(2026, 11, 5), D(2026, 11, 6)]
    assert len(cal.working_days(parse_period("2026-11"))) == 20  # 21 weekdays minus Unity Day
    assert cal.holiday_name(D(2026, 11, 4))


def test_transferred_saturday_is_worked_by_a_standard_week_only():
    cal = WorkCalendar("RU")
    saturday = D(2025, 11, 1)  # Russia moved a working day to this Saturday
    assert cal.is_working_day(saturday)
    assert not cal.is_working_day(saturday, parse_weekdays("mon,tue,wed"))
    assert D(2025, 11, 1) in cal.working_days(parse_period("2025-W44"))


def test_per_specialist_weekdays_and_no_country():
    cal = WorkCalendar("RU")
    part_time = parse_weekdays("mon, tue,wed")
    assert cal.working_days(parse_period("2026-W45"), part_time) == [D(2026, 11, 2), D(2026, 11, 3)]
    assert len(WorkCalendar(None).working_days(parse_period("2026-W45"))) == 5
    with pytest.raises(ValueError, match="weekday"):
        parse_weekdays("mon,funday")
    with pytest.raises(ValueError, match="ISO 3166"):
        WorkCalendar("XX")


def test_working_days_between_and_next():
    cal = WorkCalendar("RU")
    assert cal.working_days_between(D(2026, 11, 2), D(2026, 11, 6)) == 3  # 3rd, 5th, 6th
    assert cal.next_working_day(D(2026, 11, 3)) == D(2026, 11, 5)
