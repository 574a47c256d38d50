"""The normaliser: formatting noise is never an edit; bad input is refused with a readable reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.sync.normalise import (
    DATE,
    HOURS,
    PRIORITY,
    STATUS,
    TEXT,
    FieldType,
    canon_number,
    expected_format,
    from_sheet,
    from_store,
    to_sheet,
    to_store,
)

EMAIL = FieldType("email", allowed=frozenset({"anna@agency.test", "ivan@agency.test"}))
NUMBER = FieldType("number")
BOOL = FieldType("bool")
PERIOD = FieldType("period")
INT = FieldType("int")


@pytest.mark.parametrize("raw, ft, want", [
    ("  Лендинг  ", TEXT, "Лендинг"),
    ("a\r\nb", TEXT, "a\nb"),
    ("", TEXT, None),
    ("   ", TEXT, None),
    (None, TEXT, None),
    (123, TEXT, "123"),
    (1.5, TEXT, "1.5"),
    ("=SUM(A1)", TEXT, "=SUM(A1)"),
    ("007", TEXT, "007"),  # no numericise: leading zeros stay
    (3, PRIORITY, "3"),
    (3.0, PRIORITY, "3"),
    ("3", PRIORITY, "3"),
    (" 5 ", PRIORITY, "5"),
    (2.5, HOURS, "2.5"),
    ("2,5", HOURS, "2.5"),
    ("2.50", HOURS, "2.5"),
    ("4 ч", HOURS, "4"),
    ("4h", HOURS, "4"),
    (0.1 + 0.2, HOURS, "0.3"),
    (1.333333, HOURS, "1.33"),
    (0, HOURS, "0"),
    (0.1 + 0.2, NUMBER, "0.3"),
    ("1 500", NUMBER, "1500"),
    (1e3, NUMBER, "1000"),
    (-0.0, NUMBER, "0"),
    (46350, DATE, "2026-11-24"),
    (46350.75, DATE, "2026-11-24"),
    ("24.11.2026", DATE, "2026-11-24"),
    ("2026-11-24", DATE, "2026-11-24"),
    ("1.2.2026", DATE, "2026-02-01"),
    ("Бэклог", STATUS, "backlog"),
    ("в работе", STATUS, "in_progress"),
    ("In progress", STATUS, "in_progress"),
    ("  Ждет   клиента ", STATUS, "waiting_client"),  # ё/е and spacing
    ("done", STATUS, "done"),
    ("Anna@Agency.test", EMAIL, "anna@agency.test"),
    ("mailto:ivan@agency.test", EMAIL, "ivan@agency.test"),
    (True, BOOL, "true"),
    ("нет", BOOL, "false"),
    ("2026-w48", PERIOD, "2026-W48"),
    ("2026-11", PERIOD, "2026-11"),
])
def test_reads_canonical(raw, ft, want):
    assert from_sheet(raw, ft) == (want, None)


@pytest.mark.parametrize("raw, ft, fragment_ru, fragment_en", [
    ("tomorrow", DATE, "Дата в формате ДД.ММ.ГГГГ, например 24.11.2026", "Date as DD.MM.YYYY, e.g. 24.11.2026"),
    ("31.02.2026", DATE, "ДД.ММ.ГГГГ", "DD.MM.YYYY"),
    (True, DATE, "ДД.ММ.ГГГГ", "DD.MM.YYYY"),
    ("много", HOURS, "Число часов", "Number of hours"),
    (-1, HOURS, "Число часов", "Number of hours"),
    ("7", PRIORITY, "Целое число от 1 до 5", "Whole number from 1 to 5"),
    (2.5, PRIORITY, "Целое число от 1 до 5", "Whole number from 1 to 5"),
    ("x", INT, "Целое число", "Whole number"),
    ("Сделано", STATUS, "Одно из значений: Бэклог, Запланирована", "One of: Backlog, Planned"),
    ("petr@agency.test", EMAIL, "anna@agency.test", "anna@agency.test"),
    ("not an email", FieldType("email"), "Email", "Email"),
    ("maybe", BOOL, "Да или Нет", "Yes or No"),
    ("2026-W60", PERIOD, "2026-W48", "2026-W48"),
    (float("nan"), NUMBER, "Число", "Number"),
])
def test_refuses_with_a_reason(raw, ft, fragment_ru, fragment_en):
    value, err = from_sheet(raw, ft, "ru")
    assert value is None and fragment_ru in err
    assert str(raw) in err  # says what was typed
    value, err = from_sheet(raw, ft, "en")
    assert value is None and fragment_en in err


def test_expected_format_without_input():
    assert expected_format(DATE, "ru") == "Дата в формате ДД.ММ.ГГГГ, например 24.11.2026, с 01.01.1970 по 31.12.2199"
    assert expected_format(DATE, "en") == "Date as DD.MM.YYYY, e.g. 24.11.2026, from 01.01.1970 to 31.12.2199"


def test_enum_needs_labels_and_kind_is_checked():
    with pytest.raises(ValueError, match="labels"):
        FieldType("enum")
    with pytest.raises(ValueError, match="unknown column type"):
        FieldType("money")


@pytest.mark.parametrize("value, ft, locale, wire", [
    ("in_progress", STATUS, "ru", "В работе"),
    ("in_progress", STATUS, "en", "In progress"),
    ("2026-11-24", DATE, "ru", 46350),
    ("2.5", HOURS, "ru", 2.5),
    ("4", HOURS, "ru", 4),
    ("3", PRIORITY, "ru", 3),
    ("=cmd|' /C calc'!A0", TEXT, "ru", "=cmd|' /C calc'!A0"),  # RAW keeps it text
    (None, TEXT, "ru", ""),
    ("true", BOOL, "ru", True),
])
def test_writes_wire_values(value, ft, locale, wire):
    got = to_sheet(value, ft, locale)
    assert got == wire and type(got) is type(wire)


@pytest.mark.parametrize("value, ft, canon", [
    (date(2026, 11, 24), DATE, "2026-11-24"),
    (2.5, HOURS, "2.5"),
    (None, HOURS, None),
    ("", TEXT, None),
    (3, PRIORITY, "3"),
    (True, BOOL, "true"),
    (Decimal("1500.00"), NUMBER, "1500"),
    (" Anna@Agency.Test ", EMAIL, "anna@agency.test"),
])
def test_store_round_trip(value, ft, canon):
    assert from_store(value, ft) == canon
    if canon is not None:
        assert from_store(to_store(canon, ft), ft) == canon


def test_canon_number_rejects_infinity():
    with pytest.raises(ValueError):
        canon_number(float("inf"))


# --- properties: what we write reads back as the same canonical value -------------------------------
@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2199, 12, 31)))  # DATE_MIN..DATE_MAX
def test_date_round_trip(d):
    canon = d.isoformat()
    assert from_sheet(to_sheet(canon, DATE), DATE) == (canon, None)
    assert from_sheet(d.strftime("%d.%m.%Y"), DATE) == (canon, None)


@given(st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False))
def test_hours_round_trip(x):
    canon, err = from_sheet(str(x), HOURS)
    assert err is None
    assert from_sheet(to_sheet(canon, HOURS), HOURS) == (canon, None)
    assert Decimal(canon) == x


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_number_canonical_is_stable(x):
    canon, err = from_sheet(x, NUMBER)
    assert err is None
    assert from_sheet(to_sheet(canon, NUMBER), NUMBER) == (canon, None)
    assert "e" not in canon.lower()


@given(st.text())
def test_text_is_idempotent(s):
    canon, err = from_sheet(s, TEXT)
    assert err is None
    if canon is not None:
        assert from_sheet(to_sheet(canon, TEXT), TEXT) == (canon, None)


@given(st.sampled_from(sorted(STATUS.labels)), st.sampled_from(["ru", "en"]))
def test_status_labels_round_trip(value, locale):
    assert from_sheet(to_sheet(value, STATUS, locale), STATUS, locale) == (value, None)
