"""Typed cell values on the wire: what to write for a store value, and what a read cell means.

Reads use ``UNFORMATTED_VALUE`` + ``SERIAL_NUMBER``, so a cell arrives as a JSON number, string
or bool (or is absent/``""`` when empty); writes use ``RAW``. Dates travel as serial numbers
(days since 1899-12-30, the time of day as the fraction). Nothing is guessed: each column has a
kind, and a cell that does not fit raises :class:`CellValueError` whose message says what form is
expected (the sync shows it as a note on the cell). gspread's ``numericise`` is never used.

Two traps this module exists for:

* ``None`` in a values write means "leave the cell alone"; an empty cell is written as ``""``.
* Text from the store beginning with ``=``, ``+``, ``-`` or ``@`` must never execute: with ``RAW``
  it is stored as text as is; for the rare ``USER_ENTERED`` write it is prefixed with ``'``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from ..vocabulary import FALSE_WORDS, TRUE_WORDS

KINDS = ("text", "int", "number", "hours", "date", "datetime", "bool", "enum", "email", "url")
# the one definition of Sheets' day 0: every date <-> serial conversion in sheetsync goes through this module
EPOCH = date(1899, 12, 30)  # serial 0 in Sheets (and Excel after 1900-03-01)
_EPOCH_DT = datetime.combine(EPOCH, time())
FORMULA_PREFIXES = ("=", "+", "-", "@")
SIGNIFICANT_DIGITS = 15  # what a double holds faithfully; beyond it is float noise

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_HM = re.compile(r"^(\d+):([0-5]\d)$")

Cell = str | int | float | bool


class CellValueError(ValueError):
    """A cell that does not fit its column; ``str()`` is a note a person can act on."""

    def __init__(self, raw: Any, kind: str, expected: str) -> None:
        self.raw, self.kind, self.expected = raw, kind, expected
        super().__init__(f"{raw!r} is not {expected}")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown column kind {kind!r}; expected one of {', '.join(KINDS)}")


# --- numbers -------------------------------------------------------------------------------------
def canonical_number(value: int | float | Decimal | str) -> int | float:
    """The one representation of a number: ints stay ints, integral floats become ints, float noise
    beyond 15 significant digits is dropped (``0.1 + 0.2`` -> ``0.3``)."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        value = parse_decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        if value == value.to_integral_value():
            return int(value)
        value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    f = float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    if f.is_integer() and abs(f) < 2**53:
        return int(f)
    return f + 0.0  # -0.0 -> 0.0


def parse_decimal(text: str) -> Decimal:
    """Numbers as people type them: ``1 234,5``, ``1234.5``, ``-3``, ``1e3``. Raises ValueError."""
    t = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in t and "." not in t and t.count(",") == 1:
        t = t.replace(",", ".")  # decimal comma (ru)
    elif "," in t and "." in t:
        t = t.replace(",", "")  # 1,234.5
    try:
        d = Decimal(t)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not d.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    return d


# --- dates ---------------------------------------------------------------------------------------
def date_to_serial(d: date) -> int:
    """A day as Sheets stores it: days since :data:`EPOCH` (a datetime counts its day only)."""
    if isinstance(d, datetime):
        d = d.date()
    return (d - EPOCH).days


def serial_to_date(serial: float) -> date:
    """The day a serial falls on (a time-of-day fraction is dropped)."""
    return EPOCH + timedelta(days=math.floor(serial))


def datetime_to_serial(dt: datetime, tz: tzinfo | None = None) -> float | int:
    """Wall-clock serial. An aware ``dt`` is first converted to ``tz`` (the spreadsheet's zone; UTC if None)."""
    if dt.tzinfo is not None:
        from datetime import UTC

        dt = dt.astimezone(tz or UTC).replace(tzinfo=None)
    delta = dt - _EPOCH_DT
    serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    return int(serial) if float(serial).is_integer() else serial


def serial_to_datetime(serial: float, tz: tzinfo | None = None) -> datetime:
    """Naive wall-clock time (or aware in ``tz`` if given), rounded to the second: a double cannot do better
    at today's serials than ~microseconds, and the noise must not look like an edit."""
    days = math.floor(serial)
    seconds = round((serial - days) * 86400)
    dt = _EPOCH_DT + timedelta(days=days, seconds=seconds)
    return dt.replace(tzinfo=tz) if tz is not None else dt


def parse_date(text: str) -> date:
    """``2026-11-24`` (ISO) or ``24.11.2026`` / ``24/11/2026`` (day first, as ru and most of Europe write)."""
    t = text.strip()
    m = _ISO_DATE.match(t)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _DMY.match(t)
        if not m:
            raise ValueError(f"{text!r} is not a date")
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    return date(y, mo, d)


# --- text safety ---------------------------------------------------------------------------------
def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def escape_user_entered(text: str) -> str:
    """Make text safe for a ``USER_ENTERED`` write: a leading ``'`` keeps it text (not a formula, number
    or date). Prefer ``RAW`` writes, which need no escaping."""
    return "'" + text if text else text


# --- store -> cell -------------------------------------------------------------------------------
def to_cell(value: Any, kind: str, *, input_option: str = "RAW", tz: tzinfo | None = None) -> Cell:
    """What to put in a values write for a store ``value`` of column ``kind``.

    ``None`` becomes ``""`` (clears the cell; ``None`` would leave it unchanged).
    """
    _check_kind(kind)
    if value is None or (isinstance(value, str) and value == ""):
        return ""
    if kind in ("text", "enum", "email", "url"):
        text = str(value)
        if kind == "email":
            text = text.strip().lower()
        elif kind == "url":
            text = text.strip()
        return escape_user_entered(text) if input_option == "USER_ENTERED" else text
    if kind == "bool":
        if not isinstance(value, bool):
            raise TypeError(f"a bool column needs True/False, got {value!r}")
        return value
    if kind == "int":
        n = canonical_number(value)
        if not isinstance(n, int):
            raise ValueError(f"{value!r} is not a whole number")
        return n
    if kind in ("number", "hours"):
        return canonical_number(value)
    if kind == "date":
        if not isinstance(value, date):
            raise TypeError(f"a date column needs a date, got {value!r}")
        return date_to_serial(value)
    # datetime
    if not isinstance(value, datetime):
        raise TypeError(f"a datetime column needs a datetime, got {value!r}")
    return datetime_to_serial(value, tz)


# --- cell -> store -------------------------------------------------------------------------------
def is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def from_cell(raw: Any, kind: str, *, choices: Mapping[str, Collection[str]] | Collection[str] | None = None,
              tz: tzinfo | None = None) -> Any:
    """The typed value of a cell read with UNFORMATTED_VALUE/SERIAL_NUMBER; ``None`` for an empty cell.

    Text is trimmed. ``choices`` (enum) is either allowed values, or ``{value: [labels...]}`` mapping
    every accepted label (case-insensitive) to the stored value. Raises :class:`CellValueError`.
    """
    _check_kind(kind)
    if is_empty(raw):
        return None
    if isinstance(raw, str):
        raw = raw.replace("\r\n", "\n").strip()
    reader = _READERS[kind]
    return reader(raw, choices, tz)


def _text(raw: Any, _c: Any, _tz: Any) -> str:
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, int | float):
        return format_number(canonical_number(raw))
    return str(raw)


def format_number(n: int | float) -> str:
    """Canonical text of a canonical number: ``3``, ``2.5``, ``0.3`` (never ``2.50`` or ``3.0``)."""
    if isinstance(n, int):
        return str(n)
    text = format(Decimal(repr(n)).normalize(), "f")
    return text


def _number(raw: Any, _c: Any, _tz: Any, *, expected: str = "a number", kind: str = "number") -> int | float:
    if isinstance(raw, bool):
        raise CellValueError(raw, kind, expected)
    try:
        return canonical_number(raw)
    except (ValueError, TypeError):
        raise CellValueError(raw, kind, expected) from None


def _int(raw: Any, c: Any, tz: Any) -> int:
    n = _number(raw, c, tz, expected="a whole number", kind="int")
    if not isinstance(n, int):
        raise CellValueError(raw, "int", "a whole number")
    return n


def _hours(raw: Any, c: Any, tz: Any) -> int | float:
    expected = "a number of hours (e.g. 4, 2.5 or 1:30)"
    if isinstance(raw, str):
        m = _HM.match(raw)
        if m:
            return canonical_number(int(m[1]) + int(m[2]) / 60)
    n = _number(raw, c, tz, expected=expected, kind="hours")
    if n < 0:
        raise CellValueError(raw, "hours", expected + ", not negative")
    return n


def _date(raw: Any, _c: Any, _tz: Any) -> date:
    expected = "a date (a date cell, or text like 2026-11-24 or 24.11.2026)"
    if isinstance(raw, bool):
        raise CellValueError(raw, "date", expected)
    if isinstance(raw, int | float):
        try:
            return serial_to_date(raw)
        except (OverflowError, ValueError):
            raise CellValueError(raw, "date", expected) from None
    try:
        return parse_date(str(raw))
    except ValueError:
        raise CellValueError(raw, "date", expected) from None


def _datetime(raw: Any, _c: Any, tz: Any) -> datetime:
    expected = "a date and time (a date cell, or text like 2026-11-24 14:30)"
    if isinstance(raw, bool):
        raise CellValueError(raw, "datetime", expected)
    if isinstance(raw, int | float):
        try:
            return serial_to_datetime(raw, tz)
        except (OverflowError, ValueError):
            raise CellValueError(raw, "datetime", expected) from None
    try:
        text = str(raw).replace("T", " ")
        if " " in text:
            d, _, t = text.partition(" ")
            dt = datetime.combine(parse_date(d), time.fromisoformat(t.strip()))
        else:
            dt = datetime.combine(parse_date(text), time())
    except ValueError:
        raise CellValueError(raw, "datetime", expected) from None
    return dt.replace(tzinfo=tz) if tz is not None else dt


def _bool(raw: Any, _c: Any, _tz: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    t = str(raw).strip().lower()
    if t in TRUE_WORDS:
        return True
    if t in FALSE_WORDS or not t:
        return False
    raise CellValueError(raw, "bool", "a checkbox or yes/no")


def _enum(raw: Any, choices: Any, _tz: Any) -> str:
    text = _text(raw, None, None)
    if choices is None:
        return text
    folded = text.casefold()
    if isinstance(choices, Mapping):
        for value, labels in choices.items():
            if folded == str(value).casefold() or any(folded == str(lb).casefold() for lb in labels):
                return str(value)
        shown = [next(iter(labels), value) for value, labels in choices.items()]
    else:
        for value in choices:
            if folded == str(value).casefold():
                return str(value)
        shown = list(choices)
    raise CellValueError(raw, "enum", "one of: " + ", ".join(str(s) for s in shown))


def _email(raw: Any, _c: Any, _tz: Any) -> str:
    text = str(raw).strip().lower()
    if text.startswith("mailto:"):
        text = text[7:]
    if not _EMAIL.match(text):
        raise CellValueError(raw, "email", "an email address like name@example.com")
    return text


def _url(raw: Any, _c: Any, _tz: Any) -> str:
    text = str(raw).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CellValueError(raw, "url", "a web address starting with http:// or https://")
    return text


_READERS = {"text": _text, "int": _int, "number": _number, "hours": _hours, "date": _date,
            "datetime": _datetime, "bool": _bool, "enum": _enum, "email": _email, "url": _url}


# --- comparing -----------------------------------------------------------------------------------
def normalize(raw: Any, kind: str, **kw: Any) -> Any:
    """The comparable form of a cell or store value (``None`` for empty); raises :class:`CellValueError`.

    Store values go through ``to_cell`` first, so both sides meet in the same form.
    """
    if isinstance(raw, date | Decimal) or (kind in ("number", "hours", "int") and isinstance(raw, float)):
        raw = to_cell(raw, kind, tz=kw.get("tz"))
    return from_cell(raw, kind, **kw)


def same(a: Any, b: Any, kind: str, **kw: Any) -> bool:
    """True when two values mean the same for a column of ``kind`` (formatting noise ignored)."""
    return normalize(a, kind, **kw) == normalize(b, kind, **kw)
