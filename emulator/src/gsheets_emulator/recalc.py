"""Formula recalculation after a content change, in proportion to what changed.

The core calls :func:`recalc` after every write that changed content. The emulator keeps, per
spreadsheet, a dependency graph (:class:`FormulaIndex`): every formula cell, the cell ranges it
reads (open ranges such as ``C2:C`` and whole columns included, cross-sheet references and named
ranges resolved to their sheet), whether it is volatile (``TODAY()``, ``NOW()``), and the value it
evaluated to last time.

An in-place values write (values.update / batchUpdate / ByDataFilter / clear / append without
inserted rows, whose body enters no formula) records the blocks it wrote (:func:`note_written`).
The next recalculation then re-evaluates only the formulas whose ranges intersect those blocks,
then the formulas that read those formulas, transitively (a worklist with a seen set, so a cycle
ends), plus the volatile ones and their readers. Every other formula keeps its value: a formula
that reads one of them gets the value remembered from its last evaluation. Anything else — a
``batchUpdate`` (inserted/deleted/moved rows, renamed sheets, new named ranges...), a Drive copy or
import, a grid that grew, a changed locale, a formula entered or overwritten, a request hook that
edited cells directly, a failed write — rebuilds the graph and recalculates everything, as does a
spreadsheet whose formulas form a cycle (Google's circular-dependency ``#REF!``, whose values
depend on where the cycle is entered). The results are the same as a full recalculation's
(tests/emulator/test_formula_index.py compares them after random writes and structural changes).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from . import cellvalues as cv
from .formula import Context, DateNum, Err, FormulaError, Range, Ref, evaluate, parse

if TYPE_CHECKING:
    from .core import Emulator
    from .model import SheetState, SpreadsheetState
    from .rest import Request

CIRCULAR = Err("REF", "Circular dependency detected. To resolve with iterative calculation, see File > Settings.")

Key = tuple[int, int, int]  # (sheetId, row, column) of a formula cell
#: (sheetId, r0, r1, c0, c1): a block a formula reads; r1/c1 None = open to the grid's end
Area = tuple[int, int, int | None, int, int | None]
VOLATILE = frozenset({"TODAY", "NOW"})
_WIDE = 32  # areas wider than this many columns are checked against every write, not by column


def formula_cells(ss: SpreadsheetState) -> list[tuple[SheetState, int, int, dict[str, Any]]]:
    out = []
    for s in ss.sheets:
        for r, row in enumerate(s.rows):
            for c, cell in enumerate(row):
                if cell is not None and "formulaValue" in cell.get("userEnteredValue", _NONE):
                    out.append((s, r, c, cell))
    return out


_NONE: dict[str, Any] = {}

#: Writes that only put values into cells where they stand: they may turn a formula into a value,
#: never a value into a formula unless their body says ``"=``.
_IN_PLACE = {"sheets.spreadsheets.values.update", "sheets.spreadsheets.values.batchUpdate",
             "sheets.spreadsheets.values.batchUpdateByDataFilter", "sheets.spreadsheets.values.clear",
             "sheets.spreadsheets.values.batchClear", "sheets.spreadsheets.values.batchClearByDataFilter",
             "sheets.spreadsheets.values.append"}


def index_still_holds(req: Request | None) -> bool:
    """Can the formula index survive this write? Only an in-place values write without a formula."""
    if req is None or req.name not in _IN_PLACE:
        return False
    if req.name.endswith("append") and req.param("insertDataOption") == "INSERT_ROWS":
        return False  # rows inserted: cells below moved
    body = req.body.lower()
    return b'"=' not in body and b"\\u003d" not in body and b"formulavalue" not in body


def _walk(node: Any, refs: list[Ref], names: list[str]) -> bool:
    """Collect the references and names of an AST; True when it calls a volatile function."""
    kind = node[0]
    if kind == "ref":
        refs.append(node[1])
        return False
    if kind == "name":
        names.append(node[1])
        return False
    volatile = False
    if kind == "call":
        volatile = node[1] in VOLATILE
        for a in node[2]:
            volatile = _walk(a, refs, names) or volatile
    elif kind == "array":
        for row in node[1]:
            for n in row:
                volatile = _walk(n, refs, names) or volatile
    elif kind in ("neg", "pct"):
        volatile = _walk(node[1], refs, names)
    elif kind == "bin":
        volatile = _walk(node[2], refs, names)
        volatile = _walk(node[3], refs, names) or volatile
    return volatile


@dataclass
class FormulaIndex:
    """The dependency graph of one spreadsheet's formulas (see the module's docstring)."""

    ss: SpreadsheetState  # the object scanned: a restored or replaced spreadsheet is another object
    dims: tuple[tuple[int, str, int, int], ...]  # sheets' (id, title, rows, columns) when built
    locale: str
    order: dict[Key, tuple[int, int, int]] = field(default_factory=dict)  # key -> (sheet position, r, c)
    reads: dict[Key, list[Area]] = field(default_factory=dict)
    volatile: set[Key] = field(default_factory=set)
    by_col: dict[int, dict[int, list[tuple[Area, Key]]]] = field(default_factory=dict)  # sheetId -> column -> ...
    wide: dict[int, list[tuple[Area, Key]]] = field(default_factory=dict)  # sheetId -> areas of many columns
    values: dict[Key, Any] = field(default_factory=dict)  # last value of every formula
    written: list[tuple[int, int, int, int, int]] = field(default_factory=list)  # blocks written since
    cyclic: bool = False  # the last full pass met a circular dependency

    @property
    def positions(self) -> list[tuple[SheetState, int, int]]:
        """Where the formula cells are, in evaluation order."""
        by_id = {s.sheet_id: s for s in self.ss.sheets}
        return [(by_id[k[0]], k[1], k[2]) for k in sorted(self.order, key=self.order.__getitem__)]

    @classmethod
    def build(cls, ss: SpreadsheetState, cells: list[tuple[SheetState, int, int, dict[str, Any]]]) -> FormulaIndex:
        g = cls(ss, dims_of(ss), ss.properties.get("locale") or "en_US")
        pos = {s.sheet_id: i for i, s in enumerate(ss.sheets)}
        for s, r, c, cell in cells:
            key = (s.sheet_id, r, c)
            g.order[key] = (pos[s.sheet_id], r, c)
            areas, volatile = g._areas(cell["userEnteredValue"]["formulaValue"], s)
            g.reads[key] = areas
            if volatile:
                g.volatile.add(key)
            for a in areas:
                if a[4] is None or a[4] - a[3] > _WIDE:
                    g.wide.setdefault(a[0], []).append((a, key))
                else:
                    cols = g.by_col.setdefault(a[0], {})
                    for col in range(a[3], a[4]):
                        cols.setdefault(col, []).append((a, key))
        return g

    def _areas(self, formula: str, home: SheetState) -> tuple[list[Area], bool]:
        try:
            ast = parse(formula)
        except (FormulaError, RecursionError):
            return [], False  # #ERROR!: reads nothing
        refs: list[Ref] = []
        names: list[str] = []
        volatile = _walk(ast, refs, names)
        areas: list[Area] = []
        for ref in refs:
            s = home if ref.sheet is None else self.ss.sheet_by_title(ref.sheet)
            if s is not None:  # an unknown sheet is #REF! until a batchUpdate adds it (which rebuilds)
                areas.append((s.sheet_id, ref.r0 or 0, ref.r1, ref.c0 or 0, ref.c1))
        for name in names:
            for nr in self.ss.named_ranges:
                if nr.get("name", "").lower() == name.lower():
                    gr = nr.get("range", {})
                    areas.append((gr.get("sheetId", 0), gr.get("startRowIndex") or 0, gr.get("endRowIndex"),
                                  gr.get("startColumnIndex") or 0, gr.get("endColumnIndex")))
                    break
        return areas, volatile

    def readers(self, sid: int, r0: int, r1: int, c0: int, c1: int) -> set[Key]:
        """The formulas that read any cell of the block (sheetId, r0:r1, c0:c1)."""
        out: set[Key] = set()
        cols = self.by_col.get(sid)
        if cols:
            span = range(c0, c1) if c1 - c0 <= len(cols) else [c for c in cols if c0 <= c < c1]
            for col in span:
                for a, key in cols.get(col, ()):
                    if a[1] < r1 and (a[2] is None or r0 < a[2]):
                        out.add(key)
        for a, key in self.wide.get(sid, ()):
            if (a[1] < r1 and (a[2] is None or r0 < a[2]) and a[3] < c1 and (a[4] is None or c0 < a[4])):
                out.add(key)
        return out

    def dirty(self) -> set[Key] | None:
        """The formulas to re-evaluate for the blocks written since the last pass (None: rebuild)."""
        seen: set[Key] = set()
        todo: list[Key] = list(self.volatile)
        for sid, r0, r1, c0, c1 in self.written:
            if (r1 - r0) * (c1 - c0) <= len(self.order):
                inside = [k for k in ((sid, r, c) for r in range(r0, r1) for c in range(c0, c1)) if k in self.order]
            else:
                inside = [k for k in self.order if k[0] == sid and r0 <= k[1] < r1 and c0 <= k[2] < c1]
            for key in inside:  # a formula cell written over (a value, or cleared): rebuild
                s = self.ss.sheet_by_id(sid)
                cell = s.get_cell(key[1], key[2]) if s is not None else None
                if cell is None or "formulaValue" not in cell.get("userEnteredValue", _NONE):
                    return None
            todo.extend(self.readers(sid, r0, r1, c0, c1))
        while todo:
            key = todo.pop()
            if key in seen:
                continue
            seen.add(key)
            todo.extend(self.readers(key[0], key[1], key[1] + 1, key[2], key[2] + 1) - seen)
        return seen


def dims_of(ss: SpreadsheetState) -> tuple[tuple[int, str, int, int], ...]:
    return tuple((s.sheet_id, s.title, s.row_count, s.col_count) for s in ss.sheets)


def note_written(req: Request, ss: SpreadsheetState, sheet: SheetState, r0: int, r1: int, c0: int, c1: int) -> None:
    """A values write put values into the block: the next recalculation starts from its readers."""
    indexes: dict[str, FormulaIndex] | None = getattr(req.emulator, "formula_index", None)
    g = indexes.get(ss.spreadsheet_id) if indexes is not None else None
    if g is not None and g.ss is ss:
        g.written.append((sheet.sheet_id, r0, r1, c0, c1))


def forget(emulator: Any, spreadsheet_id: str) -> None:
    """Drop the graph (e.g. after a write that failed half-way): the next recalculation rebuilds it."""
    indexes = getattr(emulator, "formula_index", None)
    if indexes is not None:
        indexes.pop(spreadsheet_id, None)


_LOCALE_SEEN: dict[str, str] = {}  # spreadsheetId -> the locale its formattedValues were rendered in


def recalc(ss: SpreadsheetState, emulator: Emulator, req: Request | None = None) -> None:
    """Bring every formula cell of ``ss`` up to date (effectiveValue/formattedValue).

    When the spreadsheet's locale changed since the last pass, every cell's formattedValue is
    re-rendered (decimal and grouping separators, default date patterns follow the locale).
    ``req`` is the write that changed the spreadsheet, if known: it decides whether the graph may
    be reused, and then only what the write reached is re-evaluated.
    """
    locale = ss.properties.get("locale") or "en_US"
    if _LOCALE_SEEN.get(ss.spreadsheet_id, locale) != locale:
        refresh_all_formatted(ss)
    _LOCALE_SEEN[ss.spreadsheet_id] = locale
    indexes: dict[str, FormulaIndex] | None = getattr(emulator, "formula_index", None)
    stats: Counter[str] | None = getattr(emulator, "recalc_stats", None)
    if indexes is None:
        Recalc(ss, emulator, stats).run(formula_cells(ss))
        return
    g = indexes.get(ss.spreadsheet_id)
    # a request hook may have edited cells directly (no request of its own): then trust no graph
    reuse = (g is not None and g.ss is ss and not g.cyclic and not getattr(emulator, "hooks", None)
             and index_still_holds(req) and g.dims == dims_of(ss) and g.locale == locale)
    dirty = g.dirty() if reuse and g is not None else None
    if g is not None and dirty is not None:
        g.written.clear()
        if not dirty:
            return
        rc = Recalc(ss, emulator, stats, known=g.values, dirty=dirty)
        by_id = {s.sheet_id: s for s in ss.sheets}
        cells: list[tuple[SheetState, int, int, dict[str, Any]]] = []
        for key in sorted(dirty, key=g.order.__getitem__):
            s = by_id[key[0]]
            cell = s.get_cell(key[1], key[2])
            if cell is not None:  # the graph's keys are formula cells, which exist
                cells.append((s, key[1], key[2], cell))
        rc.run(cells)
        if not rc.cycles:
            g.values.update(rc.memo)
            if stats is not None:
                stats["incremental"] += 1
            return
    cells = formula_cells(ss)
    g = FormulaIndex.build(ss, cells)
    indexes[ss.spreadsheet_id] = g
    if not cells:
        return
    rc = Recalc(ss, emulator, stats)
    rc.run(cells)
    g.values = rc.memo
    g.cyclic = rc.cycles > 0
    if stats is not None:
        stats["full"] += 1


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

    def __init__(self, ss: SpreadsheetState, emulator: Any, stats: Counter[str] | None = None, *,
                 known: dict[Key, Any] | None = None, dirty: set[Key] | None = None) -> None:
        self.ss = ss
        self.stats = stats
        self.known = known  # with ``dirty``: formulas outside it keep these values
        self.dirty = dirty
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
        if self.dirty is not None and key not in self.dirty and self.known is not None and key in self.known:
            return self.known[key]
        if key in self.active:
            self.cycles += 1
            return CIRCULAR
        self.active.add(key)
        try:
            ctx = Context(self.resolve_ref, self.resolve_name, self._now, self.loc, s.title)
            if self.stats is not None:
                self.stats["evaluated"] += 1
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
