"""Rendering a SpreadsheetState as Google's Spreadsheet JSON, as a given user sees it.

Shared by spreadsheets.get/create, getByDataFilter, batchUpdate (``includeSpreadsheetInResponse``)
and copyTo. Google omits empty lists, ``false`` and zero in its JSON (proto3 defaults); so do we.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from . import a1
from . import fields as fieldmask
from .dimension_groups import render as render_groups
from .model import FileState, SheetState, SpreadsheetState
from .wire import DEFAULT_THEME, omit_zero_sheet_ids

if TYPE_CHECKING:
    from .core import Emulator
    from .rest import Request

SPREADSHEET_URL = "https://docs.google.com/spreadsheets/d/{id}/edit"
ROW_PIXELS = 21
COL_PIXELS = 100
PROTECTED_ORDER = ("protectedRangeId", "range", "namedRangeId", "description", "warningOnly", "requestingUserCanEdit",
                   "unprotectedRanges", "editors")
PROPERTY_ORDER = ("sheetId", "title", "index", "sheetType", "gridProperties", "hidden", "tabColor", "tabColorStyle",
                  "rightToLeft")


def render_spreadsheet(emulator: Emulator, f: FileState, user: str, *, grid: list[tuple[SheetState, tuple[int, int, int, int]]]
                       | bool = False, only_sheets: list[SheetState] | None = None) -> dict[str, Any]:
    """The Spreadsheet resource as ``user`` sees it.

    ``grid``: False for no cell data, True for every sheet's whole grid, or a list of
    (sheet, (r0, r1, c0, c1)) windows — then only the sheets named there are listed, each
    with one GridData per window (what ``ranges`` does).
    """
    ss = f.spreadsheet
    assert ss is not None
    out: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id, "properties": fieldmask.json_copy(ss.properties)}
    if "spreadsheetTheme" not in out["properties"]:  # spreadsheets stored before the theme was modelled
        out["properties"]["spreadsheetTheme"] = copy.deepcopy(DEFAULT_THEME)
    windows: dict[int, list[tuple[int, int, int, int]]] = {}
    if isinstance(grid, list):
        for sheet, win in grid:
            windows.setdefault(sheet.sheet_id, []).append(win)
        sheets = [s for s in ss.sheets if s.sheet_id in windows]
    else:
        sheets = list(ss.sheets) if only_sheets is None else only_sheets
    can_edit = emulator.role_of(f, user) in ("writer", "owner", "fileOrganizer", "organizer")
    is_owner = emulator.role_of(f, user) == "owner"
    rendered = []
    for s in sheets:
        sh = render_sheet(s, user, can_edit=can_edit, is_owner=is_owner)
        if grid is True:
            sh["data"] = [render_grid(s, 0, s.row_count, 0, s.col_count)]
        elif isinstance(grid, list):
            sh["data"] = [render_grid(s, *w) for w in windows[s.sheet_id]]
        rendered.append(sh)
    out["sheets"] = rendered
    if ss.named_ranges:
        out["namedRanges"] = omit_zero_sheet_ids(fieldmask.json_copy(ss.named_ranges))
    out["spreadsheetUrl"] = SPREADSHEET_URL.format(id=ss.spreadsheet_id)
    if ss.developer_metadata:
        out["developerMetadata"] = fieldmask.json_copy(ss.developer_metadata)
    return out


def properties_json(s: SheetState) -> dict[str, Any]:
    """A copy of the sheet's SheetProperties in Google's field order."""
    props = fieldmask.json_copy(s.properties)
    ordered = {k: props.pop(k) for k in PROPERTY_ORDER if k in props}
    return {**ordered, **props}


def render_sheet(s: SheetState, user: str, *, can_edit: bool, is_owner: bool) -> dict[str, Any]:
    sh: dict[str, Any] = {"properties": properties_json(s)}
    if s.merges:
        sh["merges"] = fieldmask.json_copy(s.merges)
    if s.conditional_formats:
        sh["conditionalFormats"] = fieldmask.json_copy(s.conditional_formats)
    if s.protected_ranges:
        prs = []
        for pr in s.protected_ranges:
            p = fieldmask.json_copy(pr)
            editors = pr.get("editors", {})
            listed = user.lower() in (u.lower() for u in editors.get("users", []) + editors.get("groups", []))
            mine = is_owner or (can_edit and (listed or pr.get("warningOnly", False)))
            p["requestingUserCanEdit"] = mine
            if not mine:
                p.pop("editors", None)  # editors are only shown to people who may edit the range
            prs.append({k: p[k] for k in PROTECTED_ORDER if k in p})
        sh["protectedRanges"] = prs
    if s.basic_filter is not None:
        sh["basicFilter"] = fieldmask.json_copy(s.basic_filter)
    render_groups(s, sh)
    omit_zero_sheet_ids(sh)  # GridRanges of sheet 0 come without sheetId (developerMetadata is skipped)
    if s.developer_metadata:
        sh["developerMetadata"] = fieldmask.json_copy(s.developer_metadata)
    return sh


def render_grid(s: SheetState, r0: int, r1: int, c0: int, c1: int) -> dict[str, Any]:
    """One GridData: cells of the window with trailing empty cells and rows trimmed, plus dimension metadata."""
    gd: dict[str, Any] = {}
    if r0:
        gd["startRow"] = r0
    if c0:
        gd["startColumn"] = c0
    row_data: list[dict[str, Any]] = []
    last_nonempty = -1
    for r in range(r0, min(r1, len(s.rows))):
        row = s.rows[r]
        values: list[dict[str, Any]] = []
        last = -1
        for c in range(c0, min(c1, len(row))):
            cell = row[c]
            if cell:
                # no copy: the response is serialised at once, and copying every cell of a
                # large sheet would dominate the cost of the call
                values.append(cell)
                last = len(values) - 1
            else:
                values.append({})
        del values[last + 1:]
        row_data.append({"values": values} if values else {})
        if values:
            last_nonempty = len(row_data) - 1
    del row_data[last_nonempty + 1:]
    if row_data:
        gd["rowData"] = row_data
    gd["rowMetadata"] = [render_dimension(s.row_meta[i], ROW_PIXELS) for i in range(r0, min(r1, s.row_count))]
    gd["columnMetadata"] = [render_dimension(s.col_meta[i], COL_PIXELS) for i in range(c0, min(c1, s.col_count))]
    return gd


def render_dimension(meta: dict[str, Any], default_px: int) -> dict[str, Any]:
    out: dict[str, Any] = {"pixelSize": meta.get("pixelSize", default_px)}
    for k, v in meta.items():
        if k != "pixelSize" and v not in (False, None, [], {}):
            out[k] = fieldmask.json_copy(v)
    return out


# --- A1 for ``ranges`` ------------------------------------------------------------------

def resolve_range(ss: SpreadsheetState, text: str) -> tuple[SheetState, tuple[int, int, int, int]]:
    """A ``ranges`` entry (A1 with optional sheet name, or a named range) as (sheet, (r0, r1, c0, c1))."""
    res = a1.resolve(ss, text)
    if res.exceeds_grid():
        raise a1.grid_limit_error(res)
    return res.sheet, (res.r0, res.r1, res.c0, res.c1)


def spreadsheet_response(req: Request, spreadsheet_id: str, ranges: list[str], include_grid: bool,
                         mask_text: str | None) -> dict[str, Any]:
    """What get / getByDataFilter / batchUpdate's includeSpreadsheetInResponse return."""
    f = req.emulator.files[spreadsheet_id]
    ss = f.spreadsheet
    assert ss is not None
    tree = None
    if mask_text:
        tree = fieldmask.parse(mask_text)
        fieldmask.check_known(tree, "Spreadsheet")
        # "includeGridData is ignored if a field mask was set": the mask alone decides
        include_grid = selects_data(tree)
    grid: Any = False
    only: list[SheetState] | None = None
    if ranges:
        windows = [resolve_range(ss, r) for r in ranges]
        if include_grid:
            grid = windows
        else:  # only the sheets the ranges touch are listed
            only = _unique_sheets([s for s, _ in windows])
    elif include_grid:
        grid = True
    out = render_spreadsheet(req.emulator, f, req.user, grid=grid, only_sheets=only)
    return fieldmask.project(out, tree) if tree else out


def _unique_sheets(sheets: list[SheetState]) -> list[SheetState]:
    seen: list[SheetState] = []
    for s in sheets:
        if all(s is not t for t in seen):
            seen.append(s)
    return seen


def selects_data(tree: fieldmask.Mask) -> bool:
    """Does a Spreadsheet field mask reach ``sheets.data`` (``*``, ``sheets``, ``sheets/*``, ``sheets/data``)?"""
    if "*" in tree:
        return True
    if "sheets" not in tree:
        return False
    sheets = tree["sheets"]
    return sheets is None or "data" in sheets or "*" in sheets
