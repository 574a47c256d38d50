"""Building spreadsheets and sheets: validated properties, fresh ids, Google's size limits and defaults.

Shared by spreadsheets.create, Drive's files.create/upload and the addSheet/duplicateSheet kinds,
so it sits below all of them.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from . import wire
from .errors import ApiError, unsupported
from .model import (
    DEFAULT_COLS,
    DEFAULT_ROWS,
    MAX_CELLS,
    SPREADSHEET_MIME,
    FileState,
    SheetState,
    SpreadsheetState,
    rfc3339,
)
from .ranges import as_int
from .rest import check_keys
from .roles import owner_permission
from .wire import DEFAULT_THEME

if TYPE_CHECKING:
    from .core import Emulator

# What Google returns for a spreadsheet created through the API with no properties.
DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {"foregroundColor": {}, "fontFamily": "arial,sans,sans-serif", "fontSize": 10, "bold": False,
                   "italic": False, "strikethrough": False, "underline": False,
                   "foregroundColorStyle": {"rgbColor": {}}},
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}

SPREADSHEET_FIELDS = {"spreadsheetId", "properties", "sheets", "namedRanges", "spreadsheetUrl", "developerMetadata"}
SPREADSHEET_PROPERTY_FIELDS = {"title", "locale", "autoRecalc", "timeZone", "defaultFormat",
                               "iterativeCalculationSettings", "spreadsheetTheme",
                               "importFunctionsExternalUrlAccessAllowed"}
SHEET_FIELDS = {"properties", "data", "merges", "conditionalFormats", "protectedRanges", "basicFilter",
                "developerMetadata"}
SHEET_PROPERTY_FIELDS = {"sheetId", "title", "index", "sheetType", "gridProperties", "hidden", "tabColor",
                         "tabColorStyle", "rightToLeft"}
GRID_PROPERTY_FIELDS = {"rowCount", "columnCount", "frozenRowCount", "frozenColumnCount", "hideGridlines",
                        "rowGroupControlAfter", "columnGroupControlAfter"}
AUTO_RECALC = {"ON_CHANGE", "MINUTE", "HOUR"}


def new_sheet_properties(ss: SpreadsheetState, given: dict[str, Any], where: str) -> dict[str, Any]:
    """Validated SheetProperties for a new sheet: unique id and title, defaults filled in."""
    check_keys(given, SHEET_PROPERTY_FIELDS, where)
    props = copy.deepcopy(given)
    if props.get("sheetType", "GRID") != "GRID":
        raise unsupported(f"{where}.sheetType {props['sheetType']!r}: only GRID sheets exist in the emulator.")
    props["sheetType"] = "GRID"
    if "sheetId" in props:
        sid = props["sheetId"] = as_int(props["sheetId"], f"{where}.sheetId")
        if sid < 0:
            raise ApiError(400, f"Invalid {where}.sheetId: {sid!r}. A sheet ID must be a non-negative integer.")
        if ss.sheet_by_id(sid) is not None:
            raise ApiError(400, f"A sheet with id {sid} already exists. Please choose a different sheetId, "
                                "or omit it to let the server choose.")
    else:
        props["sheetId"] = new_sheet_id(ss)
    title = props.get("title")
    if title is None or title == "":
        n = len(ss.sheets) + 1
        while ss.sheet_by_title(f"Sheet{n}") is not None:
            n += 1
        title = f"Sheet{n}"
    check_title(ss, title, where)
    props["title"] = title
    grid = props.setdefault("gridProperties", {})
    check_keys(grid, GRID_PROPERTY_FIELDS, f"{where}.gridProperties")
    for k, default in (("rowCount", DEFAULT_ROWS), ("columnCount", DEFAULT_COLS), ("frozenRowCount", 0),
                       ("frozenColumnCount", 0)):
        if k in grid or default:
            grid[k] = as_int(grid.get(k, default), f"{where}.gridProperties.{k}")
    for k in ("frozenRowCount", "frozenColumnCount"):
        if grid.get(k) == 0:
            del grid[k]
    check_grid(ss, grid["rowCount"], grid["columnCount"])
    for flag in ("hidden", "rightToLeft"):
        if props.get(flag) is False:
            del props[flag]
    if "tabColor" in props or "tabColorStyle" in props:
        wire.twin(props, "tabColor", "tabColorStyle")
        wire.tab_color(props)
    return props


def check_title(ss: SpreadsheetState, title: str, where: str = "title", *, ignore: SheetState | None = None) -> None:
    if not isinstance(title, str) or not title.strip():
        raise ApiError(400, f"Invalid {where}: a sheet name must not be empty.")
    for s in ss.sheets:
        if s is not ignore and s.title.lower() == title.lower():
            raise ApiError(400, f'A sheet with the name "{title}" already exists. Please enter another name.')


def check_grid(ss: SpreadsheetState, rows: int, cols: int, *,
               replacing: SheetState | None = None) -> None:
    """Google's limits: positive sizes and at most 10,000,000 cells in the whole spreadsheet."""
    if not isinstance(rows, int) or not isinstance(cols, int) or rows < 0 or cols < 0:
        raise ApiError(400, f"Invalid grid size {rows}x{cols}: rowCount and columnCount must be non-negative integers.")
    if cols > 18278:
        raise ApiError(400, f"Invalid grid size: {cols} columns is more than the maximum of 18278.")
    total = sum(s.row_count * s.col_count for s in ss.sheets if s is not replacing) + rows * cols
    if total > MAX_CELLS:
        raise ApiError(400, f"This action would increase the number of cells in the workbook above the limit of "
                            f"{MAX_CELLS} cells.")


def new_sheet_id(ss: SpreadsheetState) -> int:
    """A sheetId not yet used in ``ss``. Google picks large random-looking ids for added sheets; we pick
    deterministic distinct ones."""
    # Google picks large random-looking ids for added sheets; we pick deterministic distinct ones.
    while True:
        sid = (ss.new_id() * 7919 * 104729) % 2_000_000_000
        if sid and ss.sheet_by_id(sid) is None:
            return sid


def add_sheet_state(ss: SpreadsheetState, props: dict[str, Any], index: int | None = None) -> SheetState:
    sheet = SheetState(properties=props)
    sheet.set_size(props["gridProperties"]["rowCount"], props["gridProperties"]["columnCount"])
    if index is None or index > len(ss.sheets):
        index = len(ss.sheets)
    if index < 0:
        raise ApiError(400, f"Invalid sheet index {index}: it must be between 0 and {len(ss.sheets)}.")
    ss.sheets.insert(index, sheet)
    ss.reindex()
    return sheet


def start_spreadsheet_file(emulator: Emulator, owner: str, body: dict[str, Any]
                         ) -> tuple[FileState, list[dict[str, Any]]]:
    """A new spreadsheet file owned by ``owner`` from a Spreadsheet body (what spreadsheets.create takes),
    added to ``emulator.files``, and the batchUpdate requests that would give it the body's sheet parts.

    The caller runs those requests (sheets_get.create_spreadsheet), which keeps this module below
    the batchUpdate machinery.
    """
    check_keys(body, SPREADSHEET_FIELDS, "spreadsheet")
    props_in = body.get("properties") or {}
    check_keys(props_in, SPREADSHEET_PROPERTY_FIELDS, "spreadsheet.properties")
    props: dict[str, Any] = {"title": "Untitled spreadsheet", "locale": "en_US", "autoRecalc": "ON_CHANGE",
                             "timeZone": "Etc/GMT", "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
                             "spreadsheetTheme": copy.deepcopy(DEFAULT_THEME)}
    props.update(copy.deepcopy(props_in))
    if props["autoRecalc"] not in AUTO_RECALC:
        raise ApiError(400, f"Invalid value at 'spreadsheet.properties.auto_recalc' ({props['autoRecalc']!r}); "
                            f"expected one of {sorted(AUTO_RECALC)}.")
    file_id = emulator.new_file_id()
    ss = SpreadsheetState(spreadsheet_id=file_id, properties=props)
    followups: list[dict[str, Any]] = []
    sheets_in = body.get("sheets") or [{}]
    for i, sh in enumerate(sheets_in):
        where = f"spreadsheet.sheets[{i}]"
        check_keys(sh, SHEET_FIELDS, where)
        given = sh.get("properties") or {}
        if "sheetId" not in given and ss.sheet_by_id(0) is None and not any(
                (x.get("properties") or {}).get("sheetId") == 0 for x in sheets_in):
            given = {**given, "sheetId": 0}  # Google's first sheet is sheetId 0
        sp = new_sheet_properties(ss, given, f"{where}.properties")
        sp.pop("index", None)
        add_sheet_state(ss, sp)
        followups.extend(_sheet_followups(sh, sp["sheetId"], where))
    for nr in body.get("namedRanges") or []:
        followups.append({"addNamedRange": {"namedRange": nr}})
    for dm in body.get("developerMetadata") or []:
        followups.append({"createDeveloperMetadata": {"developerMetadata": dm}})
    stamp = rfc3339(emulator.now())
    f = FileState(id=file_id, name=props["title"], mime_type=SPREADSHEET_MIME, owner=owner, created_time=stamp,
                  modified_time=stamp, spreadsheet=ss,
                  permissions=[owner_permission(owner)])
    emulator.files[file_id] = f
    return f, followups


def _sheet_followups(sh: dict[str, Any], sheet_id: int, where: str) -> list[dict[str, Any]]:
    """Sheet parts given at creation, replayed as the batchUpdate requests that would make them."""
    out: list[dict[str, Any]] = []
    for i, gd in enumerate(sh.get("data") or []):
        check_keys(gd, {"startRow", "startColumn", "rowData", "rowMetadata", "columnMetadata"}, f"{where}.data[{i}]")
        r0, c0 = gd.get("startRow", 0), gd.get("startColumn", 0)
        if gd.get("rowData"):
            out.append({"updateCells": {"rows": gd["rowData"], "fields": "*",
                                        "start": {"sheetId": sheet_id, "rowIndex": r0, "columnIndex": c0}}})
        for dim, key, start in (("ROWS", "rowMetadata", r0), ("COLUMNS", "columnMetadata", c0)):
            for j, dp in enumerate(gd.get(key) or []):
                dp = dict(dp)
                for dm in dp.pop("developerMetadata", []) or []:
                    dm = dict(dm)
                    dm["location"] = {"dimensionRange": {"sheetId": sheet_id, "dimension": dim,
                                                         "startIndex": start + j, "endIndex": start + j + 1}}
                    out.append({"createDeveloperMetadata": {"developerMetadata": dm}})
                if dp:
                    out.append({"updateDimensionProperties": {
                        "range": {"sheetId": sheet_id, "dimension": dim, "startIndex": start + j,
                                  "endIndex": start + j + 1},
                        "properties": dp, "fields": ",".join(dp)}})
    for m in sh.get("merges") or []:
        out.append({"mergeCells": {"range": {**m, "sheetId": sheet_id}, "mergeType": "MERGE_ALL"}})
    for rule in sh.get("conditionalFormats") or []:
        out.append({"addConditionalFormatRule": {"rule": rule, "index": 10 ** 9}})
    for pr in sh.get("protectedRanges") or []:
        pr = copy.deepcopy(pr)
        if "range" in pr:
            pr["range"]["sheetId"] = sheet_id
        else:
            pr["range"] = {"sheetId": sheet_id}
        out.append({"addProtectedRange": {"protectedRange": pr}})
    if sh.get("basicFilter"):
        bf = copy.deepcopy(sh["basicFilter"])
        bf.setdefault("range", {})["sheetId"] = sheet_id
        out.append({"setBasicFilter": {"filter": bf}})
    for dm in sh.get("developerMetadata") or []:
        dm = dict(dm)
        dm["location"] = {"sheetId": sheet_id}
        out.append({"createDeveloperMetadata": {"developerMetadata": dm}})
    return out
