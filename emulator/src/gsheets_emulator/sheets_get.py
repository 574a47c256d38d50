"""spreadsheets.create and spreadsheets.get, and rendering a SpreadsheetState as Google's Spreadsheet JSON.

Rendering lives here because batchUpdate (``includeSpreadsheetInResponse``) and copyTo reuse it.
Google omits empty lists, ``false`` and zero in its JSON (proto3 defaults); so do we.
"""

from __future__ import annotations

import copy
import hashlib
from typing import TYPE_CHECKING, Any

from . import fields as fieldmask
from .errors import ApiError, unknown_field, unsupported
from .model import (
    DEFAULT_COLS,
    DEFAULT_ROWS,
    MAX_CELLS,
    SPREADSHEET_MIME,
    FileState,
    SheetState,
    SpreadsheetState,
)
from .routing import route
from .wire import DEFAULT_THEME, omit_zero_sheet_ids

if TYPE_CHECKING:
    from .core import Emulator, Request

SPREADSHEET_URL = "https://docs.google.com/spreadsheets/d/{id}/edit"
ROW_PIXELS = 21
COL_PIXELS = 100

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

# Query parameters every Google API accepts (system parameters), besides a method's own.
SYSTEM_PARAMS = frozenset({"fields", "key", "prettyPrint", "alt", "$.xgafv", "quotaUser", "access_token",
                           "callback", "upload_protocol", "uploadType", "oauth_token"})

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
PROTECTED_ORDER = ("protectedRangeId", "range", "namedRangeId", "description", "warningOnly", "requestingUserCanEdit",
                   "unprotectedRanges", "editors")
PROPERTY_ORDER = ("sheetId", "title", "index", "sheetType", "gridProperties", "hidden", "tabColor", "tabColorStyle",
                  "rightToLeft")


def check_params(req: Request, allowed: set[str] | frozenset[str]) -> None:
    """Google's 400 for a query parameter the method does not have."""
    for name in req.query:
        if name not in allowed and name not in SYSTEM_PARAMS:
            raise ApiError(400, f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query parameter. '
                                f"Field '{name}' could not be found in request message.")


def check_keys(obj: dict[str, Any], known: set[str], where: str) -> None:
    for k in obj:
        if k not in known:
            raise unknown_field(where, k)


def permission_id(email: str) -> str:
    """A stable numeric permission id for a user, like Drive's."""
    return str(int(hashlib.sha1(email.lower().encode()).hexdigest()[:15], 16))


# --- construction -----------------------------------------------------------------------

def new_sheet_properties(ss: SpreadsheetState, given: dict[str, Any], where: str) -> dict[str, Any]:
    """Validated SheetProperties for a new sheet: unique id and title, defaults filled in."""
    check_keys(given, SHEET_PROPERTY_FIELDS, where)
    props = copy.deepcopy(given)
    if props.get("sheetType", "GRID") != "GRID":
        raise unsupported(f"{where}.sheetType {props['sheetType']!r}: only GRID sheets exist in the emulator.")
    props["sheetType"] = "GRID"
    from .geometry import as_int

    if "sheetId" in props:
        sid = props["sheetId"] = as_int(props["sheetId"], f"{where}.sheetId")
        if sid < 0:
            raise ApiError(400, f"Invalid {where}.sheetId: {sid!r}. A sheet ID must be a non-negative integer.")
        if ss.sheet_by_id(sid) is not None:
            raise ApiError(400, f"A sheet with id {sid} already exists. Please choose a different sheetId, "
                                "or omit it to let the server choose.")
    else:
        props["sheetId"] = _new_sheet_id(ss)
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
    from . import wire

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


def _new_sheet_id(ss: SpreadsheetState) -> int:
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


def new_spreadsheet_file(emulator: Emulator, owner: str, body: dict[str, Any]) -> FileState:
    """A new spreadsheet file owned by ``owner`` from a Spreadsheet body (what spreadsheets.create takes).

    Drive's files.create calls this with ``{"properties": {"title": name}}``. The file is added to
    ``emulator.files``.
    """
    check_keys(body, SPREADSHEET_FIELDS, "spreadsheet")
    props_in = body.get("properties") or {}
    check_keys(props_in, SPREADSHEET_PROPERTY_FIELDS, "spreadsheet.properties")
    props = {"title": "Untitled spreadsheet", "locale": "en_US", "autoRecalc": "ON_CHANGE", "timeZone": "Etc/GMT",
             "defaultFormat": copy.deepcopy(DEFAULT_FORMAT), "spreadsheetTheme": copy.deepcopy(DEFAULT_THEME)}
    props.update(copy.deepcopy(props_in))
    if props["autoRecalc"] not in AUTO_RECALC:
        raise ApiError(400, f"Invalid value at 'spreadsheet.properties.auto_recalc' ({props['autoRecalc']!r}); "
                            f"expected one of {sorted(AUTO_RECALC)}.")
    from .drive import owner_permission

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
    stamp = _stamp(emulator)
    f = FileState(id=file_id, name=props["title"], mime_type=SPREADSHEET_MIME, owner=owner, created_time=stamp,
                  modified_time=stamp, spreadsheet=ss,
                  permissions=[owner_permission(owner)])
    emulator.files[file_id] = f
    if followups:
        from .sheets_batch import apply_requests

        try:
            apply_requests(emulator, owner, f, followups)
        except ApiError as e:
            del emulator.files[file_id]
            if e.message.startswith("Invalid requests["):  # name the spreadsheet part, not our replay
                e.message = "Invalid spreadsheet: " + e.message.split(": ", 1)[-1]
                e.args = (e.message,)
            raise
        except BaseException:
            del emulator.files[file_id]
            raise
    return f


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


def _stamp(emulator: Emulator) -> str:
    from .core import rfc3339

    return rfc3339(emulator.now())


# --- rendering --------------------------------------------------------------------------

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
    from .dimension_groups import render as render_groups

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
    from . import a1

    res = a1.resolve(ss, text)
    if res.exceeds_grid():
        raise a1.grid_limit_error(res)
    return res.sheet, (res.r0, res.r1, res.c0, res.c1)


# --- endpoints --------------------------------------------------------------------------

@route("POST", r"/v4/spreadsheets", api="sheets", name="sheets.spreadsheets.create", access="none", quota="write")
def create(req: Request) -> dict[str, Any]:
    check_params(req, set())
    tree = None
    mask = req.param("fields")
    if mask:  # a bad mask is refused before anything is created
        tree = fieldmask.parse(mask)
        fieldmask.check_known(tree, "Spreadsheet")
    body = fieldmask.drop_nulls(req.json())
    fieldmask.check_body(body, "Spreadsheet", "spreadsheet")
    if req.emulator.is_service_account(req.user):  # it lands in the caller's My Drive: none for a service account
        raise ApiError(403, "The user's Drive storage quota has been exceeded.")
    f = new_spreadsheet_file(req.emulator, req.user, body)
    req.changed = True
    out = render_spreadsheet(req.emulator, f, req.user)
    return fieldmask.project(out, tree) if tree is not None else out


@route("GET", r"/v4/spreadsheets/(?P<spreadsheet_id>[^/:]+)", api="sheets", name="sheets.spreadsheets.get",
       access="reader", quota="read", id_param="spreadsheet_id")
def get(req: Request, spreadsheet_id: str) -> dict[str, Any]:
    check_params(req, {"ranges", "includeGridData", "excludeTablesInBandedRanges", "commentsViewMode"})
    if req.param("commentsViewMode") not in (None, "", "COMMENTS_VIEW_MODE_UNSPECIFIED"):
        raise unsupported("commentsViewMode: comments are not modelled; omit the parameter.")
    _bool_param(req, "excludeTablesInBandedRanges")  # no tables exist here, so it changes nothing
    include = _bool_param(req, "includeGridData")
    return spreadsheet_response(req, spreadsheet_id, req.params("ranges"), include, req.param("fields"))


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


def _bool_param(req: Request, name: str) -> bool:
    v = req.param(name)
    if v is None or v == "":
        return False
    if v.lower() not in ("true", "false"):
        raise ApiError(400, f"Invalid value at '{name}' (TYPE_BOOL), \"{v}\"")
    return v.lower() == "true"


def bool_json(body: dict[str, Any], name: str) -> bool:
    v = body.get(name, False)
    if not isinstance(v, bool):
        raise ApiError(400, f"Invalid value at '{name}' (TYPE_BOOL), {v!r}")
    return v
