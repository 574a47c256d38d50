"""Cell values in and out: RAW vs USER_ENTERED parsing, and the three value renderings.

Input follows ValueInputOption: RAW stores strings as typed; USER_ENTERED parses the way the
Sheets UI does in the spreadsheet's locale (numbers, percents, currency, dates, times,
booleans, ``'`` forcing text, ``=`` starting a formula) and gives the cell a number format
when it recognised one. Output follows ValueRenderOption / DateTimeRenderOption and the
Date-time and number formats guide (patterns like ``#,##0.00``, ``0%``, ``dd.MM.yyyy``).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

EPOCH = datetime(1899, 12, 30)

ERROR_TEXT = {
    "ERROR": "#ERROR!", "NULL_VALUE": "#NULL!", "DIVIDE_BY_ZERO": "#DIV/0!", "VALUE": "#VALUE!", "REF": "#REF!",
    "NAME": "#NAME?", "NUM": "#NUM!", "N_A": "#N/A", "LOADING": "Loading...",
}

VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATETIME_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")
VALUE_INPUT = ("RAW", "USER_ENTERED")


@dataclass(frozen=True)
class Locale:
    """What parsing and formatting need from a spreadsheet locale."""

    decimal: str
    group: str
    date_order: str  # "MDY" | "DMY" | "YMD"
    date_sep: str
    currency: str
    currency_pattern: str
    date_pattern: str
    time_pattern: str
    datetime_pattern: str
    true: tuple[str, ...] = ("TRUE",)
    false: tuple[str, ...] = ("FALSE",)


LOCALES: dict[str, Locale] = {
    "en_US": Locale(".", ",", "MDY", "/", "$", '"$"#,##0.00', "M/d/yyyy", "h:mm:ss am/pm", "M/d/yyyy H:mm:ss"),
    "en_GB": Locale(".", ",", "DMY", "/", "£", '"£"#,##0.00', "dd/MM/yyyy", "HH:mm:ss", "dd/MM/yyyy HH:mm:ss"),
    "ru_RU": Locale(",", "\u00a0", "DMY", ".", "₽", '#,##0.00 "₽"', "dd.MM.yyyy", "H:mm:ss", "dd.MM.yyyy H:mm:ss",
                    ("TRUE", "ИСТИНА"), ("FALSE", "ЛОЖЬ")),
    "de_DE": Locale(",", ".", "DMY", ".", "€", '#,##0.00 "€"', "dd.MM.yyyy", "HH:mm:ss", "dd.MM.yyyy HH:mm:ss"),
}


def locale_of(properties: dict[str, Any]) -> Locale:
    """The Locale for SpreadsheetProperties.locale (``ru_RU``, ``ru``, ``en_US``...; default en_US)."""
    code = (properties.get("locale") or "en_US").replace("-", "_")
    if code in LOCALES:
        return LOCALES[code]
    lang = code.split("_")[0]
    for k, v in LOCALES.items():
        if k.startswith(lang + "_"):
            return v
    return LOCALES["en_US"]


# --- serial numbers --------------------------------------------------------------------------
def to_serial(dt: datetime | date) -> float:
    if not isinstance(dt, datetime):
        dt = datetime(dt.year, dt.month, dt.day)
    if dt.tzinfo is not None:
        dt = dt.replace(tzinfo=None)
    delta = dt - EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6


# the serials a calendar date can be shown for (0001-01-01 .. 9999-12-31): outside them a date format
# falls back to the General number display instead of failing the read
MIN_SERIAL = -693_593.0
MAX_SERIAL = 2_958_466.0


def from_serial(serial: float) -> datetime:
    # round to the millisecond so 0.1-day arithmetic does not render 2:23:59
    ms = round(serial * 86400000)
    return EPOCH + timedelta(milliseconds=ms)


def clean_number(x: float) -> int | float:
    """JSON as Google writes it: integral doubles without a fractional part."""
    if isinstance(x, bool):
        return x
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


# --- input -----------------------------------------------------------------------------------
def raw_value(v: Any) -> dict[str, Any]:
    """ExtendedValue for a RAW input: strings stay strings (even ``=1+1``)."""
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int | float):
        return {"numberValue": v}
    return {"stringValue": str(v)}


def user_entered_value(v: Any, loc: Locale) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(ExtendedValue, NumberFormat to apply or None) for a USER_ENTERED input."""
    if isinstance(v, bool):
        return {"boolValue": v}, None
    if isinstance(v, int | float):
        return {"numberValue": v}, None
    s = str(v)
    if s.startswith("'"):
        return {"stringValue": s[1:]}, None
    if s.startswith("=") and len(s) > 1:
        return {"formulaValue": s}, None
    t = s.strip()
    if not t:
        return {"stringValue": s}, None
    up = t.upper()
    if up in loc.true:
        return {"boolValue": True}, None
    if up in loc.false:
        return {"boolValue": False}, None
    if not _MAY_BE_NUMBER.search(t) or (t[0].isalpha() and not t.startswith(("руб", "р."))):
        return {"stringValue": s}, None  # fast path: ordinary text
    parsed = parse_number(t, loc)
    if parsed is not None:
        return {"numberValue": parsed[0]}, parsed[1]
    dt = parse_datetime(t, loc)
    if dt is not None:
        return {"numberValue": dt[0]}, dt[1]
    return {"stringValue": s}, None


_SPACES = "\u00a0\u202f "
_MAY_BE_NUMBER = re.compile(r"\d")


@functools.lru_cache(maxsize=16)
def _number_re(dec: str, grp: str) -> re.Pattern[str]:
    groups = re.escape(grp) + ("" if grp not in _SPACES else "\u00a0\u202f ")
    return re.compile(rf"^(\d{{1,3}}(?:[{groups}]\d{{3}})+|\d+)?(?:{re.escape(dec)}(\d+))?(?:[eE]([+-]?\d+))?$")


@functools.lru_cache(maxsize=16)
def _group_re(grp: str) -> re.Pattern[str]:
    groups = re.escape(grp) + ("" if grp not in _SPACES else "\u00a0\u202f ")
    return re.compile(f"[{groups}]")


def _plain_number(s: str, loc: Locale) -> float | None:
    """A locale-formatted number without symbols: ``1,234.5`` (en) / ``1 234,5`` (ru), or ``1e3``."""
    neg = False
    if s.startswith("(") and s.endswith(")"):
        neg, s = True, s[1:-1].strip()
    if s[:1] in "+-":
        neg, s = (neg != (s[0] == "-")), s[1:].strip()
    if not s:
        return None
    m = _number_re(loc.decimal, loc.group).match(s)
    if not m or not (m.group(1) or m.group(2)):
        return None
    text = _group_re(loc.group).sub("", m.group(1) or "0") + "." + (m.group(2) or "0")
    if m.group(3):
        text += "e" + m.group(3)
    x = float(text)
    if not math.isfinite(x):  # beyond a double (e.g. 1e400): not a number Sheets can store, it stays text
        return None
    return -x if neg else x


def parse_number(s: str, loc: Locale) -> tuple[float, dict[str, Any] | None] | None:
    """Numbers, percents and currency amounts as the Sheets UI reads them in ``loc``."""
    x = _plain_number(s, loc)
    if x is not None:
        fmt = None
        if re.search(r"[eE]", s):
            fmt = {"type": "SCIENTIFIC", "pattern": "0.00E+00"}
        elif _group_re(loc.group).search(s):
            # typed with digit grouping: Google keeps it grouped ("2,000,000.01" reads back as typed,
            # CellTest.test_numeric_value.json in burnash/gspread); decimals as typed
            decimals = s.rpartition(loc.decimal)[2] if loc.decimal in s else ""
            fmt = {"type": "NUMBER", "pattern": "#,##0" + ("." + "0" * len(decimals) if decimals else "")}
        return x, fmt
    if s.endswith("%"):
        x = _plain_number(s[:-1].strip(), loc)
        if x is not None:
            decimals = "0.00%" if (loc.decimal in s) else "0%"
            return x / 100, {"type": "PERCENT", "pattern": decimals}
    for sym in {loc.currency, "$", "€", "£", "₽", "руб.", "р."}:
        for body in (s[len(sym):] if s.startswith(sym) else None,
                     s[1:].lstrip()[len(sym):] if s[:1] in "+-" and s[1:].lstrip().startswith(sym) else None,
                     s[: -len(sym)] if s.endswith(sym) else None):
            if body is None:
                continue
            sign = -1 if (s[:1] == "-" and not s.endswith(sym)) else 1
            x = _plain_number(body.strip(), loc)
            if x is not None:
                pattern = _currency_pattern(sym, loc, suffix=s.endswith(sym))
                return sign * x, {"type": "CURRENCY", "pattern": pattern}
    return None


def _currency_pattern(sym: str, loc: Locale, *, suffix: bool) -> str:
    if sym == loc.currency:
        return loc.currency_pattern
    return f'#,##0.00 "{sym}"' if suffix else f'"{sym}"#,##0.00'


_TIME = r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,3}))?)?\s*([AaPp][Mm])?"


def parse_datetime(s: str, loc: Locale) -> tuple[float, dict[str, Any]] | None:
    """Dates, times and date-times in ``loc``'s order, plus ISO ``yyyy-mm-dd``."""
    m = re.fullmatch(_TIME, s)
    if m:
        t = _time_fraction(m)
        if t is None:
            return None
        return t, {"type": "TIME", "pattern": loc.time_pattern}
    date_part, _, time_part = s.partition(" ")
    d = _parse_date(date_part, loc)
    if d is None:
        return None
    serial = to_serial(d)
    if not time_part.strip() and re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", date_part):
        # an ISO date keeps its ISO look: "2020-01-01" reads back "2020-01-01", not "1/1/2020"
        # (WorksheetTest.test_get_all_values_date_time_render_options.json in burnash/gspread)
        return serial, {"type": "DATE", "pattern": "yyyy-mm-dd"}
    if time_part.strip():
        m = re.fullmatch(_TIME, time_part.strip())
        if not m:
            return None
        t = _time_fraction(m)
        if t is None:
            return None
        return serial + t, {"type": "DATE_TIME", "pattern": loc.datetime_pattern}
    return serial, {"type": "DATE", "pattern": loc.date_pattern}


def _time_fraction(m: re.Match[str]) -> float | None:
    h, mi = int(m.group(1)), int(m.group(2))
    sec = int(m.group(3) or 0)
    ms = int((m.group(4) or "0").ljust(3, "0"))
    ampm = (m.group(5) or "").upper()
    if ampm:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ampm == "PM" else 0)
    if h > 23 or mi > 59 or sec > 59:
        return None
    return (h * 3600 + mi * 60 + sec + ms / 1000) / 86400


_YEAR: ContextVar[int | None] = ContextVar("sheetsync_emulator_year", default=None)


@contextmanager
def current_year(year: int) -> Iterator[None]:
    """Dates typed without a year (``3/4``) take ``year``: the emulator clock's, not the wall clock's."""
    token = _YEAR.set(year)
    try:
        yield
    finally:
        _YEAR.reset(token)


def year_at(ts: float, time_zone: str | None) -> int:
    """The calendar year at ``ts`` in a spreadsheet's time zone (UTC when unknown)."""
    try:
        tz = ZoneInfo(time_zone or "UTC")
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    return datetime.fromtimestamp(ts, tz).year


def _parse_date(s: str, loc: Locale) -> date | None:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s) or re.fullmatch(r"(\d{4})/(\d{1,2})/(\d{1,2})", s)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        return _mkdate(y, mo, d)
    sep = re.escape(loc.date_sep)
    m = re.fullmatch(rf"(\d{{1,2}}){sep}(\d{{1,2}})(?:{sep}(\d{{2}}|\d{{4}}))?", s)
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    y = int(m.group(3)) if m.group(3) else (_YEAR.get() or datetime.now(UTC).year)
    if m.group(3) and len(m.group(3)) == 2:
        y += 2000 if y < 30 else 1900
    mo, d = (a, b) if loc.date_order == "MDY" else (b, a)
    return _mkdate(y, mo, d)


def _mkdate(y: int, mo: int, d: int) -> date | None:
    try:
        return date(y, mo, d)
    except ValueError:
        return None


# --- output ----------------------------------------------------------------------------------
def default_pattern(fmt_type: str, loc: Locale) -> str:
    return {
        "TEXT": "@", "NUMBER": "#,##0.00", "PERCENT": "0.00%", "CURRENCY": loc.currency_pattern,
        "DATE": loc.date_pattern, "TIME": loc.time_pattern, "DATE_TIME": loc.datetime_pattern,
        "SCIENTIFIC": "0.00E+00",
    }.get(fmt_type, "")


def format_effective(ev: dict[str, Any] | None, number_format: dict[str, Any] | None, loc: Locale) -> str:
    """The formattedValue of an effectiveValue under a NumberFormat, as the Sheets UI shows it."""
    if not ev:
        return ""
    if "stringValue" in ev:
        return ev["stringValue"]
    if "boolValue" in ev:
        return "TRUE" if ev["boolValue"] else "FALSE"
    if "errorValue" in ev:
        return ERROR_TEXT.get(ev["errorValue"].get("type", "ERROR"), "#ERROR!")
    x = ev.get("numberValue")
    if x is None:
        return ""
    pattern = ""
    if number_format:
        pattern = number_format.get("pattern") or default_pattern(number_format.get("type", ""), loc)
    if not pattern or pattern.lower() == "general":
        return general(x, loc)
    return apply_pattern(x, pattern, loc)


def general(x: float, loc: Locale) -> str:
    """Google's automatic number display: up to 10 decimals, scientific for huge/tiny values."""
    if isinstance(x, bool):
        return "TRUE" if x else "FALSE"
    if math.isinf(x) or math.isnan(x):
        return "#NUM!"
    ax = abs(x)
    if ax != 0 and (ax >= 1e15 or ax < 1e-10):
        mant, _, exp = f"{x:.2E}".partition("E")
        s = f"{mant}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
    else:
        s = f"{x:.10f}".rstrip("0").rstrip(".")
        if s in ("-0", ""):
            s = "0"
    return s.replace(".", loc.decimal)


_DATE_TOKENS = re.compile(r"yyyy|yy|y|mmmmm|mmmm|mmm|mm|m|MMMM|MMM|MM|M|dddd|ddd|dd|d|hh|h|HH|H|ss|s|"
                          r"am/pm|AM/PM|a/p|A/P|\.0+|\[h+\]|\[m+\]|\[s+\]", re.I)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _split_sections(pattern: str) -> list[str]:
    out, cur, q, i = [], "", False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == '"':
            q = not q
        elif ch == "\\" and i + 1 < len(pattern):
            cur += pattern[i: i + 2]
            i += 2
            continue
        elif ch == ";" and not q:
            out.append(cur)
            cur = ""
            i += 1
            continue
        cur += ch
        i += 1
    out.append(cur)
    return out


def _is_date_pattern(p: str) -> bool:
    stripped = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", p)
    return bool(re.search(r"[dDyYhHsS]|am/pm", stripped)) or (
        bool(re.search(r"[mM]", stripped)) and not re.search(r"[0#?]", stripped))


def apply_pattern(x: float, pattern: str, loc: Locale) -> str:
    sections = _split_sections(pattern)
    sec = sections[0]
    if len(sections) >= 2 and x < 0:
        sec, x = sections[1], -x
    elif len(sections) >= 3 and x == 0:
        sec = sections[2]
    sec = re.sub(r"\[(?:Red|Black|Blue|Green|Yellow|Cyan|Magenta|White|Color\d+)\]", "", sec, flags=re.I)
    if not math.isfinite(x):
        return general(x, loc)
    if _is_date_pattern(sec):
        if not MIN_SERIAL <= x < MAX_SERIAL:  # no calendar date there: shown as a plain number
            return general(x, loc)
        return format_datetime(x, sec)
    return _format_number(x, sec, loc)


def _literal(sec: str) -> list[tuple[str, str]]:
    """Split a section into ('lit', text) and ('fmt', chars) pieces."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(sec):
        ch = sec[i]
        if ch == '"':
            j = sec.find('"', i + 1)
            j = len(sec) if j < 0 else j
            out.append(("lit", sec[i + 1: j]))
            i = j + 1
        elif ch == "\\" and i + 1 < len(sec):
            out.append(("lit", sec[i + 1]))
            i += 2
        elif ch == "[":
            j = sec.find("]", i)
            j = len(sec) if j < 0 else j
            inner = sec[i + 1: j]
            if inner.startswith("$"):
                out.append(("lit", inner[1:].split("-")[0]))
            elif re.fullmatch(r"h+|m+|s+", inner, re.I):  # elapsed time: [h]:mm
                out.append(("fmt", f"[{inner}]"))
            i = j + 1
        elif ch in "_*":
            i += 2  # padding directives: no width here
        else:
            out.append(("fmt", ch))
            i += 1
    return out


def _format_number(x: float, sec: str, loc: Locale) -> str:
    pieces = _literal(sec)
    fmt = "".join(c for k, c in pieces if k == "fmt")
    if "@" in fmt and not re.search(r"[0#?]", fmt):
        return general(x, loc)
    percent = fmt.count("%")
    x = x * (100 ** percent)
    sci = re.search(r"[eE][+-]", fmt)
    # the numeric core: first run of 0 # ? , . characters
    m = re.search(r"[0#?,.]+(?:[eE][+-][0#]+)?", fmt)
    if not m:
        out = "".join(c if k == "lit" else (c if c not in "0#?" else "") for k, c in pieces)
        return out
    core = m.group(0)
    int_part, _, frac_part = core.split("E")[0].split("e")[0].partition(".")
    decimals = sum(1 for c in frac_part if c in "0#?")
    min_decimals = frac_part.count("0")
    trailing_commas = len(int_part) - len(int_part.rstrip(","))
    x = x / (1000 ** trailing_commas)
    grouping = "," in int_part.rstrip(",")
    min_int = int_part.count("0")
    if sci:
        exp_digits = len(core.split("E" if "E" in core else "e")[1]) - 1
        if x == 0:
            mant, exp = 0.0, 0
        else:
            exp = math.floor(math.log10(abs(x)))
            mant = x / 10 ** exp
            if round(abs(mant), decimals) >= 10:
                mant, exp = mant / 10, exp + 1
        body = _digits(abs(mant), decimals, min_decimals, max(min_int, 1), False, loc)
        body += ("E" if "E" in core else "e") + ("-" if exp < 0 else "+") + str(abs(exp)).zfill(exp_digits)
    else:
        body = _digits(abs(x), decimals, min_decimals, min_int, grouping, loc)
    neg = x < 0 and body.strip("0" + loc.decimal + loc.group) != ""
    # rebuild: literals before and after the core, the core replaced by body
    parts: list[str] = []
    placed, consumed = False, 0
    fmt_pos = m.start()
    for k, c in pieces:
        if k == "lit":
            parts.append(c)
            continue
        if consumed < fmt_pos:
            parts.append(c)
        elif consumed < m.end():
            if not placed:
                parts.append(body)
                placed = True
        else:
            parts.append(c)
        consumed += 1
    s = "".join(parts)
    return ("-" + s) if neg else s


def _digits(x: float, decimals: int, min_decimals: int, min_int: int, grouping: bool, loc: Locale) -> str:
    s = f"{x:.{decimals}f}"
    ip, _, fp = s.partition(".")
    if fp:
        fp = fp.rstrip("0") if decimals > min_decimals else fp
        if len(fp) < min_decimals:
            fp = fp.ljust(min_decimals, "0")
    if ip == "0" and min_int == 0:
        ip = ""
    ip = ip.zfill(min_int) if ip else ("0" * min_int)
    if grouping and ip:
        ip = f"{int(ip):,}".replace(",", loc.group)
    return ip + (loc.decimal + fp if fp else "")


def format_datetime(x: float, sec: str) -> str:
    dt = from_serial(x)
    pieces = _literal(sec)
    text = "".join(c if k == "fmt" else "\x00" + c + "\x01" for k, c in pieces)
    has_ampm = re.search(r"am/pm|a/p", text, re.I) is not None
    tokens = list(_tokens(text))
    out = []
    for idx, (kind, tok) in enumerate(tokens):
        if kind == "lit":
            out.append(tok)
            continue
        low = tok.lower()
        if low.startswith("[h"):
            out.append(str(int(x * 24)).zfill(len(tok) - 2))
        elif low.startswith("[m"):
            out.append(str(int(x * 1440)).zfill(len(tok) - 2))
        elif low.startswith("[s"):
            out.append(str(int(x * 86400)).zfill(len(tok) - 2))
        elif low in ("yyyy", "y") or (low.startswith("y") and len(low) > 2):
            out.append(str(dt.year))
        elif low == "yy":
            out.append(f"{dt.year % 100:02d}")
        elif low in ("dddd",):
            out.append(_DAYS[dt.weekday()])
        elif low == "ddd":
            out.append(_DAYS[dt.weekday()][:3])
        elif low == "dd":
            out.append(f"{dt.day:02d}")
        elif low == "d":
            out.append(str(dt.day))
        elif low in ("h", "hh"):
            h = dt.hour
            if has_ampm and tok in ("h", "hh"):
                h = h % 12 or 12
            out.append(f"{h:02d}" if len(tok) == 2 else str(h))
        elif low in ("s", "ss"):
            out.append(f"{dt.second:02d}" if len(tok) == 2 else str(dt.second))
        elif low.startswith("."):
            ms = dt.microsecond // 1000
            out.append("." + f"{ms:03d}"[: len(tok) - 1].ljust(len(tok) - 1, "0"))
        elif low in ("am/pm", "a/p"):
            pm = dt.hour >= 12
            word = ("PM" if pm else "AM") if low == "am/pm" else ("P" if pm else "A")
            out.append(word if tok[0].isupper() else word.lower() if low == "a/p" else word)
        elif low.startswith("m"):
            if _is_minute(tokens, idx):
                out.append(f"{dt.minute:02d}" if len(tok) == 2 else str(dt.minute))
            elif len(tok) == 1:
                out.append(str(dt.month))
            elif len(tok) == 2:
                out.append(f"{dt.month:02d}")
            elif len(tok) == 3:
                out.append(_MONTHS[dt.month - 1][:3])
            elif len(tok) == 4:
                out.append(_MONTHS[dt.month - 1])
            else:
                out.append(_MONTHS[dt.month - 1][0])
        else:
            out.append(tok)
    return "".join(out)


def _tokens(text: str):
    i = 0
    while i < len(text):
        if text[i] == "\x00":
            j = text.index("\x01", i)
            yield "lit", text[i + 1: j]
            i = j + 1
            continue
        m = _DATE_TOKENS.match(text, i)
        if m:
            yield "tok", m.group(0)
            i = m.end()
        else:
            yield "lit", text[i]
            i += 1


def _is_minute(tokens: list[tuple[str, str]], idx: int) -> bool:
    """``m``/``mm`` right after an hour or right before a second is minutes (Sheets' rule)."""
    tok = tokens[idx][1]
    if len(tok) > 2:
        return False
    if tok.isupper() and tok[0] == "M":
        return False
    for j in range(idx - 1, -1, -1):
        k, t = tokens[j]
        if k == "tok":
            if t.lower().startswith("h") or t.lower().startswith("[h"):
                return True
            break
    for j in range(idx + 1, len(tokens)):
        k, t = tokens[j]
        if k == "tok":
            return t.lower().startswith("s")
    return False


def number_format_of(cell: dict[str, Any] | None) -> dict[str, Any] | None:
    if not cell:
        return None
    return (cell.get("userEnteredFormat") or {}).get("numberFormat") or (cell.get("effectiveFormat") or {}).get("numberFormat")


def is_date_format(nf: dict[str, Any] | None) -> bool:
    if not nf:
        return False
    if nf.get("type") in ("DATE", "TIME", "DATE_TIME"):
        return True
    p = nf.get("pattern")
    return bool(p) and nf.get("type") not in ("NUMBER", "PERCENT", "CURRENCY", "SCIENTIFIC", "TEXT") \
        and _is_date_pattern(_split_sections(str(p))[0])


def render(cell: dict[str, Any] | None, value_render: str, datetime_render: str, loc: Locale) -> Any:
    """One cell as values.get returns it; ``None`` for an empty cell.

    FORMATTED_VALUE serves the cell's stored formattedValue (every write path keeps it current).
    """
    if not cell:
        return None
    uev = cell.get("userEnteredValue")
    if uev is None:
        return None
    if value_render == "FORMATTED_VALUE":
        fv = cell.get("formattedValue")
        if fv is not None:
            return fv
        return format_effective(cell.get("effectiveValue", uev), number_format_of(cell), loc)
    if value_render == "FORMULA" and "formulaValue" in uev:
        return uev["formulaValue"]
    ev = cell.get("effectiveValue", uev)
    if "stringValue" in ev:
        return ev["stringValue"]
    if "numberValue" in ev:
        if datetime_render == "FORMATTED_STRING" and is_date_format(number_format_of(cell)):
            return format_effective(ev, number_format_of(cell), loc)
        return clean_number(ev["numberValue"])
    if "boolValue" in ev:
        return ev["boolValue"]
    if "errorValue" in ev:
        return format_effective(ev, None, loc)
    return None


def is_empty_render(v: Any) -> bool:
    return v is None or v == ""


def error_text(error: dict[str, Any]) -> str:
    """How a cell shows an ErrorValue (``#DIV/0!``, ``#N/A``, ...), in exports and xlsx."""
    return {"NAME": "#NAME?", "DIVIDE_BY_ZERO": "#DIV/0!", "VALUE": "#VALUE!", "REF": "#REF!", "N_A": "#N/A",
            "NUM": "#NUM!", "NULL_VALUE": "#NULL!"}.get(error.get("type", ""), "#ERROR!")
