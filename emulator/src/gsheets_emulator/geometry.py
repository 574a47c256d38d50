"""Rows and columns moving, and everything that names positions following them.

Rows and columns are moved as list operations on the grid and on ``row_meta``/``col_meta``,
so cells, data validation and row/column developer metadata travel with them; every other
thing that names positions (merges, protected ranges, conditional-format ranges, named ranges,
the basic filter, frozen counts, formula references) is remapped through one :class:`DimOp`,
the way Google keeps them attached to the same cells. Validating the ranges a request names is
ranges.py's job.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .dimension_groups import follow_dimension_groups
from .formula_refs import follow_dimension_change
from .ranges import COL_KEYS, ROW_KEYS, DimOp

if TYPE_CHECKING:
    from .model import SheetState, SpreadsheetState



def remap_grid_range(gr: dict[str, Any], op: DimOp, sheet: SheetState, count: int) -> bool:
    """Adjust a GridRange dict in place for ``op`` on ``sheet``; False when it no longer exists."""
    if gr.get("sheetId", 0) != sheet.sheet_id:
        return True
    k0, k1 = ROW_KEYS if op.dimension == "ROWS" else COL_KEYS
    if k0 not in gr and k1 not in gr:
        return True  # unbounded along this dimension: untouched
    a = gr.get(k0, 0)
    b = gr.get(k1, count)
    res = op.map_range(a, b, count)
    if res is None:
        return False
    if k0 in gr:
        gr[k0] = res[0]
    if k1 in gr:
        gr[k1] = res[1]
    return True


def apply_dim_op(ss: SpreadsheetState, sheet: SheetState, op: DimOp, *, inherit: int | None = None) -> None:
    """Apply ``op`` to ``sheet`` and everything in ``ss`` that names its positions."""
    rows = op.dimension == "ROWS"
    count = sheet.row_count if rows else sheet.col_count
    meta = sheet.row_meta if rows else sheet.col_meta
    # 1. the grid and dimension metadata
    if op.kind == "insert":
        template = meta[inherit] if inherit is not None and 0 <= inherit < len(meta) else {}
        new_meta = [{k: copy.deepcopy(v) for k, v in template.items() if k == "pixelSize"} for _ in range(op.n)]
        meta[op.at:op.at] = new_meta
        if rows:
            if op.at < len(sheet.rows):
                sheet.rows[op.at:op.at] = [[] for _ in range(op.n)]
            if inherit is not None:
                src_i = inherit if inherit < op.at else inherit + op.n
                src = sheet.rows[src_i] if src_i < len(sheet.rows) else []
                for r in range(op.at, op.at + op.n):
                    for c, cell in enumerate(src):
                        inherited = _inheritable(cell)
                        if inherited:
                            sheet.cell_for_write(r, c).update(inherited)
        else:
            for r, row in enumerate(sheet.rows):
                if op.at < len(row):
                    row[op.at:op.at] = [None] * op.n
                if inherit is not None:
                    src_i = inherit if inherit < op.at else inherit + op.n
                    inherited = _inheritable(row[src_i] if src_i < len(row) else None)
                    if inherited:
                        for c in range(op.at, op.at + op.n):
                            sheet.cell_for_write(r, c).update(copy.deepcopy(inherited))
        new_count = count + op.n
    elif op.kind == "delete":
        del meta[op.at:op.at + op.n]
        if rows:
            del sheet.rows[op.at:op.at + op.n]
        else:
            for row in sheet.rows:
                del row[op.at:op.at + op.n]
        new_count = count - op.n
    else:
        order = op.order(count)
        meta[:] = [meta[i] for i in order]
        if rows:
            padded = sheet.rows + [[] for _ in range(count - len(sheet.rows))]
            sheet.rows[:] = [padded[i] for i in order]
            _trim_rows(sheet)
        else:
            for r, row in enumerate(sheet.rows):
                if len(row) > min(op.at, op.dest):
                    cells = row + [None] * (count - len(row))
                    sheet.rows[r] = [cells[i] for i in order]
                    while sheet.rows[r] and sheet.rows[r][-1] is None:
                        sheet.rows[r].pop()
        new_count = count
    sheet.grid["rowCount" if rows else "columnCount"] = new_count
    # 2. things that name positions
    sheet.merges[:] = [m for m in sheet.merges if remap_grid_range(m, op, sheet, count)]
    sheet.merges[:] = [m for m in sheet.merges if _area(m, sheet) > 1]
    for pr in list(sheet.protected_ranges):
        rng = pr.get("range")
        if rng is not None and not remap_grid_range(rng, op, sheet, count):
            sheet.protected_ranges.remove(pr)
            continue
        pr["unprotectedRanges"] = [u for u in pr.get("unprotectedRanges", []) if remap_grid_range(u, op, sheet, count)]
        if not pr["unprotectedRanges"]:
            del pr["unprotectedRanges"]
    for rule in list(sheet.conditional_formats):
        rule["ranges"] = [g for g in rule.get("ranges", []) if remap_grid_range(g, op, sheet, count)]
        if not rule["ranges"]:
            sheet.conditional_formats.remove(rule)
    for nr in list(ss.named_ranges):
        if not remap_grid_range(nr["range"], op, sheet, count):
            ss.named_ranges.remove(nr)
    if sheet.basic_filter is not None:
        _remap_filter(sheet, op, count)
    _remap_frozen(sheet, op)
    restamp(sheet)
    follow_dimension_change(ss, sheet, op)  # formula references
    follow_dimension_groups(sheet, op)


def restamp(sheet: SheetState) -> None:
    """Rewrite each row/column/sheet developer metadata ``location`` from where it now sits (metadata.py
    keeps it in row_meta/col_meta so it travels with its row or column)."""
    sid = sheet.sheet_id
    for dim, kind, metas in (("ROWS", "ROW", sheet.row_meta), ("COLUMNS", "COLUMN", sheet.col_meta)):
        for i, m in enumerate(metas):
            for dm in m.get("developerMetadata", ()):
                dm["location"] = {"locationType": kind, "dimensionRange": {
                    "sheetId": sid, "dimension": dim, "startIndex": i, "endIndex": i + 1}}
    for dm in sheet.developer_metadata:
        dm["location"] = {"locationType": "SHEET", "sheetId": sid}


def _inheritable(cell: dict[str, Any] | None) -> dict[str, Any]:
    """What a newly inserted row/column takes from its neighbour: format and validation, never content."""
    if not cell:
        return {}
    return {k: copy.deepcopy(cell[k]) for k in ("userEnteredFormat", "effectiveFormat", "dataValidation")
            if k in cell}


def _trim_rows(sheet: SheetState) -> None:
    while sheet.rows and not any(sheet.rows[-1]):
        sheet.rows.pop()


def _area(gr: dict[str, Any], sheet: SheetState) -> int:
    return ((gr.get("endRowIndex", sheet.row_count) - gr.get("startRowIndex", 0))
            * (gr.get("endColumnIndex", sheet.col_count) - gr.get("startColumnIndex", 0)))


def _remap_filter(sheet: SheetState, op: DimOp, count: int) -> None:
    bf = sheet.basic_filter
    assert bf is not None
    if not remap_grid_range(bf.setdefault("range", {"sheetId": sheet.sheet_id}), op, sheet, count):
        sheet.basic_filter = None
        return
    if op.dimension != "COLUMNS":
        return
    # criteria are keyed by absolute column index, filterSpecs/sortSpecs name columns too
    if "criteria" in bf:
        moved = {}
        for k, v in bf["criteria"].items():
            i = _map_one(op, int(k), count)
            if i is not None:
                moved[str(i)] = v
        bf["criteria"] = moved
    for key, field in (("filterSpecs", "columnIndex"), ("sortSpecs", "dimensionIndex")):
        kept = []
        for spec in bf.get(key, []):
            i = _map_one(op, spec.get(field, 0), count)
            if i is not None:
                spec[field] = i
                kept.append(spec)
        if key in bf:
            bf[key] = kept


def _map_one(op: DimOp, i: int, count: int) -> int | None:
    if op.kind == "move":
        order = op.order(max(count, i + 1))
        return order.index(i)
    r = op.map_range(i, i + 1, count)
    return r[0] if r else None


def _remap_frozen(sheet: SheetState, op: DimOp) -> None:
    key = "frozenRowCount" if op.dimension == "ROWS" else "frozenColumnCount"
    frozen = sheet.grid.get(key, 0)
    if not frozen:
        return
    if op.kind == "insert" and op.at < frozen:
        frozen += op.n
    elif op.kind == "delete":
        frozen -= max(0, min(frozen, op.at + op.n) - op.at)
    if frozen:
        sheet.grid[key] = frozen
    else:
        sheet.grid.pop(key, None)


def cell_text(cell: dict[str, Any] | None) -> str:
    """The text a cell shows (formattedValue, else its value) — for sizing and filtering."""
    if not cell:
        return ""
    if "formattedValue" in cell:
        return str(cell["formattedValue"])
    ev = cell.get("effectiveValue") or cell.get("userEnteredValue") or {}
    for v in ev.values():
        return str(v)
    return ""
