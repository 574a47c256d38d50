"""Conditional formats evaluated the way Sheets does, over grid data the API returned.

For each cell, the first ``booleanRule`` (in the sheet's order) whose range holds the cell and whose
condition is true gives its format, laid over the cell's own. A ``CUSTOM_FORMULA`` is written for
its range's top-left cell; relative references move with the cell being tested (``$`` pins them),
and it is evaluated with the emulator's own formula engine. Conditions this module does not know
are false, never guessed; ``gradientRule`` colours scale between the range's minimum and maximum.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from gsheets_emulator import cellvalues as cv
from gsheets_emulator.a1 import col_to_index, index_to_col
from gsheets_emulator.formula import _TOKEN, Context, Err, Range, Ref, compare, evaluate, to_bool

Value = Any  # a number, str, bool, None (blank) or an Err
_END = re.compile(r"^(\$?)([A-Za-z]{0,3})(\$?)(\d*)$")


def shift_formula(formula: str, dr: int, dc: int) -> str:
    """``formula`` as written for a cell ``dr`` rows down and ``dc`` columns right ($-pinned parts stay)."""
    if not (dr or dc):
        return formula
    out, i, text = [], 0, formula[1:] if formula.startswith("=") else formula
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            return formula  # not a formula the engine reads: left as it is (it will be an error)
        tok = m.group(0)
        if m.lastgroup == "ref":
            sheet, bang, cells = tok.rpartition("!")
            tok = sheet + bang + ":".join(_shift_end(p, dr, dc) for p in cells.split(":"))
        out.append(tok)
        i = m.end()
    return "=" + "".join(out)


def _shift_end(part: str, dr: int, dc: int) -> str:
    m = _END.match(part)
    if not m:
        return part
    dcol, col, drow, row = m.groups()
    if col and not dcol:
        col = index_to_col(max(0, col_to_index(col) + dc))
    if row and not drow:
        row = str(max(1, int(row) + dr))
    return f"{dcol}{col}{drow}{row}"


class Values:
    """One tab's values by (row, column) — what formulas in its rules read."""

    def __init__(self, title: str, cells: dict[tuple[int, int], Value], rows: int, cols: int) -> None:
        self.title, self.cells, self.rows, self.cols = title, cells, rows, cols

    def get(self, r: int, c: int) -> Value:
        return self.cells.get((r, c))

    def resolve(self, ref: Ref, current: str) -> Any:
        if ref.sheet is not None and ref.sheet != self.title:
            return Err("REF", f"the view evaluates rules on their own tab only ('{ref.sheet}')")
        r0, c0 = ref.r0 or 0, ref.c0 or 0
        r1 = self.rows if ref.r1 is None else ref.r1
        c1 = self.cols if ref.c1 is None else ref.c1
        return Range([[self.get(r, c) for c in range(c0, c1)] for r in range(r0, r1)])


def value_of(cell: dict[str, Any] | None) -> Value:
    """A cell's effective value as the formula engine's Python value."""
    ev = (cell or {}).get("effectiveValue") or {}
    for k in ("numberValue", "stringValue", "boolValue"):
        if k in ev:
            return ev[k]
    if "errorValue" in ev:
        return Err(ev["errorValue"].get("type", "ERROR"), ev["errorValue"].get("message", ""))
    return None


class RuleSet:
    """A tab's conditional formats, ready to ask: which format does cell (r, c) get?"""

    def __init__(self, rules: list[dict[str, Any]], sheet_id: int, values: Values, locale: cv.Locale,
                 now: Callable[[], datetime]) -> None:
        self.rules = rules
        self.sheet_id = sheet_id
        self.values = values
        self.locale = locale
        self.now = now
        self._gradients: dict[int, tuple[float, float]] = {}

    def format_at(self, r: int, c: int) -> dict[str, Any] | None:
        """The CellFormat the first matching rule lays over (r, c), or None."""
        for i, rule in enumerate(self.rules):
            anchor = _containing(rule.get("ranges", []), self.sheet_id, r, c)
            if anchor is None:
                continue
            if "booleanRule" in rule:
                br = rule["booleanRule"]
                if self._holds(br.get("condition", {}), r, c, anchor):
                    return br.get("format", {})
            elif "gradientRule" in rule:
                fmt = self._gradient(i, rule, r, c)
                if fmt:
                    return fmt
        return None

    # --- boolean conditions -----------------------------------------------------------------
    def _holds(self, cond: dict[str, Any], r: int, c: int, anchor: tuple[int, int]) -> bool:
        kind = cond.get("type", "")
        args = [self._arg(v, r, c, anchor) for v in cond.get("values", [])]
        v = self.values.get(r, c)
        if kind == "CUSTOM_FORMULA":
            if not args:
                return False
            got = args[0]
            b = to_bool(got) if got is not None else False
            return b is True
        test = _CONDITIONS.get(kind)
        if test is None:
            return False
        try:
            return bool(test(v, args))
        except (TypeError, ValueError, IndexError):
            return False

    def _arg(self, cv_: dict[str, Any], r: int, c: int, anchor: tuple[int, int]) -> Value:
        text = cv_.get("userEnteredValue", "")
        if isinstance(text, str) and text.startswith("="):
            formula = shift_formula(text, r - anchor[0], c - anchor[1])
            ctx = Context(self.values.resolve, _no_names, self.now, self.locale, self.values.title)
            got = evaluate(formula, ctx)
            return None if isinstance(got, Err) else got
        return text

    # --- colour scales ------------------------------------------------------------------------
    def _gradient(self, i: int, rule: dict[str, Any], r: int, c: int) -> dict[str, Any] | None:
        v = self.values.get(r, c)
        if not isinstance(v, int | float) or isinstance(v, bool):
            return None
        if i not in self._gradients:
            nums = [x for rr, cc in _cells(rule.get("ranges", []), self.sheet_id, self.values)
                    if isinstance(x := self.values.get(rr, cc), int | float) and not isinstance(x, bool)]
            self._gradients[i] = (min(nums), max(nums))
        lo, hi = self._gradients[i]
        g = rule["gradientRule"]
        a = g.get("minpoint", {}).get("color", {})
        b = g.get("maxpoint", {}).get("color", {})
        t = 0.0 if hi == lo else (v - lo) / (hi - lo)
        mix = {k: a.get(k, 0) + (b.get(k, 0) - a.get(k, 0)) * t for k in ("red", "green", "blue")}
        return {"backgroundColor": mix}


def _no_names(name: str) -> Any:
    return Err("NAME", f"Unknown range name: '{name}'.")


def _containing(ranges: Iterable[dict[str, Any]], sheet_id: int, r: int, c: int) -> tuple[int, int] | None:
    """The top-left (row, col) of the first of ``ranges`` holding (r, c), or None."""
    for g in ranges:
        if g.get("sheetId", 0) != sheet_id:
            continue
        if in_range(g, r, c):
            return g.get("startRowIndex", 0), g.get("startColumnIndex", 0)
    return None


def in_range(g: dict[str, Any], r: int, c: int) -> bool:
    """Whether a GridRange (open bounds allowed) holds (r, c)."""
    return (g.get("startRowIndex", 0) <= r < g.get("endRowIndex", 1 << 30)
            and g.get("startColumnIndex", 0) <= c < g.get("endColumnIndex", 1 << 30))


def _cells(ranges: Iterable[dict[str, Any]], sheet_id: int, values: Values) -> Iterator[tuple[int, int]]:
    for g in ranges:
        if g.get("sheetId", 0) == sheet_id:
            for r in range(g.get("startRowIndex", 0), min(g.get("endRowIndex", values.rows), values.rows)):
                for c in range(g.get("startColumnIndex", 0), min(g.get("endColumnIndex", values.cols), values.cols)):
                    yield r, c


def _num(x: Value) -> float:
    if isinstance(x, bool) or x is None:
        raise ValueError(x)
    return float(x)


def _text(x: Value) -> str:
    return "" if x is None else cv.clean_number(x).__str__() if isinstance(x, float) else str(x)


def _blank(x: Value) -> bool:
    return x is None or x == ""


_CONDITIONS: dict[str, Callable[[Value, list[Value]], bool]] = {
    "BLANK": lambda v, a: _blank(v),
    "NOT_BLANK": lambda v, a: not _blank(v),
    "TEXT_EQ": lambda v, a: not _blank(v) and _text(v).lower() == _text(a[0]).lower(),
    "TEXT_NOT_EQ": lambda v, a: _text(v).lower() != _text(a[0]).lower(),
    "TEXT_CONTAINS": lambda v, a: not _blank(v) and _text(a[0]).lower() in _text(v).lower(),
    "TEXT_NOT_CONTAINS": lambda v, a: _text(a[0]).lower() not in _text(v).lower(),
    "TEXT_STARTS_WITH": lambda v, a: not _blank(v) and _text(v).lower().startswith(_text(a[0]).lower()),
    "TEXT_ENDS_WITH": lambda v, a: not _blank(v) and _text(v).lower().endswith(_text(a[0]).lower()),
    "NUMBER_EQ": lambda v, a: _num(v) == _num(_as_number(a[0])),
    "NUMBER_NOT_EQ": lambda v, a: _num(v) != _num(_as_number(a[0])),
    "NUMBER_GREATER": lambda v, a: _num(v) > _num(_as_number(a[0])),
    "NUMBER_GREATER_THAN_EQ": lambda v, a: _num(v) >= _num(_as_number(a[0])),
    "NUMBER_LESS": lambda v, a: _num(v) < _num(_as_number(a[0])),
    "NUMBER_LESS_THAN_EQ": lambda v, a: _num(v) <= _num(_as_number(a[0])),
    "NUMBER_BETWEEN": lambda v, a: min(_nums(a)) <= _num(v) <= max(_nums(a)),
    "NUMBER_NOT_BETWEEN": lambda v, a: not min(_nums(a)) <= _num(v) <= max(_nums(a)),
    "BOOLEAN": lambda v, a: v is True,
}


def _as_number(x: Value) -> Value:
    if isinstance(x, str):
        return float(x.replace(",", "."))
    return x


def _nums(a: list[Value]) -> list[float]:
    return [_num(_as_number(x)) for x in a[:2]]


__all__ = ["RuleSet", "Values", "compare", "in_range", "shift_formula", "value_of"]
