"""RAW vs USER_ENTERED parsing and FORMATTED_VALUE rendering, in en_US and ru_RU."""

from __future__ import annotations

import pytest

from gsheets_emulator import cellvalues as cv

EN, RU = cv.LOCALES["en_US"], cv.LOCALES["ru_RU"]


@pytest.mark.parametrize(("typed", "value", "fmt_type"), [
    ("42", 42, None),
    ("1,234.5", 1234.5, "NUMBER"),  # grouped input keeps a grouped format (CellTest.test_numeric_value.json)
    ("-3.25", -3.25, None),
    ("(5)", -5, None),
    ("1e3", 1000, "SCIENTIFIC"),
    ("5%", 0.05, "PERCENT"),
    ("$1,234.50", 1234.5, "CURRENCY"),
    ("11/22/2026", 46348, "DATE"),
    ("2026-11-22", 46348, "DATE"),
    ("2:30 PM", 0.6041666666666666, "TIME"),
    ("11/22/2026 12:00", 46348.5, "DATE_TIME"),
])
def test_user_entered_numbers_en(typed, value, fmt_type):
    uev, fmt = cv.user_entered_value(typed, EN)
    assert uev == {"numberValue": pytest.approx(value)}
    assert (fmt or {}).get("type") == fmt_type


@pytest.mark.parametrize(("typed", "value", "fmt_type"), [
    ("1 234,5", 1234.5, "NUMBER"),
    ("1\u00a0234,5", 1234.5, "NUMBER"),
    ("0,5", 0.5, None),
    ("22.11.2026", 46348, "DATE"),
    ("5%", 0.05, "PERCENT"),
    ("100 ₽", 100, "CURRENCY"),
    ("14:30", 0.6041666666666666, "TIME"),
])
def test_user_entered_numbers_ru(typed, value, fmt_type):
    uev, fmt = cv.user_entered_value(typed, RU)
    assert uev == {"numberValue": pytest.approx(value)}
    assert (fmt or {}).get("type") == fmt_type


@pytest.mark.parametrize(("typed", "locale", "expected"), [
    ("'00123", EN, {"stringValue": "00123"}),
    ("TRUE", EN, {"boolValue": True}),
    ("false", EN, {"boolValue": False}),
    ("ИСТИНА", RU, {"boolValue": True}),
    ("=SUM(A1:A2)", EN, {"formulaValue": "=SUM(A1:A2)"}),
    ("=", EN, {"stringValue": "="}),
    ("1234.56", RU, {"stringValue": "1234.56"}),  # a dot is not the ru decimal separator
    ("13/45/2026", EN, {"stringValue": "13/45/2026"}),
    ("T-000123", EN, {"stringValue": "T-000123"}),
    ("", EN, {"stringValue": ""}),
])
def test_user_entered_text_bools_formulas(typed, locale, expected):
    assert cv.user_entered_value(typed, locale)[0] == expected


@pytest.mark.parametrize(("x", "pattern", "en", "ru"), [
    (1234.5, "#,##0.00", "1,234.50", "1\u00a0234,50"),
    (0.055, "0.0%", "5.5%", "5,5%"),
    (1234.5, '"$"#,##0.00', "$1,234.50", "$1\u00a0234,50"),
    (-5, "#,##0;(#,##0)", "(5)", "(5)"),
    (12, "0000", "0012", "0012"),
    (1234567, "0.00E+00", "1.23E+06", "1,23E+06"),
    (46348.5, "yyyy-mm-dd hh:mm", "2026-11-22 12:00", "2026-11-22 12:00"),
    (46348, "dd.MM.yyyy", "22.11.2026", "22.11.2026"),
    (46348, "mmmm d, yyyy", "November 22, 2026", "November 22, 2026"),
    (0.75, "h:mm am/pm", "6:00 PM", "6:00 PM"),
    (1.5, "[h]:mm", "36:00", "36:00"),
    (3, '0 "days"', "3 days", "3 days"),
])
def test_patterns(x, pattern, en, ru):
    assert cv.apply_pattern(x, pattern, EN) == en
    assert cv.apply_pattern(x, pattern, RU) == ru


def test_general_number_display():
    assert cv.general(1 / 3, EN) == "0.3333333333"
    assert cv.general(0.1 + 0.2, EN) == "0.3"
    assert cv.general(2.5, RU) == "2,5"
    assert cv.general(1e20, EN) == "1.00E+20"


def test_serial_numbers():
    from datetime import datetime

    assert cv.to_serial(datetime(1900, 1, 1, 12)) == 2.5  # the reference's own example
    assert cv.to_serial(datetime(1900, 2, 1, 15)) == 33.625
    assert cv.from_serial(46348.5) == datetime(2026, 11, 22, 12)


# --- through the endpoints ---------------------------------------------------------------------
def test_raw_keeps_text_that_looks_like_a_formula_or_number(ws):
    ws.update([["=1+1", "+7", "-x", "@me", "0012", "5%"]], "A1", raw=True)
    assert ws.get("A1:F1", value_render_option="UNFORMATTED_VALUE") == [["=1+1", "+7", "-x", "@me", "0012", "5%"]]
    assert ws.get("A1:F1", value_render_option="FORMULA") == [["=1+1", "+7", "-x", "@me", "0012", "5%"]]


def test_user_entered_parses_and_formats_en(ws):
    ws.update([["0012", "5%", "$3", "11/22/2026", "TRUE", "'0012"]], "A1", raw=False)
    assert ws.get("A1:F1") == [["12", "5%", "$3.00", "11/22/2026", "TRUE", "0012"]]
    assert ws.get("A1:F1", value_render_option="UNFORMATTED_VALUE") == [[12, 0.05, 3, 46348, True, "0012"]]


def test_user_entered_in_ru_locale(ru_sh):
    ws = ru_sh.sheet1
    ws.update([["1 234,5", "22.11.2026", "1234.56", "ИСТИНА", "0,5%"]], "A1", raw=False)
    assert ws.get("A1:E1", value_render_option="UNFORMATTED_VALUE") == [[1234.5, 46348, "1234.56", True, 0.005]]
    # grouped input keeps a grouped format (the locale's grouping: a no-break space in ru_RU)
    assert ws.get("A1:E1") == [["1\u00a0234,5", "22.11.2026", "1234.56", "TRUE", "0,50%"]]


def test_number_format_applies_to_formatted_value_in_ru(ru_sh):
    ws = ru_sh.sheet1
    ws.update([[1234.5]], "A1")
    ws.format("A1", {"numberFormat": {"type": "NUMBER", "pattern": "#,##0.00"}})
    assert ws.acell("A1").value == "1\u00a0234,50"


def test_existing_number_format_is_kept_on_user_entered_date(ws):
    ws.format("A1", {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}})
    ws.update([["11/22/2026"]], "A1", raw=False)
    assert ws.acell("A1").value == "2026-11-22"
    ws.update([[46349]], "A1")
    assert ws.acell("A1").value == "2026-11-23"


def test_locale_change_rerenders_formatted_values(sh):
    ws = sh.sheet1
    ws.update([[1234.5, 0.25]], "A1")
    ws.format("A1", {"numberFormat": {"type": "NUMBER", "pattern": "#,##0.00"}})
    assert ws.get("A1:B1") == [["1,234.50", "0.25"]]
    sh.batch_update({"requests": [{"updateSpreadsheetProperties": {"properties": {"locale": "ru_RU"},
                                                                   "fields": "locale"}}]})
    assert ws.get("A1:B1") == [["1\u00a0234,50", "0,25"]]


def test_plain_text_format_keeps_user_entered_input_as_text(ws):
    ws.format("A1:B1", {"numberFormat": {"type": "TEXT"}})
    ws.update([["=1+1", "0012"]], "A1", raw=False)
    assert ws.get("A1:B1", value_render_option="UNFORMATTED_VALUE") == [["=1+1", "0012"]]
    ws.update([[12]], "C1", raw=False)  # numbers sent as JSON numbers stay numbers
    assert ws.get("C1", value_render_option="UNFORMATTED_VALUE") == [[12]]


@pytest.mark.parametrize(("typed", "shown"), [("1 500 ₽", "1\u00a0500,00 ₽"), ("1 500,5 руб.", "1\u00a0500,50 руб."),
                                              ("-20 ₽", "-20,00 ₽")])
def test_ru_currency_round_trip(typed, shown):
    uev, fmt = cv.user_entered_value(typed, RU)
    assert fmt["type"] == "CURRENCY"
    assert cv.format_effective(uev, fmt, RU) == shown


def test_date_without_a_year_takes_the_emulator_clocks_year():
    """'3/4' typed in 2031 (by the emulator's clock, in the spreadsheet's time zone) is 4 March 2031."""
    from datetime import UTC, date, datetime

    from gsheets_emulator import Emulator

    t = datetime(2031, 12, 31, 22, 0, tzinfo=UTC).timestamp()  # already 2032 in Moscow
    emu = Emulator(clock=lambda: t)
    sh = emu.gspread_client("owner@agency.test").create("year")
    ws = sh.sheet1
    ws.update([["3/4"]], "A1", raw=False)
    assert ws.get("A1", value_render_option="UNFORMATTED_VALUE") == [[cv.to_serial(date(2031, 3, 4))]]
    sh.batch_update({"requests": [{"updateSpreadsheetProperties": {
        "properties": {"timeZone": "Europe/Moscow", "locale": "ru_RU"}, "fields": "timeZone,locale"}}]})
    ws.update([["4.3"]], "A2", raw=False)
    assert ws.get("A2", value_render_option="UNFORMATTED_VALUE") == [[cv.to_serial(date(2032, 3, 4))]]
