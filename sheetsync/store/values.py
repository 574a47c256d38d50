"""Checking field values on their way in, and (de)serialising them for the change log and sync base.

The store is strict: a value that is not exactly what the column holds is rejected with a message
that names the field, the bad value and what is expected — never guessed at.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, Integer, Numeric, String, Text, inspect

from . import models as m
from .errors import InvalidValueError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PERIOD = re.compile(r"^\d{4}-(W(0[1-9]|[1-4]\d|5[0-3])|(0[1-9]|1[0-2]))$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_URL = re.compile(r"^https?://[^\s/?#]+\S*$")  # config.ClientConfig.tracker_url, and a host
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# What the store accepts, whatever the way in (sheet, CSV, CLI, API): values every part of sheetsync can
# use. A number beyond them breaks Decimal arithmetic, PostgreSQL's numeric(14,2) or a double; a date
# beyond them makes no sense for an agency's tasks and invoices (and 9999-12-31 overflows date arithmetic).
MAX_NUMBER = Decimal("1e15")
MAX_MONEY = Decimal("1e12")  # Money is numeric(14, 2): below 1,000,000,000,000.00
DATE_MIN, DATE_MAX = dt.date(1970, 1, 1), dt.date(2199, 12, 31)
HOURS_MAX = {"estimate_hours": 1000, "default_estimate_hours": 1000, "actual_hours": 10000, "weekly_hours": 168}

# per model: fields a caller may set; the rest (ids, keys, versions, timestamps, tombstones) are the store's
_SYSTEM_FIELDS = {"id", "key", "client_id", "created_at", "updated_at", "version", "deleted_at"}

VOCABULARIES: dict[tuple[type, str], tuple[str, ...]] = {
    (m.Task, "status"): m.TASK_STATUSES,
    (m.Task, "estimate_source"): m.ESTIMATE_SOURCES,
    (m.Invoice, "status"): m.INVOICE_STATUSES,
    (m.Client, "locale"): m.LOCALES,
    (m.MetricDefinition, "direction"): m.METRIC_DIRECTIONS,
}


@cache  # the mapping never changes at run time; bulk writes call these per field of every row
def settable_fields(model: type[m.Base]) -> tuple[str, ...]:
    system = _SYSTEM_FIELDS if model in (m.Task, m.Invoice) else _SYSTEM_FIELDS - {"key"}
    return tuple(c.key for c in inspect(model).column_attrs if c.key not in system and not c.columns[0].foreign_keys)


@cache
def _column(model: type[m.Base], field: str) -> Any:
    attr = inspect(model).column_attrs.get(field)
    if attr is None:
        raise InvalidValueError(field, None, f"a field of {model.__name__}: one of {', '.join(settable_fields(model))}")
    return attr.columns[0]


def parse_date(field: str, value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        raise InvalidValueError(field, value, "a date without a time (YYYY-MM-DD)")
    day: dt.date | None = None
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    if day is None:
        raise InvalidValueError(field, value, "a date as YYYY-MM-DD")
    if not DATE_MIN <= day <= DATE_MAX:
        raise InvalidValueError(field, value, f"a date from {DATE_MIN} to {DATE_MAX}")
    return day


def clean_text(text: str) -> str:
    """NUL and the other C0 control characters removed (tab and line breaks stay): PostgreSQL refuses NUL
    in text, and none of them is something a person meant to type."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def coerce(model: type[m.Base], field: str, value: Any) -> Any:
    """Return `value` converted to what `model.field` stores, or raise InvalidValueError."""
    col = _column(model, field)
    label = f"{model.__tablename__}.{field}"
    if isinstance(value, str) and not isinstance(col.type, (String, Text, JSON)):
        value = value.strip()
        if value == "":
            value = None
    if value is None:
        if not col.nullable:
            vocab = VOCABULARIES.get((model, field))
            if vocab is not None:
                raise InvalidValueError(label, value, f"one of {', '.join(vocab)}")
            if isinstance(col.type, (String, Text)):
                return ""
            raise InvalidValueError(label, value, "a value (this field cannot be empty)")
        return None
    vocab = VOCABULARIES.get((model, field))
    if vocab is not None:
        if value not in vocab:
            raise InvalidValueError(label, value, f"one of {', '.join(vocab)}")
        return value
    t = col.type
    if isinstance(t, Boolean):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "1", "false", "no", "0"):
            return value.lower() in ("true", "yes", "1")
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise InvalidValueError(label, value, "true or false")
    if isinstance(t, Date):
        return parse_date(label, value)
    if isinstance(t, Integer):
        if isinstance(value, bool):
            raise InvalidValueError(label, value, "a whole number")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise InvalidValueError(label, value, "a whole number") from None
        if not number.is_finite() or abs(number) >= MAX_NUMBER or number != number.to_integral_value():
            raise InvalidValueError(label, value, "a whole number")
        return int(number)
    if isinstance(t, (Float, Numeric)):
        if isinstance(value, bool):
            raise InvalidValueError(label, value, "a number")
        try:
            number = Decimal(str(value).replace(",", ".").replace("\u00a0", "").replace(" ", ""))
        except InvalidOperation:
            raise InvalidValueError(label, value, "a number") from None
        limit = MAX_NUMBER if isinstance(t, Float) else MAX_MONEY
        if not number.is_finite() or abs(number) >= limit:
            raise InvalidValueError(label, value, f"a number below {limit:,.0f} in size")
        if isinstance(t, Float):
            return float(number)
        return number.quantize(Decimal("0.01"))
    if isinstance(t, JSON):
        if isinstance(value, str):
            value = [v.strip() for v in re.split(r"[,;\s]+", value) if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise InvalidValueError(label, value, "a list of email addresses")
        return list(value)
    if not isinstance(value, str):
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return str(value)
        raise InvalidValueError(label, value, "text")
    return clean_text(value)


def check_rules(model: type[m.Base], values: Mapping[str, Any]) -> None:
    """Rules beyond the column type (ranges, formats) for the fields present in `values`."""
    name = model.__tablename__

    def bad(field: str, expected: str) -> None:
        raise InvalidValueError(f"{name}.{field}", values[field], expected)

    for field, most in HOURS_MAX.items():
        if values.get(field) is not None and not 0 <= values[field] <= most:
            bad(field, f"a number of hours that is not negative and at most {most}")
    if model is m.Task:
        if "title" in values and not str(values["title"]).strip():
            bad("title", "a non-empty title")
        if "priority" in values and not 1 <= values["priority"] <= 5:
            bad("priority", "a priority from 1 (highest) to 5 (lowest)")
        if values.get("period") and not _PERIOD.match(values["period"]):
            bad("period", "an ISO week like 2026-W48 or a month like 2026-11")
        if values.get("assignee") and not _EMAIL.match(values["assignee"]):
            bad("assignee", "a specialist's email address")
    if model is m.Invoice:
        if values.get("amount") is not None and values["amount"] < 0:
            bad("amount", "an amount that is not negative")
        if "currency" in values and not re.fullmatch(r"[A-Z]{3}", values["currency"] or ""):
            bad("currency", "a three-letter ISO currency code such as RUB")
    if model is m.Client:
        if "slug" in values and not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", values["slug"] or ""):
            bad("slug", "lowercase letters, digits, '-' or '_' (e.g. acme)")
        for field in ("viewer_emails", "editor_emails"):
            for email in values.get(field) or ():
                if not _EMAIL.match(email):
                    raise InvalidValueError(f"{name}.{field}", email, "an email address")
        if values.get("manager_email") and not _EMAIL.match(values["manager_email"]):
            bad("manager_email", "an email address")
        if values.get("tracker_url") and not _URL.match(values["tracker_url"]):
            bad("tracker_url", "an http(s) URL such as https://tracker.example/acme")  # as the config says


def clean(model: type[m.Base], values: Mapping[str, Any], *, allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Coerce and check a mapping of field -> value for `model`."""
    allowed = allowed if allowed is not None else settable_fields(model)
    out: dict[str, Any] = {}
    for field, value in values.items():
        if field not in allowed:
            raise InvalidValueError(
                f"{model.__tablename__}.{field}", value, f"a field you can set: one of {', '.join(allowed)}"
            )
        out[field] = coerce(model, field, value)
    check_rules(model, out)
    return out


def is_month(text: str) -> bool:
    return bool(_MONTH.match(text))


# --- JSON for the change log and sync base ----------------------------------------------------


def _default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} {value!r} as JSON")


def dumps(value: Any) -> str | None:
    """JSON text of a value; None stays NULL so "no value" is distinguishable from the string 'null'."""
    if value is None:
        return None
    return json.dumps(value, default=_default, ensure_ascii=False, sort_keys=True)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def loads_field(model: type[m.Base], field: str, text: str | None) -> Any:
    """Decode a logged value back into the column's Python type (for restore)."""
    value = loads(text)
    if value is None:
        return None
    col = _column(model, field)
    if isinstance(col.type, m.UTCDateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(col.type, Date):
        return dt.date.fromisoformat(value)
    if isinstance(col.type, Numeric) and not isinstance(col.type, Float):
        return Decimal(value)
    return value
