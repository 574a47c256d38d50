"""Structural batchUpdate request kinds: sheets (add, delete, duplicate, properties), the
spreadsheet's properties, rows and columns (insert, append, delete, move, properties, auto-resize),
and ``sheets.copyTo``."""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import fields as fieldmask
from . import wire
from .construct import add_sheet_state, check_grid, check_title, new_sheet_properties
from .errors import ApiError, unsupported
from .formula_refs import follow_delete, follow_rename
from .geometry import apply_dim_op, cell_text, restamp
from .protection import check_can_change_sheet, check_can_edit, check_can_insert
from .ranges import COL_KEYS, ROW_KEYS, DimOp, as_int, dim_range, sheet_of
from .recalc import recalc
from .render import COL_PIXELS, ROW_PIXELS, properties_json
from .rest import check_params

if TYPE_CHECKING:
    from .model import SheetState, SpreadsheetState
    from .rest import Request


# --- sheets -------------------------------------------------------------------------------

def add_sheet(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> dict[str, Any]:
    props = new_sheet_properties(ss, body.get("properties") or {}, "properties")
    index = props.pop("index", None)
    if index is not None:
        index = as_int(index, "properties.index")
        if index < 0:
            raise ApiError(400, f"Invalid properties.index {index}: it must be >= 0.")
    sheet = add_sheet_state(ss, props, index)
    _check_frozen(sheet)
    req.changed = True
    return {"addSheet": {"properties": properties_json(sheet)}}


def delete_sheet(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    sheet = sheet_of(ss, body.get("sheetId"))
    check_can_change_sheet(req, ss, sheet)
    if len(ss.sheets) == 1:
        raise ApiError(400, "You can't remove all the sheets in a document.")
    if all(s.properties.get("hidden") for s in ss.sheets if s is not sheet):
        raise ApiError(400, "You can't remove all the visible sheets in a document.")
    ss.sheets.remove(sheet)
    follow_delete(ss, sheet.title)
    ss.named_ranges[:] = [nr for nr in ss.named_ranges if nr["range"].get("sheetId", 0) != sheet.sheet_id]
    ss.reindex()
    req.changed = True
    return None


def duplicate_sheet(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> dict[str, Any]:
    src = sheet_of(ss, body.get("sourceSheetId"))
    props = copy.deepcopy(src.properties)
    props.pop("index", None)
    props.pop("hidden", None)
    given: dict[str, Any] = {k: v for k, v in props.items() if k not in ("sheetId", "title")}
    if "newSheetId" in body:
        given["sheetId"] = as_int(body["newSheetId"], "newSheetId")
    title = body.get("newSheetName")
    if not title:
        title = f"Copy of {src.title}"
        n = 2
        while ss.sheet_by_title(title) is not None:
            title = f"Copy of {src.title} {n}"
            n += 1
    given["title"] = title
    new_props = new_sheet_properties(ss, given, "duplicateSheet")
    index = body.get("insertSheetIndex")
    sheet = add_sheet_state(ss, new_props, as_int(index, "insertSheetIndex") if index is not None else None)
    copy_sheet_content(src, sheet, ss, keep_protection=True, keep_metadata=True)
    req.changed = True
    return {"duplicateSheet": {"properties": properties_json(sheet)}}


def copy_sheet_content(src: SheetState, dst: SheetState, ss: SpreadsheetState, *, keep_protection: bool,
                       keep_metadata: bool) -> None:
    """Cells, dimension properties, merges, conditional formats and the filter of ``src`` onto ``dst``
    (in ``ss``), re-pointed at ``dst``'s sheetId; protections and developer metadata get new ids."""
    dst.rows = copy.deepcopy(src.rows)
    dst.row_meta = [_strip_metadata(m, keep_metadata, ss) for m in src.row_meta]
    dst.col_meta = [_strip_metadata(m, keep_metadata, ss) for m in src.col_meta]
    sid = dst.sheet_id
    dst.merges = [{**copy.deepcopy(m), "sheetId": sid} for m in src.merges]
    for attr in ("row_groups", "col_groups"):  # groups come along (a copy keeps its outline)
        setattr(dst, attr, [{**copy.deepcopy(g), "range": {**g["range"], "sheetId": sid}}
                            for g in getattr(src, attr, None) or []])
    dst.conditional_formats = []
    for rule in src.conditional_formats:
        r = copy.deepcopy(rule)
        for g in r.get("ranges", []):
            g["sheetId"] = sid
        dst.conditional_formats.append(r)
    if src.basic_filter is not None:
        dst.basic_filter = copy.deepcopy(src.basic_filter)
        dst.basic_filter.setdefault("range", {})["sheetId"] = sid
    dst.protected_ranges = []
    if keep_protection:
        for pr in src.protected_ranges:
            p = copy.deepcopy(pr)
            p["protectedRangeId"] = ss.new_id()
            p.pop("namedRangeId", None)
            p["range"] = {**p.get("range", {}), "sheetId": sid}
            for u in p.get("unprotectedRanges", []):
                u["sheetId"] = sid
            dst.protected_ranges.append(p)
    dst.developer_metadata = []
    if keep_metadata:
        for dm in src.developer_metadata:
            d = copy.deepcopy(dm)
            d["metadataId"] = ss.new_id()
            d["location"] = {"locationType": "SHEET", "sheetId": sid}
            dst.developer_metadata.append(d)
    restamp(dst)


def _strip_metadata(meta: dict[str, Any], keep: bool, ss: SpreadsheetState) -> dict[str, Any]:
    m = copy.deepcopy(meta)
    if "developerMetadata" in m:
        if keep:
            for d in m["developerMetadata"]:
                d["metadataId"] = ss.new_id()
        else:
            del m["developerMetadata"]
    return m


def update_sheet_properties(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    given = body.get("properties") or {}
    if "sheetId" not in given:
        raise ApiError(400, "properties.sheetId is required: it names the sheet to update.")
    sheet = sheet_of(ss, given["sheetId"])
    mask = fieldmask.parse(body.get("fields") or "")  if body.get("fields") else None
    if mask is None:
        raise ApiError(400, "fields is required: name the properties to update, e.g. \"title\" or "
                            "\"gridProperties.frozenRowCount\" (\"*\" for all).")
    leaves = fieldmask.paths(mask)
    for p in leaves:
        if p[0] in ("sheetId", "sheetType", "dataSourceSheetProperties"):
            if p[0] == "sheetId" and given.get("sheetId") == sheet.sheet_id:
                continue
            raise ApiError(400, f"Attempting to write read-only field '{'.'.join(p)}' of the sheet properties.")
    new = copy.deepcopy(sheet.properties)
    fieldmask.apply(new, given, body["fields"], where="fields")
    new["sheetId"] = sheet.sheet_id
    new["sheetType"] = sheet.properties.get("sheetType", "GRID")
    if new.get("title") != sheet.title or new.get("hidden", False) != sheet.properties.get("hidden", False):
        check_can_change_sheet(req, ss, sheet, whole_only=True)
    if "title" not in new or not new["title"]:
        raise ApiError(400, "A sheet's title cannot be cleared; give a non-empty properties.title.")
    if new["title"] != sheet.title:
        check_title(ss, new["title"], "properties.title", ignore=sheet)
    if new.get("hidden") and all(s.properties.get("hidden") or s is sheet for s in ss.sheets):
        raise ApiError(400, "You can't hide all the sheets in a document.")
    grid = new.setdefault("gridProperties", {})
    rows = as_int(grid.get("rowCount", sheet.row_count), "properties.gridProperties.rowCount")
    cols = as_int(grid.get("columnCount", sheet.col_count), "properties.gridProperties.columnCount")
    if rows < 1 or cols < 1:
        raise ApiError(400, "A sheet needs at least one row and one column.")
    check_grid(ss, rows, cols, replacing=sheet)
    old_index = sheet.properties.get("index", ss.sheets.index(sheet))
    # resize through the dimension machinery so everything attached to cut rows goes with them
    for dim, want, have in (("ROWS", rows, sheet.row_count), ("COLUMNS", cols, sheet.col_count)):
        if want < have:
            if dim == "ROWS":
                check_can_edit(req, ss, sheet, want, have, 0, sheet.col_count)
            else:
                check_can_edit(req, ss, sheet, 0, sheet.row_count, want, have)
            apply_dim_op(ss, sheet, DimOp("delete", dim, want, have - want))
        elif want > have:
            apply_dim_op(ss, sheet, DimOp("insert", dim, have, want - have))
    grid.update({k: v for k, v in sheet.grid.items() if k in ("rowCount", "columnCount")})
    wire.twin(new, "tabColor", "tabColorStyle", (sheet.properties.get("tabColor"),
                                                 sheet.properties.get("tabColorStyle")))
    wire.tab_color(new)
    for flag in ("hidden", "rightToLeft", "hideGridlines"):
        if new.get(flag) is False:
            del new[flag]
    if grid.get("hideGridlines") is False:
        del grid["hideGridlines"]
    for k in ("frozenRowCount", "frozenColumnCount"):
        if grid.get(k) == 0:
            del grid[k]
    new_index = new.pop("index", old_index)
    if new["title"] != sheet.title:
        follow_rename(ss, sheet.title, new["title"])
    sheet.properties.clear()
    sheet.properties.update(new)
    _check_frozen(sheet)
    if new_index != old_index:
        move_sheet(ss, sheet, as_int(new_index, "properties.index"))
    ss.reindex()
    req.changed = True
    return None


def move_sheet(ss: SpreadsheetState, sheet: SheetState, index: int) -> None:
    """Google counts the target index before the move: to put S1 after S2 of (S1, S2, S3), index is 2."""
    if index < 0:
        raise ApiError(400, f"Invalid sheet index {index}: it must be >= 0.")
    old = ss.sheets.index(sheet)
    ss.sheets.remove(sheet)
    pos = index if index <= old else index - 1
    ss.sheets.insert(min(pos, len(ss.sheets)), sheet)


def _check_frozen(sheet: SheetState) -> None:
    g = sheet.grid
    fr, fc = g.get("frozenRowCount", 0), g.get("frozenColumnCount", 0)
    if fr < 0 or fc < 0:
        raise ApiError(400, "Frozen row and column counts must be >= 0.")
    if fr and fr >= sheet.row_count:
        raise ApiError(400, "You can't freeze all visible rows on the sheet.")
    if fc and fc >= sheet.col_count:
        raise ApiError(400, "You can't freeze all visible columns on the sheet.")
    for m in sheet.merges:
        if fr and m.get("startRowIndex", 0) < fr < m.get("endRowIndex", sheet.row_count):
            raise ApiError(400, "You can't freeze rows which contain only part of a merged cell.")
        if fc and m.get("startColumnIndex", 0) < fc < m.get("endColumnIndex", sheet.col_count):
            raise ApiError(400, "You can't freeze columns which contain only part of a merged cell.")


def update_spreadsheet_properties(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    given = body.get("properties") or {}
    if not body.get("fields"):
        raise ApiError(400, "fields is required: name the properties to update, e.g. \"title\" (\"*\" for all).")
    new = copy.deepcopy(ss.properties)
    fieldmask.apply(new, given, body["fields"])
    if not new.get("title"):
        raise ApiError(400, "A spreadsheet's title cannot be cleared; give a non-empty properties.title.")
    for k, default in (("locale", "en_US"), ("autoRecalc", "ON_CHANGE"), ("timeZone", "Etc/GMT")):
        new.setdefault(k, default)
    tz = new["timeZone"]
    if not _valid_tz(tz):
        raise ApiError(400, f"Invalid properties.timeZone {tz!r}: use a CLDR/IANA name such as Europe/Moscow.")
    ss.properties.clear()
    ss.properties.update(new)
    req.changed = True
    return None


def _valid_tz(name: str) -> bool:
    if re.fullmatch(r"GMT[+-]\d{1,2}(:\d{2})?", name):
        return True
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


# --- dimensions ---------------------------------------------------------------------------

def insert_dimension(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    sheet, dim, start, end = dim_range(ss, body.get("range"), need_end=True)
    count = sheet.row_count if dim == "ROWS" else sheet.col_count
    if start > count:
        raise ApiError(400, f"range.startIndex {start} is after the last {dim.lower()[:-1]} ({count}); "
                            "use appendDimension to add at the end.")
    n = end - start
    if n <= 0:
        raise ApiError(400, "range must span at least one row or column (endIndex > startIndex).")
    before = bool(body.get("inheritFromBefore", False))
    if before and start == 0:
        raise ApiError(400, "Cannot set inheritFromBefore to true when inserting at the start (startIndex 0).")
    if dim == "ROWS":
        check_grid(ss, sheet.row_count + n, sheet.col_count, replacing=sheet)
    else:
        check_grid(ss, sheet.row_count, sheet.col_count + n, replacing=sheet)
    check_can_insert(req, ss, sheet, dim, start)
    inherit = start - 1 if before else (start if start < count else None)
    apply_dim_op(ss, sheet, DimOp("insert", dim, start, n), inherit=inherit)
    req.changed = True
    return None


def append_dimension(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    sheet = sheet_of(ss, body.get("sheetId"))
    dim = body.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise ApiError(400, f"dimension must be ROWS or COLUMNS, got {dim!r}.")
    n = as_int(body.get("length", 0), "length")
    if n <= 0:
        raise ApiError(400, f"length must be a positive number of rows or columns, got {n}.")
    count = sheet.row_count if dim == "ROWS" else sheet.col_count
    if dim == "ROWS":
        check_grid(ss, sheet.row_count + n, sheet.col_count, replacing=sheet)
    else:
        check_grid(ss, sheet.row_count, sheet.col_count + n, replacing=sheet)
    check_can_insert(req, ss, sheet, dim, count)
    apply_dim_op(ss, sheet, DimOp("insert", dim, count, n))
    req.changed = True
    return None


def delete_dimension(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    sheet, dim, start, end = dim_range(ss, body.get("range"))
    count = sheet.row_count if dim == "ROWS" else sheet.col_count
    if end > count:
        raise ApiError(400, f"range.endIndex {end} is beyond the sheet's {count} {dim.lower()}.")
    if end == start:
        return None
    if start == 0 and end == count:
        raise ApiError(400, f"You can't delete all the {dim.lower()} on the sheet.")
    if dim == "ROWS":
        check_can_edit(req, ss, sheet, start, end, 0, sheet.col_count)
    else:
        check_can_edit(req, ss, sheet, 0, sheet.row_count, start, end)
    apply_dim_op(ss, sheet, DimOp("delete", dim, start, end - start))
    _check_frozen_after_delete(sheet)
    req.changed = True
    return None


def _check_frozen_after_delete(sheet: SheetState) -> None:
    g = sheet.grid
    if g.get("frozenRowCount", 0) >= sheet.row_count:
        g["frozenRowCount"] = sheet.row_count - 1
    if g.get("frozenColumnCount", 0) >= sheet.col_count:
        g["frozenColumnCount"] = sheet.col_count - 1
    for k in ("frozenRowCount", "frozenColumnCount"):
        if g.get(k) == 0:
            del g[k]


def move_dimension(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    sheet, dim, start, end = dim_range(ss, body.get("source"), "source", need_end=True)
    count = sheet.row_count if dim == "ROWS" else sheet.col_count
    if end > count:
        raise ApiError(400, f"source.endIndex {end} is beyond the sheet's {count} {dim.lower()}.")
    if "destinationIndex" not in body:
        raise ApiError(400, "destinationIndex is required.")
    dest = as_int(body["destinationIndex"], "destinationIndex")
    if dest < 0 or dest > count:
        raise ApiError(400, f"destinationIndex {dest} is outside the sheet (0..{count}).")
    if end == start or start <= dest <= end:
        return None  # moving a block onto itself changes nothing
    op = DimOp("move", dim, start, end - start, dest)
    lo, hi = min(start, dest), max(end, dest)
    if dim == "ROWS":
        check_can_edit(req, ss, sheet, lo, hi, 0, sheet.col_count)
    else:
        check_can_edit(req, ss, sheet, 0, sheet.row_count, lo, hi)
    for m in sheet.merges:
        k0, k1 = ROW_KEYS if dim == "ROWS" else COL_KEYS
        a, b = m.get(k0, 0), m.get(k1, count)
        if (a < start < b) or (a < end < b):
            raise ApiError(400, "You can't move a part of a merged cell; unmerge it first or move all of it.")
    apply_dim_op(ss, sheet, op)
    req.changed = True
    return None


DIMENSION_PROPERTY_FIELDS = {"pixelSize", "hiddenByUser"}


def update_dimension_properties(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    if "dataSourceSheetRange" in body:
        raise unsupported("updateDimensionProperties.dataSourceSheetRange (data source sheets do not exist here).")
    sheet, dim, start, end = dim_range(ss, body.get("range"))
    count = sheet.row_count if dim == "ROWS" else sheet.col_count
    if end > count:
        raise ApiError(400, f"range.endIndex {end} is beyond the sheet's {count} {dim.lower()}.")
    if not body.get("fields"):
        raise ApiError(400, "fields is required: name the properties to update, e.g. \"pixelSize\".")
    mask = fieldmask.parse(body["fields"])
    for p in fieldmask.paths(mask):
        if p[0] == "*":
            continue
        if p[0] not in DIMENSION_PROPERTY_FIELDS:
            if p[0] in ("hiddenByFilter", "developerMetadata", "dataSourceColumnReference"):
                raise ApiError(400, f"Attempting to write read-only field '{p[0]}' of DimensionProperties; "
                                    "use setBasicFilter / createDeveloperMetadata instead.")
            raise ApiError(400, f"Invalid field '{'.'.join(p)}' in fields: DimensionProperties has no such field.")
    props = dict(body.get("properties") or {})
    for k in list(props):
        if k not in DIMENSION_PROPERTY_FIELDS:
            props.pop(k)
    if "pixelSize" in props:
        px = as_int(props["pixelSize"], "properties.pixelSize")
        if px < 0:
            raise ApiError(400, f"properties.pixelSize must be >= 0, got {px}.")
        props["pixelSize"] = px
    meta = sheet.row_meta if dim == "ROWS" else sheet.col_meta
    star = "*" in mask
    for i in range(start, end):
        m = meta[i]
        keep = {k: v for k, v in m.items() if k not in DIMENSION_PROPERTY_FIELDS}
        cur = {k: v for k, v in m.items() if k in DIMENSION_PROPERTY_FIELDS}
        if star:
            cur = copy.deepcopy(props)
        else:
            fieldmask.apply(cur, props, body["fields"])
        if cur.get("hiddenByUser") is False:
            del cur["hiddenByUser"]
        m.clear()
        m.update(keep)
        m.update(cur)
    req.changed = True
    return None


def auto_resize_dimensions(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    """An estimate of Google's fit-to-data: ~7 px per character at the default font, plus padding."""
    if "dataSourceSheetDimensions" in body:
        raise unsupported("autoResizeDimensions.dataSourceSheetDimensions (data source sheets do not exist here).")
    sheet, dim, start, end = dim_range(ss, body.get("dimensions"), "dimensions")
    count = sheet.row_count if dim == "ROWS" else sheet.col_count
    end = min(end, count)
    for i in range(start, end):
        if dim == "COLUMNS":
            texts = [cell_text(row[i]) for row in sheet.rows if i < len(row) and row[i]]
            widths = [max((len(line) for line in t.split("\n")), default=0) for t in texts if t]
            sheet.col_meta[i]["pixelSize"] = max(widths) * 7 + 10 if widths else COL_PIXELS
        else:
            row = sheet.rows[i] if i < len(sheet.rows) else []
            lines = max((cell_text(c).count("\n") + 1 for c in row if c and cell_text(c)), default=1)
            sheet.row_meta[i]["pixelSize"] = ROW_PIXELS if lines <= 1 else 4 + 17 * lines
    req.changed = True
    return None


# --- sheets.copyTo ------------------------------------------------------------------------

def copy_to(req: Request, spreadsheet_id: str, sheet_id: str) -> dict[str, Any]:
    """Copy one sheet into another spreadsheet the caller can edit, as "Copy of <title>".

    Protections and developer metadata stay behind, as Google's copyTo leaves them.
    """
    check_params(req, set())
    body = req.json()
    fieldmask.check_body(body, "CopySheetToAnotherSpreadsheetRequest", "")
    emu = req.emulator
    src_ss = emu.spreadsheet(spreadsheet_id)
    src = sheet_of(src_ss, as_int(sheet_id, "sheetId"))
    dest_id = body.get("destinationSpreadsheetId")
    if not dest_id:
        raise ApiError(400, "destinationSpreadsheetId is required.")
    dest_file = emu.files.get(dest_id)
    if dest_file is None or dest_file.spreadsheet is None:
        raise ApiError(404, f"Requested entity was not found: no spreadsheet {dest_id}.")
    emu.require_role(dest_file, req.user, "writer", "sheets")
    dest = dest_file.spreadsheet
    title = f"Copy of {src.title}"
    n = 2
    while dest.sheet_by_title(title) is not None:
        title = f"Copy of {src.title} {n}"
        n += 1
    given = {k: copy.deepcopy(v) for k, v in src.properties.items() if k not in ("sheetId", "title", "index", "hidden")}
    given["title"] = title
    props = new_sheet_properties(dest, given, "copyTo")
    sheet = add_sheet_state(dest, props)
    copy_sheet_content(src, sheet, dest, keep_protection=False, keep_metadata=False)
    emu.touch(dest_file)
    recalc(dest, emu)
    return properties_json(sheet)
