"""Formula recalculation after a content change.

The core calls :func:`recalc` after every write that changed content. Every formula cell of the
spreadsheet is re-evaluated (a cell referenced by a formula is evaluated first, memoised, and a
cycle is Google's circular-dependency ``#REF!``), and its effectiveValue / formattedValue are
refreshed.

Finding the formula cells is a scan of every cell, so the emulator keeps the positions found per
spreadsheet (:func:`formula_positions`) and reuses them after a values write that cannot have moved
cells or entered a formula; anything else (batchUpdate, Drive, a body holding ``"=``) rescans.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from . import cellvalues as cv
from .formula import Context, DateNum, Err, Range, Ref, evaluate

if TYPE_CHECKING:
    from .core import Emulator, Request
    from .model import SheetState, SpreadsheetState

CIRCULAR = Err("REF", "Circular dependency detected. To resolve with iterative calculation, see File > Settings.")


def formula_cells(ss: SpreadsheetState) -> list[tuple[SheetState, int, int, dict[str, Any]]]:
    out = []
    for s in ss.sheets:
        for r, row in enumerate(s.rows):
            for c, cell in enumerate(row):
                if cell is not None and "formulaValue" in cell.get("userEnteredValue", _NONE):
                    out.append((s, r, c, cell))
    return out


_NONE: dict[str, Any] = {}

#: Writes that only put values into cells where they stand: they may turn a formula into a value
#: (the index drops it when it looks), never a value into a formula unless their body says ``"=``.
_IN_PLACE = {"sheets.spreadsheets.values.update", "sheets.spreadsheets.values.batchUpdate",
             "sheets.spreadsheets.values.batchUpdateByDataFilter", "sheets.spreadsheets.values.clear",
             "sheets.spreadsheets.values.batchClear", "sheets.spreadsheets.values.batchClearByDataFilter",
             "sheets.spreadsheets.values.append"}


@dataclass
class FormulaIndex:
    """Where the formula cells of one spreadsheet were at the last scan."""

    ss: SpreadsheetState  # the object scanned: a restored or replaced spreadsheet is another object
    positions: list[tuple[SheetState, int, int]]


def index_still_holds(req: Request | None) -> bool:
    """Can the formula index survive this write? Only an in-place values write without a formula."""
    if req is None or req.name not in _IN_PLACE:
        return False
    if req.name.endswith("append") and req.param("insertDataOption") == "INSERT_ROWS":
        return False  # rows inserted: cells below moved
    body = req.body.lower()
    return b'"=' not in body and b"\\u003d" not in body and b"formulavalue" not in body


def formula_positions(ss: SpreadsheetState, emulator: Emulator | None,
                      req: Request | None = None) -> list[tuple[SheetState, int, int, dict[str, Any]]]:
    """The formula cells of ``ss``: from the index when ``req`` cannot have added or moved one, else a scan."""
    indexes: dict[str, FormulaIndex] | None = getattr(emulator, "formula_index", None)
    if indexes is None:
        return formula_cells(ss)
    idx = indexes.get(ss.spreadsheet_id)
    # a request hook may have edited cells directly (no request of its own): then trust no index
    if idx is not None and idx.ss is ss and not getattr(emulator, "hooks", None) and index_still_holds(req):
        out = []
        for s, r, c in idx.positions:
            cell = s.get_cell(r, c)
            if cell is not None and "formulaValue" in cell.get("userEnteredValue", _NONE):
                out.append((s, r, c, cell))
        if len(out) != len(idx.positions):
            idx.positions = [(s, r, c) for s, r, c, _ in out]
        return out
    cells = formula_cells(ss)
    indexes[ss.spreadsheet_id] = FormulaIndex(ss, [(s, r, c) for s, r, c, _ in cells])
    return cells


_LOCALE_SEEN: dict[str, str] = {}  # spreadsheetId -> the locale its formattedValues were rendered in


def recalc(ss: SpreadsheetState, emulator: Emulator, req: Request | None = None) -> None:
    """Re-evaluate every formula cell of ``ss`` and refresh effectiveValue/formattedValue.

    When the spreadsheet's locale changed since the last pass, every cell's formattedValue is
    re-rendered (decimal and grouping separators, default date patterns follow the locale).
    ``req`` is the write that changed the spreadsheet, if known: it decides whether the formula
    index may be reused.
    """
    locale = ss.properties.get("locale") or "en_US"
    if _LOCALE_SEEN.get(ss.spreadsheet_id, locale) != locale:
        refresh_all_formatted(ss)
    _LOCALE_SEEN[ss.spreadsheet_id] = locale
    cells = formula_positions(ss, emulator, req)
    if not cells:
        return
    Recalc(ss, emulator).run(cells)


def refresh_all_formatted(ss: SpreadsheetState) -> None:
    """Re-render every stored formattedValue in the spreadsheet's current locale."""
    loc = cv.locale_of(ss.properties)
    for s in ss.sheets:
        for row in s.rows:
            for cell in row:
                if cell and "effectiveValue" in cell:
                    cell["formattedValue"] = cv.format_effective(cell["effectiveValue"], cv.number_format_of(cell),
                                                                 loc)


def _value_of(ev: dict[str, Any] | None) -> Any:
    if not ev:
        return None
    if "numberValue" in ev:
        return ev["numberValue"]
    if "stringValue" in ev:
        return ev["stringValue"]
    if "boolValue" in ev:
        return ev["boolValue"]
    if "errorValue" in ev:
        e = ev["errorValue"]
        return Err(e.get("type", "ERROR"), e.get("message", ""))
    return None


def to_extended(v: Any) -> dict[str, Any] | None:
    """A Python result as Google's ExtendedValue (None for blank)."""
    if v is None:
        return None
    if isinstance(v, Err):
        return {"errorValue": {"type": v.type, "message": v.message}}
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int | float):
        return {"numberValue": cv.clean_number(float(v))}
    return {"stringValue": str(v)}


class Recalc:
    """One recalculation pass over a spreadsheet."""

    def __init__(self, ss: SpreadsheetState, emulator: Any) -> None:
        self.ss = ss
        self.loc = cv.locale_of(ss.properties)
        self.memo: dict[tuple[int, int, int], Any] = {}
        self.active: set[tuple[int, int, int]] = set()
        self.blocks: dict[tuple[int, int, int, int, int], Range] = {}
        self.cycles = 0
        self._now = self._clock(emulator)

    def _clock(self, emulator: Any):
        tz_name = self.ss.properties.get("timeZone") or "Etc/GMT"
        try:
            tz = ZoneInfo(tz_name)
        except (KeyError, ValueError):
            tz = ZoneInfo("UTC")
        ts = emulator.now() if emulator is not None else datetime.now().timestamp()
        local = datetime.fromtimestamp(ts, tz).replace(tzinfo=None)
        return lambda: local

    def run(self, cells: list[tuple[SheetState, int, int, dict[str, Any]]]) -> None:
        for s, r, c, cell in cells:
            v = self.cell_value(s, r, c)
            self.store(cell, v)

    def store(self, cell: dict[str, Any], v: Any) -> None:
        ev = to_extended(v)
        if ev is None:
            cell.pop("effectiveValue", None)
            cell.pop("formattedValue", None)
        else:
            cell["effectiveValue"] = ev
        nf = (cell.get("userEnteredFormat") or {}).get("numberFormat")
        ef = cell.get("effectiveFormat")
        if isinstance(v, DateNum) and nf is None:
            auto = {"type": v.kind, "pattern": cv.default_pattern(v.kind, self.loc)}
            cell.setdefault("effectiveFormat", {})["numberFormat"] = auto
        elif ef and "numberFormat" in ef:
            ef.pop("numberFormat")
            if not ef:
                cell.pop("effectiveFormat")
        if ev is not None:
            cell["formattedValue"] = cv.format_effective(ev, cv.number_format_of(cell), self.loc)

    def cell_value(self, s: SheetState, r: int, c: int) -> Any:
        cell = s.get_cell(r, c)
        if not cell:
            return None
        uev = cell.get("userEnteredValue")
        if not uev:
            return None
        if "formulaValue" not in uev:
            return _value_of(cell.get("effectiveValue", uev))
        key = (s.sheet_id, r, c)
        if key in self.memo:
            return self.memo[key]
        if key in self.active:
            self.cycles += 1
            return CIRCULAR
        self.active.add(key)
        try:
            ctx = Context(self.resolve_ref, self.resolve_name, self._now, self.loc, s.title)
            v = evaluate(uev["formulaValue"], ctx)
        except RecursionError:
            v = CIRCULAR
        finally:
            self.active.discard(key)
        if isinstance(v, float) and not isinstance(v, DateNum) and v != v:  # NaN
            v = Err("NUM", "The result was not a number.")
        self.memo[key] = v
        return v

    def resolve_ref(self, ref: Ref, current: str) -> Any:
        title = ref.sheet if ref.sheet is not None else current
        s = self.ss.sheet_by_title(title)
        if s is None:
            return Err("REF", f"Unresolved sheet name '{title}'.")
        return self.block(s, ref.r0, ref.r1, ref.c0, ref.c1)

    def block(self, s: SheetState, r0: int | None, r1: int | None, c0: int | None, c1: int | None) -> Any:
        r0 = r0 or 0
        c0 = c0 or 0
        r1 = s.row_count if r1 is None else r1
        c1 = s.col_count if c1 is None else c1
        if r1 > s.row_count or c1 > s.col_count:
            return Err("REF", f"Range extends beyond the sheet '{s.title}' ({s.row_count} rows, {s.col_count} "
                              "columns).")
        key = (s.sheet_id, r0, r1, c0, c1)
        cached = self.blocks.get(key)
        if cached is not None:
            return cached
        cycles_before = self.cycles
        rows = []
        width = c1 - c0
        for r in range(r0, r1):
            row = s.rows[r] if r < len(s.rows) else None
            if not row:
                rows.append([None] * width)
                continue
            vals: list[Any] = []
            for c in range(c0, c1):
                cell = row[c] if c < len(row) else None
                uev = cell.get("userEnteredValue") if cell is not None else None
                if uev is None:
                    vals.append(None)
                elif "formulaValue" in uev:
                    vals.append(self.cell_value(s, r, c))
                else:
                    vals.append(_value_of(cell.get("effectiveValue", uev)))  # type: ignore[union-attr]
            rows.append(vals)
        result = Range(rows)
        if self.cycles == cycles_before:  # a block that met a cycle holds a provisional #REF!: not reused
            self.blocks[key] = result
        return result

    def resolve_name(self, name: str) -> Any:
        for nr in self.ss.named_ranges:
            if nr.get("name", "").lower() == name.lower():
                gr = nr.get("range", {})
                s = self.ss.sheet_by_id(gr.get("sheetId", 0))
                if s is None:
                    return Err("REF", f"Named range '{name}' points to a deleted sheet.")
                return self.block(s, gr.get("startRowIndex"), gr.get("endRowIndex"), gr.get("startColumnIndex"),
                                  gr.get("endColumnIndex"))
        return Err("NAME", f"Unknown range name: '{name}'.")
