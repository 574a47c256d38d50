"""Value (de)serialisation: serial dates, canonical numbers, text that never executes, empty vs None."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sheetsync.sheets.values import (
    CellValueError,
    canonical_number,
    escape_user_entered,
    format_number,
    from_cell,
    normalize,
    same,
    to_cell,
)

dates = st.dates(min_value=date(1900, 3, 1), max_value=date(2200, 12, 31))
whole_second_datetimes = st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2200, 12, 31)).map(
    lambda d: d.replace(microsecond=0))
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


def test_known_serials_match_google():
    # Sheets: 1899-12-30 is 0, 1900-01-01 is 2, 2026-11-24 is 46350; noon is .5
    assert to_cell(date(1899, 12, 30), "date") == 0
    assert to_cell(date(1900, 1, 1), "date") == 2
    assert to_cell(date(2026, 11, 24), "date") == 46350
    assert to_cell(datetime(2026, 11, 24, 12, 0), "datetime") == 46350.5
    assert from_cell(46350.75, "datetime") == datetime(2026, 11, 24, 18, 0)


@given(dates)
def test_dates_round_trip_through_serials(d):
    serial = to_cell(d, "date")
    assert isinstance(serial, int)
    assert from_cell(serial, "date") == d
    assert from_cell(d.isoformat(), "date") == d  # typed as text in a text-formatted cell
    assert from_cell(d.strftime("%d.%m.%Y"), "date") == d


@given(whole_second_datetimes)
def test_datetimes_round_trip_to_the_second(dt):
    assert from_cell(to_cell(dt, "datetime"), "datetime") == dt


@given(st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2100, 1, 1)))
def test_float_noise_in_datetimes_rounds_to_the_nearest_second(dt):
    back = from_cell(to_cell(dt, "datetime"), "datetime")
    assert abs(back - dt) <= timedelta(seconds=0.5)


def test_aware_datetimes_are_written_in_the_spreadsheet_zone():
    moscow = timezone(timedelta(hours=3))
    dt = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert from_cell(to_cell(dt, "datetime", tz=moscow), "datetime") == datetime(2026, 11, 24, 12, 0)


def test_a_date_cell_with_a_time_fraction_is_that_day():
    assert from_cell(46350.99, "date") == date(2026, 11, 24)


@given(finite)
def test_numbers_are_canonical_and_stable(x):
    c = canonical_number(x)
    assert canonical_number(c) == c  # idempotent
    assert from_cell(to_cell(x, "number"), "number") == c
    assert from_cell(format_number(c), "number") == c  # as text, it reads back the same
    if isinstance(c, float):
        assert not c.is_integer() or abs(c) >= 2**53


def test_float_noise_is_gone():
    assert canonical_number(0.1 + 0.2) == 0.3
    assert canonical_number(2.0) == 2 and isinstance(canonical_number(2.0), int)
    assert canonical_number(Decimal("1.50")) == 1.5
    assert canonical_number(-0.0) == 0
    assert format_number(canonical_number(2.50)) == "2.5"
    assert same(2.5, "2,5", "hours") and same(3, 3.0000000000000004, "number")


@pytest.mark.parametrize("raw,expected", [("1 234,5", 1234.5), ("1,234.5", 1234.5), ("\u00a01\u00a0000 ", 1000),
                                          ("-3", -3), ("1e3", 1000)])
def test_numbers_as_people_type_them(raw, expected):
    assert from_cell(raw, "number") == expected


@pytest.mark.parametrize("raw,kind", [("abc", "number"), ("2.5", "int"), (True, "int"), ("-1", "hours"),
                                      ("31.02.2026", "date"), ("tomorrow", "date"), ("maybe", "bool"),
                                      ("not-an-email", "email"), ("javascript:alert(1)", "url"),
                                      ("ftp://x", "url"), ("Someday", "enum")])
def test_invalid_cells_say_what_is_expected(raw, kind):
    with pytest.raises(CellValueError) as ei:
        from_cell(raw, kind, choices={"backlog": ["Бэклог", "Backlog"], "done": ["Готово", "Done"]})
    assert "is not" in str(ei.value)


def test_hours_accept_h_mm():
    assert from_cell("1:30", "hours") == 1.5
    assert from_cell(4, "hours") == 4


@given(st.text())
def test_text_is_written_verbatim_with_raw_and_escaped_for_user_entered(s):
    assert to_cell(s, "text") == s
    ue = to_cell(s, "text", input_option="USER_ENTERED")
    if s:
        assert ue == "'" + s  # a leading apostrophe: Sheets shows s, never evaluates it
    assert escape_user_entered(s) == ue


@given(st.sampled_from("=+-@") .flatmap(lambda p: st.text().map(lambda t: p + t)))
@example("=\r\n0")  # found by hypothesis: CRLF is canonicalised to LF
def test_formula_looking_text_stays_text_on_read(s):
    # a cell that holds the text '=cmd' reads back as that text in a text column (never a number/None)
    # (text is canonical: CRLF line ends read back as LF, see from_cell)
    assert from_cell(to_cell(s, "text"), "text") == (s.replace("\r\n", "\n").strip() or None)


def test_empty_vs_none():
    assert to_cell(None, "text") == "" and to_cell(None, "date") == "" and to_cell(None, "bool") == ""
    for kind in ("text", "int", "number", "hours", "date", "datetime", "bool", "enum", "email", "url"):
        assert from_cell(None, kind) is None
        assert from_cell("", kind) is None
        assert from_cell("   ", kind) is None


def test_text_reads_numbers_and_bools_canonically():
    assert from_cell(3.0, "text") == "3" and from_cell(0.1 + 0.2, "text") == "0.3"
    assert from_cell(True, "text") == "TRUE"
    assert from_cell("  trimmed \r\n", "text") == "trimmed"


def test_enum_maps_labels_to_values():
    status = {"in_progress": ["В работе", "In progress"], "done": ["Готово", "Done"]}
    assert from_cell("в работе", "enum", choices=status) == "in_progress"
    assert from_cell("Done", "enum", choices=status) == "done"
    assert from_cell("done", "enum", choices=status) == "done"
    assert from_cell("A", "enum", choices=["a", "b"]) == "a"


def test_bool_email_url():
    assert from_cell(True, "bool") is True and from_cell("да", "bool") is True and from_cell("FALSE", "bool") is False
    assert from_cell(" Ann@Agency.Test ", "email") == "ann@agency.test"
    assert from_cell("mailto:ann@agency.test", "email") == "ann@agency.test"
    assert to_cell(" Ann@Agency.Test", "email") == "ann@agency.test"
    assert from_cell(" https://tracker.test/b/1 ", "url") == "https://tracker.test/b/1"


def test_normalize_meets_store_and_sheet_in_the_same_form():
    assert normalize(date(2026, 11, 24), "date") == normalize(46350, "date") == normalize("24.11.2026", "date")
    assert normalize(Decimal("12.50"), "number") == normalize(12.5, "number") == normalize("12,5", "number")
    assert not same("2026-11-24", "2026-11-25", "date")


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown column kind"):
        from_cell("x", "money")
    with pytest.raises(TypeError):
        to_cell("2026-11-24", "date")  # the store hands dates, not strings
