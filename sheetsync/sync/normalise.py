"""Turn sheet cells and store values into one canonical form, so formatting noise never looks like an edit.

The canonical form of every field is ``str | None``: ``None`` for empty, otherwise text that compares
exactly (``"3"``, ``"2.5"``, ``"2026-11-24"``, ``"in_progress"``, ``"true"``). It is what the planner
compares and what the sync base stores. Reading a cell never guesses (no ``numericise``): each column
declares its type and the cell must fit it, or the result carries a person-readable error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

# dates are the transport's: one definition of serial numbers and of the date forms people type
from ..sheets.values import date_to_serial, parse_date, serial_to_date
from ..vocabulary import FALSE_WORDS, TRUE_WORDS, Words, enum_labels
from .cellerrors import formula_error

Canon = str | None

KINDS = ("text", "int", "number", "hours", "date", "enum", "email", "bool", "period")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PERIOD = re.compile(r"^\d{4}-(W(0[1-9]|[1-4]\d|5[0-3])|(0[1-9]|1[0-2]))$")

# Values a cell may hold and still be used (docs/sync.md, "Invalid values"). Beyond them a value is an
# invalid value — noted, listed, the last good one kept — never an exception that stops the client.
MAX_NUMBER = Decimal("1e15")  # |x| below this: a double holds it exactly to the cent; Decimal never overflows
DATE_MIN = date(1970, 1, 1)  # dates typed into a sheet: a wider window is a typo (31.12.9999, 01.01.1900)
DATE_MAX = date(2199, 12, 31)
MAX_TEXT = 50_000  # Google's limit for one cell's text
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # NUL and other C0 controls (tab, LF, CR stay)


@dataclass(frozen=True)
class FieldType:
    """How one column's values look. ``labels`` maps a store value to its label per locale (enums)."""

    kind: str
    labels: Mapping[str, Mapping[str, str]] | None = None
    allowed: frozenset[str] | None = None  # extra vocabulary (known assignees, task types)
    min: int | None = None  # bounds of int, number and hours columns (the template's validation)
    max: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column type {self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.kind == "enum" and not self.labels:
            raise ValueError("an enum column needs labels: {store_value: {'ru': ..., 'en': ...}}")


TEXT = FieldType("text")
STATUS = FieldType("enum", labels=enum_labels("task_status"))
PRIORITY = FieldType("int", min=1, max=5)
HOURS = FieldType("hours")
DATE = FieldType("date")


# --- sheet -> canonical --------------------------------------------------------------------------
def from_sheet(raw: Any, ft: FieldType, locale: str = "ru") -> tuple[Canon, str | None]:
    """A cell as read with UNFORMATTED_VALUE/SERIAL_NUMBER -> (canonical value, error or None).

    On error the value is ``None`` and must not be applied; the error says what form is expected.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    failed = formula_error(raw, locale)  # "#NAME?" is a broken formula, never a value (cellerrors.py)
    if failed:
        return None, failed
    if isinstance(raw, str):
        raw = clean_text(raw).strip().replace("\u00a0", " ")
        if not raw:
            return None, None
    fn = _READERS[ft.kind]
    value = fn(raw, ft)
    if value is None:
        return None, expected_format(ft, locale, raw)
    return value, None


def _read_text(raw: Any, ft: FieldType) -> Canon:
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and (raw != raw or raw in (float("inf"), float("-inf"))):
        return None
    if isinstance(raw, (int, float)):
        return canon_number(raw)
    text = str(raw)
    return text if len(text) <= MAX_TEXT else None


def clean_text(text: str) -> str:
    """Text as the store keeps it: CRLF/CR as LF, NUL and the other C0 control characters removed.

    PostgreSQL cannot store NUL in text at all, and no control character is something a person meant
    to type (they arrive pasted from other programs); tab and line breaks are kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def _in_bounds(d: Decimal | None, ft: FieldType) -> Decimal | None:
    """``d`` if a sheet may hold it in this column: finite, below MAX_NUMBER, within the column's bounds."""
    if d is None or abs(d) >= MAX_NUMBER:
        return None
    if (ft.min is not None and d < ft.min) or (ft.max is not None and d > ft.max):
        return None
    return d


def _read_int(raw: Any, ft: FieldType) -> Canon:
    d = _in_bounds(_to_decimal(raw), ft)
    if d is None or d != d.to_integral_value():
        return None
    return str(int(d))


def _read_number(raw: Any, ft: FieldType) -> Canon:
    d = _in_bounds(_to_decimal(raw), ft)
    return None if d is None else _fmt(d)


def _strip_hours_unit(raw: Any) -> Any:
    if isinstance(raw, str):
        return re.sub(r"\s*(h|ч|час(а|ов)?|hours?)\.?$", "", raw, flags=re.IGNORECASE)
    return raw


def _hours(d: Decimal) -> str:
    with localcontext() as ctx:  # any finite Decimal quantizes (the default 28 digits fail from 1e26 on)
        ctx.prec = max(28, d.adjusted() + 4)
        return _fmt(d.quantize(Decimal("0.01")))


def _read_hours(raw: Any, ft: FieldType) -> Canon:
    d = _in_bounds(_to_decimal(_strip_hours_unit(raw)), ft)
    if d is None or d < 0:
        return None
    return _hours(d)


def _read_date(raw: Any, ft: FieldType) -> Canon:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        if raw != raw or not 1 <= raw < 2_958_466:  # NaN; up to 9999-12-31
            return None
        day = serial_to_date(raw)
    else:
        try:
            day = parse_date(str(raw))
        except (ValueError, OverflowError):
            return None
    return day.isoformat() if DATE_MIN <= day <= DATE_MAX else None


def _read_enum(raw: Any, ft: FieldType) -> Canon:
    want = _fold(str(raw))
    assert ft.labels is not None
    for value, labels in ft.labels.items():
        if want == _fold(value) or any(want == _fold(lbl) for lbl in labels.values()):
            return value
    return None


def _read_email(raw: Any, ft: FieldType) -> Canon:
    s = str(raw).strip().lower()
    if s.startswith("mailto:"):
        s = s[7:]
    if not _EMAIL.match(s):
        return None
    if ft.allowed is not None and s not in {a.lower() for a in ft.allowed}:
        return None
    return s


def _read_bool(raw: Any, ft: FieldType) -> Canon:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    s = _fold(str(raw))
    if s in TRUE_WORDS:
        return "true"
    if s in FALSE_WORDS:
        return "false"
    return None


def _read_period(raw: Any, ft: FieldType) -> Canon:
    s = str(raw).strip().upper()
    return s if _PERIOD.match(s) else None


_READERS = {"text": _read_text, "int": _read_int, "number": _read_number, "hours": _read_hours,
            "date": _read_date, "enum": _read_enum, "email": _read_email, "bool": _read_bool,
            "period": _read_period}


def _fold(s: str) -> str:
    return " ".join(s.replace("ё", "е").replace("Ё", "Е").split()).casefold()


def _to_decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return None
        return Decimal(repr(round(raw, 9)))
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    s = str(raw).replace(" ", "").replace("\u202f", "").replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", s):
        return None
    try:
        return Decimal(s)
    except InvalidOperation:  # pragma: no cover - the regex already rules this out
        return None


def _fmt(d: Decimal) -> str:
    """Plain notation, no trailing zeros, no negative zero: 2.50 -> '2.5', 1E+3 -> '1000'."""
    if d == 0:
        return "0"
    s = format(d.normalize(), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def canon_number(x: int | float | Decimal) -> str:
    """A number without float noise: 0.1 + 0.2 -> '0.3', 3.0 -> '3'."""
    d = _to_decimal(x)
    if d is None:
        raise ValueError(f"not a finite number: {x!r}")
    return _fmt(d)


# --- errors for people ---------------------------------------------------------------------------
# what a cell must contain, per column kind; a locale other than ru reads English (the default here)
_EXPECTED = Words({
    "got": ("«{raw}» не подходит. ", "“{raw}” is not valid. "),
    "int_range": ("Целое число от {lo} до {hi}, например {lo}", "Whole number from {lo} to {hi}, e.g. {lo}"),
    "int": ("Целое число, например 3", "Whole number, e.g. 3"),
    "number": ("Число, например 1500 или 2,5", "Number, e.g. 1500 or 2.5"),
    "hours": ("Число часов, например 2,5", "Number of hours, e.g. 2.5"),
    "date": ("Дата в формате ДД.ММ.ГГГГ, например 24.11.2026", "Date as DD.MM.YYYY, e.g. 24.11.2026"),
    "date_window": (", с {lo:%d.%m.%Y} по {hi:%d.%m.%Y}", ", from {lo:%d.%m.%Y} to {hi:%d.%m.%Y}"),
    "enum": ("Одно из значений: {names}", "One of: {names}"),
    "email_of": ("Email сотрудника агентства: {names}", "Email of an agency specialist: {names}"),
    "email": ("Email, например anna@agency.ru", "Email, e.g. anna@agency.com"),
    "bool": ("Да или Нет", "Yes or No"),
    "period": ("Неделя 2026-W48 или месяц 2026-11", "Week 2026-W48 or month 2026-11"),
    "text": ("Текст не длиннее {n} знаков", "Text of at most {n} characters"),
    "range": (", от {lo} до {hi}", ", from {lo} to {hi}"),
    "at_most": (", не больше {hi}", ", at most {hi}"),
}, default="en")


def expected_format(ft: FieldType, locale: str = "ru", raw: Any = None) -> str:
    """What a cell of this type must contain, in the sheet's language, with an example."""
    k = ft.kind
    if k == "int":
        lo, hi = ft.min, ft.max
        if lo is not None and hi is not None:
            msg = _EXPECTED("int_range", locale, lo=lo, hi=hi)
        else:
            msg = _EXPECTED("int", locale)
    elif k == "number":
        msg = _EXPECTED("number", locale) + _range(ft, locale)
    elif k == "hours":
        msg = _EXPECTED("hours", locale) + _range(ft, locale, low=0)
    elif k == "date":
        msg = _EXPECTED("date", locale) + _EXPECTED("date_window", locale, lo=DATE_MIN, hi=DATE_MAX)
    elif k == "enum":
        assert ft.labels is not None
        names = ", ".join(lbl.get(locale) or lbl.get("en") or v for v, lbl in ft.labels.items())
        msg = _EXPECTED("enum", locale, names=names)
    elif k == "email":
        if ft.allowed:
            msg = _EXPECTED("email_of", locale, names=", ".join(sorted(ft.allowed)))
        else:
            msg = _EXPECTED("email", locale)
    elif k in ("bool", "period"):
        msg = _EXPECTED(k, locale)
    else:
        msg = _EXPECTED("text", locale, n=MAX_TEXT)
    if isinstance(raw, str) and len(raw) > 80:
        raw = raw[:77] + "…"
    got = "" if raw is None else _EXPECTED("got", locale, raw=raw)
    return got + msg


def _range(ft: FieldType, locale: str, low: int | None = None) -> str:
    """The column's bounds, when it has an upper one (numbers beyond MAX_NUMBER are not worth a mention)."""
    lo = ft.min if ft.min is not None else low
    hi = ft.max
    if hi is None:
        return ""
    if lo is not None:
        return _EXPECTED("range", locale, lo=lo, hi=hi)
    return _EXPECTED("at_most", locale, hi=hi)


# --- canonical -> sheet --------------------------------------------------------------------------
def to_sheet(value: Canon, ft: FieldType, locale: str = "ru") -> Any:
    """The value to write with valueInputOption=RAW: text stays text, numbers and dates are numbers."""
    if value is None:
        return ""
    k = ft.kind
    if k == "int":
        return int(value)
    if k in ("number", "hours"):
        d = Decimal(value)
        return int(d) if d == d.to_integral_value() else float(d)
    if k == "date":
        return date_to_serial(date.fromisoformat(value))
    if k == "enum":
        assert ft.labels is not None
        labels = ft.labels.get(value)
        return (labels.get(locale) or labels.get("en") or value) if labels else value
    if k == "bool":
        return value == "true"
    return value


# --- store <-> canonical -------------------------------------------------------------------------
def from_store(value: Any, ft: FieldType) -> Canon:
    """A store attribute (str, int, float, Decimal, date, bool, None) -> canonical."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    k = ft.kind
    if k == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return _read_date(str(value), ft)
    if k == "bool":
        return "true" if value else "false"
    if k in ("int", "number"):
        return canon_number(value) if not isinstance(value, str) else _read_number(value, ft)
    if k == "hours":  # the store's value is the truth: no sheet bounds, and never an exception
        d = _to_decimal(_strip_hours_unit(value))
        return None if d is None else _hours(d)
    if k == "email":
        return str(value).strip().lower()
    if isinstance(value, str):
        return clean_text(value).strip()
    return _read_text(value, ft)


def to_store(value: Canon, ft: FieldType) -> Any:
    """Canonical -> the Python value a store attribute takes."""
    if value is None:
        return None
    k = ft.kind
    if k == "int":
        return int(value)
    if k in ("number", "hours"):
        return float(Decimal(value))
    if k == "date":
        return date.fromisoformat(value)
    if k == "bool":
        return value == "true"
    return value
