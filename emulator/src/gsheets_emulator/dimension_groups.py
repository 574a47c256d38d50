"""Row and column groups: addDimensionGroup, deleteDimensionGroup, updateDimensionGroup.

Google's model (AddDimensionGroupRequest / DeleteDimensionGroupRequest references): every row or
column has a group depth; adding a group over [a, b) adds one to the depth of each index in it,
deleting one subtracts one. The groups are the maximal runs of indexes at depth >= d, for each d
("a group [B:D, depth 1] + [C:E] results in groups [B:E, depth 1] and [C:D, depth 2]"). Both
requests answer every group of that dimension after the change; the sheet lists them as
``rowGroups`` / ``columnGroups``, and the first group sets
``gridProperties.rowGroupControlAfter`` (or ``columnGroupControlAfter``) to true, which stays
(WorksheetTest.test_group_rows.json and test_group_columns.json in burnash/gspread).
Groups follow inserted, deleted and moved rows and columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .ranges import DimOp, dim_range
from .wire import omit_zero_sheet_ids

if TYPE_CHECKING:
    from .model import SheetState, SpreadsheetState
    from .rest import Request

MAX_DEPTH = 8  # the Sheets UI nests groups at most eight deep


def groups(sheet: SheetState, dim: str) -> list[dict[str, Any]]:
    """The sheet's DimensionGroups of ``dim`` (a stored list; sheets stored before groups get one)."""
    attr = "row_groups" if dim == "ROWS" else "col_groups"
    got = getattr(sheet, attr, None)
    if got is None:
        got = []
        setattr(sheet, attr, got)
    return got


def _depths(gs: list[dict[str, Any]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for g in gs:
        for i in range(g["range"]["startIndex"], g["range"]["endIndex"]):
            out[i] = max(out.get(i, 0), g["depth"])
    return out


def _rebuild(sheet: SheetState, dim: str, depth: dict[int, int], collapsed: set[tuple[int, int, int]]) -> None:
    """Groups as the runs of each depth level; a group that survives unchanged keeps ``collapsed``."""
    out: list[dict[str, Any]] = []
    top = max(depth.values(), default=0)
    for level in range(1, top + 1):
        runs: list[list[int]] = []
        for i in sorted(i for i, d in depth.items() if d >= level):
            if runs and i == runs[-1][1]:
                runs[-1][1] = i + 1
            else:
                runs.append([i, i + 1])
        for a, b in runs:
            g: dict[str, Any] = {"range": {"sheetId": sheet.sheet_id, "dimension": dim, "startIndex": a,
                                           "endIndex": b}, "depth": level}
            if (a, b, level) in collapsed:
                g["collapsed"] = True
            out.append(g)
    out.sort(key=lambda g: (g["range"]["startIndex"], g["depth"]))
    stored = groups(sheet, dim)
    stored[:] = out


def _collapsed(gs: list[dict[str, Any]]) -> set[tuple[int, int, int]]:
    return {(g["range"]["startIndex"], g["range"]["endIndex"], g["depth"]) for g in gs if g.get("collapsed")}


def _reply(sheet: SheetState, dim: str) -> dict[str, Any]:
    gs = [dict(g, range=dict(g["range"])) for g in groups(sheet, dim)]
    return {"dimensionGroups": omit_zero_sheet_ids(gs)} if gs else {}


def add_dimension_group(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> dict[str, Any]:
    sheet, dim, a, b = dim_range(ss, body.get("range"), "range")
    if b <= a:
        raise ApiError(400, "Invalid range: the group must hold at least one row or column.")
    gs = groups(sheet, dim)
    depth = _depths(gs)
    for i in range(a, b):
        depth[i] = depth.get(i, 0) + 1
        if depth[i] > MAX_DEPTH:
            raise ApiError(400, f"Invalid range: groups cannot be nested more than {MAX_DEPTH} deep.")
    _rebuild(sheet, dim, depth, _collapsed(gs))
    key = "rowGroupControlAfter" if dim == "ROWS" else "columnGroupControlAfter"
    sheet.grid.setdefault(key, True)
    req.changed = True
    return {"addDimensionGroup": _reply(sheet, dim)}


def delete_dimension_group(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> dict[str, Any]:
    sheet, dim, a, b = dim_range(ss, body.get("range"), "range")
    gs = groups(sheet, dim)
    depth = _depths(gs)
    if not any(depth.get(i, 0) for i in range(a, b)):
        raise ApiError(400, "Invalid range: there is no group in the given range to delete.")
    for i in range(a, b):
        if depth.get(i, 0):
            depth[i] -= 1
    _rebuild(sheet, dim, depth, _collapsed(gs))
    req.changed = True
    return {"deleteDimensionGroup": _reply(sheet, dim)}


def update_dimension_group(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    dg = body.get("dimensionGroup") or {}
    fields = body.get("fields")
    if not fields:
        raise ApiError(400, "fields is required: name the DimensionGroup fields to update, e.g. \"collapsed\".")
    sheet, dim, a, b = dim_range(ss, dg.get("range"), "dimensionGroup.range")
    depth = dg.get("depth")
    for g in groups(sheet, dim):
        r = g["range"]
        if (r["startIndex"], r["endIndex"]) == (a, b) and (depth is None or g["depth"] == depth):
            for f in (x.strip() for x in fields.split(",")):
                if f in ("collapsed", "*"):
                    if dg.get("collapsed"):
                        g["collapsed"] = True
                    else:
                        g.pop("collapsed", None)
                elif f != "depth" and f != "range":
                    raise ApiError(400, f"Invalid field '{f}' in fields: only 'collapsed' of a DimensionGroup "
                                        "can be updated.")
            req.changed = True
            return None
    raise ApiError(400, "Invalid dimensionGroup: no group with that range and depth exists.")


def render(sheet: SheetState, out: dict[str, Any]) -> None:
    """Add ``rowGroups`` / ``columnGroups`` to a rendered Sheet."""
    for dim, key in (("ROWS", "rowGroups"), ("COLUMNS", "columnGroups")):
        gs = getattr(sheet, "row_groups" if dim == "ROWS" else "col_groups", None)
        if gs:
            out[key] = omit_zero_sheet_ids([dict(g, range=dict(g["range"])) for g in gs])


def follow_dimension_groups(sheet: SheetState, op: DimOp) -> None:
    """Keep the sheet's row/column groups on the same rows/columns after ``op`` (geometry.apply_dim_op)."""
    gs = getattr(sheet, "row_groups" if op.dimension == "ROWS" else "col_groups", None)
    if not gs:
        return
    count = (sheet.row_count if op.dimension == "ROWS" else sheet.col_count)
    before = count - op.n if op.kind == "insert" else count + op.n if op.kind == "delete" else count
    depth: dict[int, int] = {}
    collapsed = set()
    for g in gs:
        res = op.map_range(g["range"]["startIndex"], g["range"]["endIndex"], before)
        if res is None:
            continue
        for i in range(*res):
            depth[i] = max(depth.get(i, 0), g["depth"])
        if g.get("collapsed"):
            collapsed.add((res[0], res[1], g["depth"]))
    _rebuild(sheet, op.dimension, depth, collapsed)

