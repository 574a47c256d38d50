"""spreadsheets.values.*: get, batchGet, update, batchUpdate, append, clear, batchClear and the byDataFilter forms.

Shapes and defaults follow the Sheets v4 reference: responses name ranges in A1 clamped to the
grid, reads trim trailing empty rows and columns, ``null`` in a write skips the cell and ``""``
clears it, a bounded range reaching past the grid is a 400 for reads and writes alike (open
ranges such as ``A:A`` end at the grid's edge; append grows the grid, as Google's does).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, overload

from . import cellvalues as cv
from . import fields as fieldmask
from .a1 import Resolved, from_grid_range, grid_limit_error, index_to_col, resolve, to_a1
from .errors import ApiError, unknown_field
from .metadata import datafilter_ranges
from .protection import check_can_edit
from .recalc import note_written, recalc
from .rest import check_params
from .structure import append_dimension, insert_dimension

if TYPE_CHECKING:
    from .model import SheetState, SpreadsheetState
    from .rest import Request

SS = r"/v4/spreadsheets/(?P<spreadsheet_id>[^/:]+)"
MAJOR = ("ROWS", "COLUMNS")
INSERT_DATA = ("OVERWRITE", "INSERT_ROWS")
VALUE_RANGE_FIELDS = {"range", "majorDimension", "values"}


# --- parameters ------------------------------------------------------------------------------
def _check_params(req: Request, allowed: set[str]) -> None:
    check_params(req, allowed)


@overload
def _enum(value: Any, allowed: tuple[str, ...], name: str, type_name: str, default: str) -> str: ...
@overload
def _enum(value: Any, allowed: tuple[str, ...], name: str, type_name: str, default: None) -> str | None: ...
def _enum(value: Any, allowed: tuple[str, ...], name: str, type_name: str, default: str | None) -> str | None:
    if value is None:
        return default
    if value not in allowed:
        raise ApiError(400, f"Invalid value at '{name}' (type.googleapis.com/google.apps.sheets.v4.{type_name}), "
                            f'"{value}"')
    return value


def _input_option(value: Any) -> str:
    if value is None or value == "INPUT_VALUE_OPTION_UNSPECIFIED":
        raise ApiError(400, "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED. Set valueInputOption to RAW "
                            "or USER_ENTERED.")
    return _enum(value, cv.VALUE_INPUT, "value_input_option", "ValueInputOption", None)  # type: ignore[return-value]


def _render_opts(src: dict[str, Any] | Request, vkey: str = "valueRenderOption",
                 dkey: str = "dateTimeRenderOption") -> tuple[str, str]:
    get = src.param if not isinstance(src, dict) else src.get
    vr = _enum(get(vkey), cv.VALUE_RENDER, _snake(vkey), "ValueRenderOption", "FORMATTED_VALUE")
    dr = _enum(get(dkey), cv.DATETIME_RENDER, _snake(dkey), "DateTimeRenderOption", "SERIAL_NUMBER")
    return vr, dr


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _bool(v: Any, name: str) -> bool:
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    raise ApiError(400, f"Invalid value at '{name}' (TYPE_BOOL), \"{v}\"")


def _mask(req: Request, out: dict[str, Any]) -> dict[str, Any]:
    text = req.param("fields")
    if not text:
        return out
    return fieldmask.project(out, fieldmask.parse(text))


# --- reading ---------------------------------------------------------------------------------
def read_block(ss: SpreadsheetState, res: Resolved, major: str, vr: str, dr: str) -> list[list[Any]]:
    """The values of ``res`` (clamped), trimmed of trailing empty rows/columns like Google's."""
    loc = cv.locale_of(ss.properties)
    s = res.sheet
    c = res.clamped()
    rows: list[list[Any]] = []
    for r in range(c.r0, min(c.r1, len(s.rows))):
        row = s.rows[r]
        out = [cv.render(row[k], vr, dr, loc) if k < len(row) else None for k in range(c.c0, min(c.c1, len(row)))]
        rows.append(out)
    if major == "COLUMNS":
        width = max((len(r) for r in rows), default=0)
        rows = [[r[k] if k < len(r) else None for r in rows] for k in range(width)]
    trimmed: list[list[Any]] = []
    for line in rows:
        end = len(line)
        while end and cv.is_empty_render(line[end - 1]):
            end -= 1
        trimmed.append(["" if v is None else v for v in line[:end]])
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def within_grid(res: Resolved) -> Resolved:
    """Google's 400 for a range reaching past the grid (open ranges end at the grid's edge)."""
    if res.exceeds_grid():
        raise grid_limit_error(res)
    return res


def value_range(ss: SpreadsheetState, res: Resolved, major: str, vr: str, dr: str) -> dict[str, Any]:
    c = within_grid(res)
    out: dict[str, Any] = {"range": c.a1(), "majorDimension": major}
    values = read_block(ss, res, major, vr, dr)
    if values:
        out["values"] = values
    return out


def values_get(req: Request, spreadsheet_id: str, rng: str) -> dict[str, Any]:
    _check_params(req, {"majorDimension", "valueRenderOption", "dateTimeRenderOption"})
    ss = req.emulator.spreadsheet(spreadsheet_id)
    major = _enum(req.param("majorDimension"), MAJOR, "major_dimension", "Dimension", "ROWS")
    vr, dr = _render_opts(req)
    return _mask(req, value_range(ss, resolve(ss, rng), major, vr, dr))


def values_batch_get(req: Request, spreadsheet_id: str) -> dict[str, Any]:
    _check_params(req, {"ranges", "majorDimension", "valueRenderOption", "dateTimeRenderOption"})
    ss = req.emulator.spreadsheet(spreadsheet_id)
    major = _enum(req.param("majorDimension"), MAJOR, "major_dimension", "Dimension", "ROWS")
    vr, dr = _render_opts(req)
    resolved = [resolve(ss, r) for r in req.params("ranges")]
    out: dict[str, Any] = {"spreadsheetId": spreadsheet_id}
    if resolved:
        out["valueRanges"] = [value_range(ss, r, major, vr, dr) for r in resolved]
    return _mask(req, out)


# --- writing ---------------------------------------------------------------------------------
def set_cell_value(ss: SpreadsheetState, sheet: SheetState, r: int, c: int, value: Any, input_option: str,
                   loc: cv.Locale) -> bool:
    """Write one input value; ``None`` skips, ``""`` clears the value (formats stay). True if written."""
    if value is None:
        return False
    if isinstance(value, list | dict):
        raise ApiError(400, f"Invalid values[{r}][{c}]: {type(value).__name__} values are not allowed; send a "
                            "string, number or boolean.")
    if value == "":
        cell = sheet.get_cell(r, c)
        if cell:
            for k in ("userEnteredValue", "effectiveValue", "formattedValue"):
                cell.pop(k, None)
            _drop_auto_format(cell)
            if not cell:
                sheet.set_cell(r, c, None)
        return True
    existing = sheet.get_cell(r, c)
    if input_option == "RAW" or (isinstance(value, str) and _is_text_format(existing)):
        uev, fmt = cv.raw_value(value), None  # a cell formatted as plain text keeps what was typed
    else:
        uev, fmt = cv.user_entered_value(value, loc)
    cell = sheet.cell_for_write(r, c)
    store_value(cell, uev, fmt, loc)
    return True


def _is_text_format(cell: dict[str, Any] | None) -> bool:
    nf = cv.number_format_of(cell)
    return bool(nf) and (nf.get("type") == "TEXT" or nf.get("pattern") == "@")  # type: ignore[union-attr]


def store_value(cell: dict[str, Any], uev: dict[str, Any], fmt: dict[str, Any] | None, loc: cv.Locale) -> None:
    """Put a userEnteredValue in a cell and derive effectiveValue/formattedValue (formulas: by recalc)."""
    cell["userEnteredValue"] = uev
    _drop_auto_format(cell)
    if fmt is not None:
        uef = cell.setdefault("userEnteredFormat", {})
        if "numberFormat" not in uef:
            uef["numberFormat"] = fmt
    if "formulaValue" in uev:
        cell.pop("effectiveValue", None)
        cell.pop("formattedValue", None)
        return
    refresh_formatted(cell, loc)


def refresh_formatted(cell: dict[str, Any], loc: cv.Locale) -> None:
    """Derive effectiveValue (a formula's comes from recalc) and formattedValue from the cell."""
    uev = cell.get("userEnteredValue")
    if uev is None:
        cell.pop("effectiveValue", None)
        cell.pop("formattedValue", None)
        return
    if "formulaValue" not in uev:
        cell["effectiveValue"] = dict(uev)
    ev = cell.get("effectiveValue")
    if ev is not None:
        cell["formattedValue"] = cv.format_effective(ev, cv.number_format_of(cell), loc)


def _drop_auto_format(cell: dict[str, Any]) -> None:
    """Forget the number format recalc derived for a formula result (TODAY() shows as a date)."""
    ef = cell.get("effectiveFormat")
    if ef and "numberFormat" in ef:
        ef.pop("numberFormat")
        if not ef:
            cell.pop("effectiveFormat")


def _list_value_error(where: str, got: Any) -> ApiError:
    """Google's 400 for a JSON value where a list was due (WorksheetTest.test_add_validation.json:
    ``"values": "X"`` -> ``Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), "X"``)."""
    msg = f"Invalid value at '{where}' (type.googleapis.com/google.protobuf.ListValue), {json.dumps(got)}"
    return ApiError(400, msg, details=[{"@type": "type.googleapis.com/google.rpc.BadRequest",
                                        "fieldViolations": [{"field": where, "description": msg}]}])


def _matrix(values: Any, major: str, where: str) -> list[list[Any]]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise _list_value_error(where, values)
    for i, r in enumerate(values):
        if not isinstance(r, list):
            raise _list_value_error(f"{where}[{i}]", r)
    if major == "COLUMNS":
        height = max((len(col) for col in values), default=0)
        return [[col[i] if i < len(col) else None for col in values] for i in range(height)]
    return values


def plan_write(ss: SpreadsheetState, res: Resolved, values: list[list[Any]], anchor_ok: bool = True) -> Resolved:
    """The block a write of ``values`` at ``res`` touches; Google's 400s if it does not fit."""
    height = len(values)
    width = max((len(r) for r in values), default=0)
    if res.single_cell and anchor_ok:
        target = Resolved(res.sheet, res.r0, res.r0 + max(height, 1), res.c0, res.c0 + max(width, 1))
    else:
        if height > res.rows and not res.open_rows:
            raise ApiError(400, f"Requested writing within range [{res.a1()}], but tried writing to row "
                                f"[{res.r0 + height}]")
        if width > res.cols and not res.open_cols:
            raise ApiError(400, f"Requested writing within range [{res.a1()}], but tried writing to column "
                                f"[{index_to_col(res.c0 + width - 1)}]")
        target = Resolved(res.sheet, res.r0, res.r0 + max(height, 1), res.c0, res.c0 + max(width, 1))
    if target.exceeds_grid():
        raise grid_limit_error(target)
    return target


def apply_write(req: Request, ss: SpreadsheetState, target: Resolved, values: list[list[Any]],
                input_option: str) -> dict[str, Any]:
    """Write ``values`` at ``target``'s corner; the UpdateValuesResponse counts."""
    loc = cv.locale_of(ss.properties)
    sheet = target.sheet
    cells = 0
    rows_touched: set[int] = set()
    cols_touched: set[int] = set()
    raw = input_option == "RAW"
    for i, line in enumerate(values):
        if not line:
            continue
        r = target.r0 + i
        while len(sheet.rows) <= r:
            sheet.rows.append([])
        row = sheet.rows[r]
        end = target.c0 + len(line)
        if len(row) < end and any(v is not None and v != "" for v in line):
            row.extend([None] * (end - len(row)))
        for j, v in enumerate(line):
            if v is None:
                continue
            c = target.c0 + j
            cell = row[c] if c < len(row) else None
            if type(v) is str and v and (raw or _plain_text(v)) and (cell is None or _plain_cell(cell)):
                # the common case, inlined: text into a cell without formats or derived formats
                if cell is None:
                    row[c] = {"userEnteredValue": {"stringValue": v}, "effectiveValue": {"stringValue": v},
                              "formattedValue": v}
                else:
                    cell["userEnteredValue"] = {"stringValue": v}
                    cell["effectiveValue"] = {"stringValue": v}
                    cell["formattedValue"] = v
            else:
                set_cell_value(ss, sheet, r, c, v, input_option, loc)
            cells += 1
            rows_touched.add(i)
            cols_touched.add(j)
    height = len(values)
    width = max((len(r) for r in values), default=0)
    out: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id,
                           "updatedRange": to_a1(sheet.title, target.r0, target.r0 + max(height, 1), target.c0,
                                                 target.c0 + max(width, 1))}
    if cells:
        out.update(updatedRows=len(rows_touched), updatedColumns=len(cols_touched), updatedCells=cells)
        req.changed = True
        req.cells_written += cells
        note_written(req, ss, sheet, target.r0, target.r0 + height, target.c0, target.c0 + max(width, 1))
    return out


def _plain_text(v: str) -> bool:
    """Text USER_ENTERED would keep as text without looking further (no digits, not a bool, no = or ')."""
    return v[0] not in "='" and not _DIGIT.search(v) and v.strip().upper() not in _BOOL_WORDS


def _plain_cell(cell: dict[str, Any]) -> bool:
    return "effectiveFormat" not in cell and "userEnteredFormat" not in cell


_DIGIT = re.compile(r"\d")
_BOOL_WORDS = {w for loc in cv.LOCALES.values() for w in loc.true + loc.false}


def _check_value_range(vr_body: Any, where: str) -> dict[str, Any]:
    if not isinstance(vr_body, dict):
        raise ApiError(400, f"Invalid value at '{where}': expected a ValueRange object.")
    for k in vr_body:
        if k not in VALUE_RANGE_FIELDS:
            raise unknown_field(where, k)
    return vr_body


def _write_one(req: Request, ss: SpreadsheetState, rng: str, body: dict[str, Any], input_option: str,
               where: str) -> tuple[Resolved, list[list[Any]]]:
    # the body is read (and its JSON types checked) before the range is parsed: a bad range with a
    # non-list "values" answers the values error (WorksheetTest.test_get_values_merge_cells_outside_of_range.json)
    major = _enum(body.get("majorDimension"), MAJOR, "major_dimension", "Dimension", "ROWS")
    values = _matrix(body.get("values"), major, where + ".values")
    res = resolve(ss, rng)
    if body.get("range") is not None and body["range"] != rng:
        other = resolve(ss, body["range"])
        if (other.sheet is not res.sheet or (other.r0, other.r1, other.c0, other.c1) != (res.r0, res.r1, res.c0,
                                                                                          res.c1)):
            raise ApiError(400, f"Invalid {where}: Requested range [{body['range']}] does not match the range in the "
                                f"request URL [{rng}]. Send the same range in both, or omit it from the body.")
    target = plan_write(ss, res, values)
    check_can_edit(req, ss, target.sheet, target.r0, target.r1, target.c0, target.c1)
    return target, values


def _updated_data(req: Request, ss: SpreadsheetState, out: dict[str, Any], major: str, opts: tuple[str, str]) -> None:
    """The values of the block written, after the whole request's writes (one recalculation)."""
    if not req.recalculated:
        recalc(ss, req.emulator, req)
        req.recalculated = True
    res = resolve(ss, out["updatedRange"])
    data = value_range(ss, res, major, *opts)
    data["range"] = out["updatedRange"]
    out["updatedData"] = data


def values_update(req: Request, spreadsheet_id: str, rng: str) -> dict[str, Any]:
    _check_params(req, {"valueInputOption", "includeValuesInResponse", "responseValueRenderOption",
                        "responseDateTimeRenderOption"})
    ss = req.emulator.spreadsheet(spreadsheet_id)
    input_option = _input_option(req.param("valueInputOption"))
    include = _bool(req.param("includeValuesInResponse"), "include_values_in_response")
    opts = _render_opts(req, "responseValueRenderOption", "responseDateTimeRenderOption")
    body = _check_value_range(req.json(), "")
    target, values = _write_one(req, ss, rng, body, input_option, "data")
    out = apply_write(req, ss, target, values, input_option)
    if include:
        _updated_data(req, ss, out, body.get("majorDimension") or "ROWS", opts)
    return _mask(req, out)


BATCH_UPDATE_FIELDS = {"valueInputOption", "data", "includeValuesInResponse", "responseValueRenderOption",
                       "responseDateTimeRenderOption"}


def _totals(ss: SpreadsheetState, responses: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id}
    rows = sum(r.get("updatedRows", 0) for r in responses)
    if rows:
        # rows and columns "where at least one cell was updated" (BatchUpdateValuesResponse): A1:D1 and
        # A4:D4 make 2 rows and 4 columns (WorksheetTest.test_batch_update.json in burnash/gspread)
        row_set: set[tuple[int, int]] = set()
        col_set: set[tuple[int, int]] = set()
        for r in responses:
            if not r.get("updatedCells"):
                continue
            got = resolve(ss, r["updatedRange"])
            sid = got.sheet.sheet_id
            row_set.update((sid, i) for i in range(got.r0, got.r1))
            col_set.update((sid, i) for i in range(got.c0, got.c1))
        out["totalUpdatedRows"] = len(row_set)
        out["totalUpdatedColumns"] = len(col_set)
        out["totalUpdatedCells"] = sum(r.get("updatedCells", 0) for r in responses)
        out["totalUpdatedSheets"] = len({r["updatedRange"].rpartition("!")[0] for r in responses
                                         if r.get("updatedCells")})
    out["responses"] = responses
    return out


def _batch_update_prologue(req: Request, spreadsheet_id: str) -> tuple[Any, dict[str, Any], Any, bool, Any]:
    """What values:batchUpdate and its ByDataFilter twin both read first: the body and its options."""
    _check_params(req, set())
    ss = req.emulator.spreadsheet(spreadsheet_id)
    body = req.json()
    for k in body:
        if k not in BATCH_UPDATE_FIELDS:
            raise unknown_field("", k)
    input_option = _input_option(body.get("valueInputOption"))
    include = _bool(body.get("includeValuesInResponse"), "include_values_in_response")
    opts = _render_opts(body, "responseValueRenderOption", "responseDateTimeRenderOption")
    return ss, body, input_option, include, opts


def values_batch_update(req: Request, spreadsheet_id: str) -> dict[str, Any]:
    ss, body, input_option, include, opts = _batch_update_prologue(req, spreadsheet_id)
    data = body.get("data") or []
    if not isinstance(data, list):
        raise ApiError(400, "Invalid value at 'data': expected a list of ValueRange objects.")
    planned = []
    for i, vr_body in enumerate(data):  # validate everything before writing anything: the batch is atomic
        vr_body = _check_value_range(vr_body, f"data[{i}]")
        if not vr_body.get("range"):
            raise ApiError(400, f"Invalid data[{i}]: range is required.")
        planned.append((vr_body, *_write_one(req, ss, vr_body["range"], vr_body, input_option, f"data[{i}]")))
    responses = [apply_write(req, ss, target, values, input_option) for _, target, values in planned]
    if include:
        for (vr_body, _, _), out in zip(planned, responses, strict=True):
            _updated_data(req, ss, out, vr_body.get("majorDimension") or "ROWS", opts)
    return _mask(req, _totals(ss, responses))


# --- append ----------------------------------------------------------------------------------
def _row_has_value(sheet: SheetState, r: int, c0: int, c1: int) -> bool:
    if r >= len(sheet.rows):
        return False
    row = sheet.rows[r]
    return any(row[c] and "userEnteredValue" in row[c] for c in range(c0, min(c1, len(row))))  # type: ignore[operator]


def find_table(res: Resolved) -> tuple[int, int, int, int] | None:
    """Google's append table detection: the table of contiguous non-empty rows the range touches.

    The first row inside the range holding values (in the range's columns) belongs to the table;
    the table runs up and down from it while rows hold values, also past the range's own last
    row (``A1:D1`` is the usual way to append to a table with a header in row 1). A range with
    no values in it has no table: values go to its top-left cell (that is how gspread's
    ``insert_rows`` and ``insert_cols`` fill the empty row or column they have just inserted —
    Google's recorded answer for ``insert_cols``, appending at ``B1`` of an empty column B between
    filled A and D, is ``updatedRange B1:C4`` with no ``tableRange``). Rows belong to the table by
    the range's own columns; a single-cell range's table then reaches rightwards to the last
    column holding values in those rows. Returns (r0, r1, c0, c1) or None.
    """
    s = res.sheet
    c0 = res.c0
    c1 = s.col_count if res.open_cols else res.c1
    wide = s.col_count if (res.single_cell or res.open_cols) else res.c1
    r_end = min(s.row_count if res.open_rows else res.r1, len(s.rows))
    r = res.r0
    while r < r_end and not _row_has_value(s, r, c0, c1):
        r += 1
    if r >= r_end:
        return None
    t0 = r
    while t0 > 0 and _row_has_value(s, t0 - 1, c0, c1):
        t0 -= 1
    while r < len(s.rows) and _row_has_value(s, r, c0, c1):
        r += 1
    t1 = r
    filled: set[int] = set()
    for rr in range(t0, t1):
        row = s.rows[rr]
        for cc in range(c0, min(wide, len(row))):
            if row[cc] and "userEnteredValue" in row[cc]:  # type: ignore[operator]
                filled.add(cc)
    # A column empty in every row of the table splits it: Google sees two tables side by side. A
    # whole-sheet (or multi-cell) range appends to the last of them, a single cell to the one it
    # starts: after "x", "", "y" in row 1, appending to 'Sheet1' reports tableRange Sheet1!C1 and
    # writes C2:E2, appending to 'Sheet1!A1' reports Sheet1!A1 and writes A2:C2
    # (WorksheetTest.test_append_row_with_empty_value[_and_table_range].json in burnash/gspread).
    runs: list[list[int]] = []
    for cc in sorted(filled):
        if runs and cc == runs[-1][1]:
            runs[-1][1] = cc + 1
        else:
            runs.append([cc, cc + 1])
    if res.single_cell:
        first, last = next((r for r in runs if r[1] > c0), runs[-1])
    else:
        first, last = runs[-1]
    return t0, t1, first, last


def grow_grid(req: Request, ss: SpreadsheetState, sheet: SheetState, rows: int, cols: int) -> None:
    """Grow the grid to at least rows x cols (append does, as Google's does)."""
    add_r, add_c = rows - sheet.row_count, cols - sheet.col_count
    for dim, n in (("ROWS", add_r), ("COLUMNS", add_c)):
        if n <= 0:
            continue
        append_dimension(req, ss, {"sheetId": sheet.sheet_id, "dimension": dim, "length": n})


def _insert_rows(req: Request, ss: SpreadsheetState, sheet: SheetState, at: int, n: int) -> None:
    insert_dimension(req, ss, {"range": {"sheetId": sheet.sheet_id, "dimension": "ROWS", "startIndex": at,
                                         "endIndex": at + n}, "inheritFromBefore": at > 0})


APPEND_PARAMS = {"valueInputOption", "insertDataOption", "includeValuesInResponse", "responseValueRenderOption",
                 "responseDateTimeRenderOption"}


def values_append(req: Request, spreadsheet_id: str, rng: str) -> dict[str, Any]:
    _check_params(req, APPEND_PARAMS)
    ss = req.emulator.spreadsheet(spreadsheet_id)
    input_option = _input_option(req.param("valueInputOption"))
    insert = _enum(req.param("insertDataOption"), INSERT_DATA, "insert_data_option", "InsertDataOption", "OVERWRITE")
    include = _bool(req.param("includeValuesInResponse"), "include_values_in_response")
    opts = _render_opts(req, "responseValueRenderOption", "responseDateTimeRenderOption")
    body = _check_value_range(req.json(), "")
    res = resolve(ss, rng)
    if body.get("range") is not None and body["range"] != rng:
        other = resolve(ss, body["range"])
        if other.sheet is not res.sheet:
            raise ApiError(400, f"Invalid data: Requested range [{body['range']}] does not match the range in the "
                                f"request URL [{rng}]. Send the same range in both, or omit it from the body.")
    major = _enum(body.get("majorDimension"), MAJOR, "major_dimension", "Dimension", "ROWS")
    values = _matrix(body.get("values"), major, "values")
    sheet = res.sheet
    table = find_table(res)
    out: dict[str, Any] = {"spreadsheetId": spreadsheet_id}
    if table is not None:
        t0, t1, tc0, tc1 = table
        out["tableRange"] = to_a1(sheet.title, t0, t1, tc0, tc1)
        start_r, start_c = t1, tc0
    else:
        start_r, start_c = res.r0, res.c0
    height = len(values)
    width = max((len(r) for r in values), default=0)
    if height:
        check_can_edit(req, ss, sheet, start_r, start_r + height, start_c, start_c + max(width, 1))
        if insert == "INSERT_ROWS":
            if start_r > sheet.row_count:
                grow_grid(req, ss, sheet, start_r, sheet.col_count)
            _insert_rows(req, ss, sheet, start_r, height)
        grow_grid(req, ss, sheet, start_r + height, start_c + width)
        target = Resolved(sheet, start_r, start_r + height, start_c, start_c + max(width, 1))
        updates = apply_write(req, ss, target, values, input_option)
        req.changed = True
    else:
        updates = {"spreadsheetId": spreadsheet_id, "updatedRange": to_a1(sheet.title, start_r, start_r + 1, start_c,
                                                                          start_c + 1)}
    if include:
        _updated_data(req, ss, updates, major, opts)
    out["updates"] = updates
    return _mask(req, out)


# --- clear -----------------------------------------------------------------------------------
def clear_block(req: Request, ss: SpreadsheetState, res: Resolved) -> str:
    """Clear values (not formats) in ``res``; returns Google's clearedRange."""
    c = within_grid(res)
    check_can_edit(req, ss, c.sheet, c.r0, c.r1, c.c0, c.c1)
    s = c.sheet
    n = 0
    for r in range(c.r0, min(c.r1, len(s.rows))):
        row = s.rows[r]
        for k in range(c.c0, min(c.c1, len(row))):
            cell = row[k]
            if cell and "userEnteredValue" in cell:
                for key in ("userEnteredValue", "effectiveValue", "formattedValue"):
                    cell.pop(key, None)
                _drop_auto_format(cell)
                if not cell:
                    row[k] = None
                n += 1
    req.changed = True
    req.cells_written += n
    if n:
        note_written(req, ss, s, c.r0, c.r1, c.c0, c.c1)
    return c.a1()


def _empty_body(req: Request) -> None:
    for k in req.json():
        raise unknown_field("", k)


def values_clear(req: Request, spreadsheet_id: str, rng: str) -> dict[str, Any]:
    _check_params(req, set())
    _empty_body(req)
    ss = req.emulator.spreadsheet(spreadsheet_id)
    return _mask(req, {"spreadsheetId": spreadsheet_id, "clearedRange": clear_block(req, ss, resolve(ss, rng))})


def values_batch_clear(req: Request, spreadsheet_id: str) -> dict[str, Any]:
    _check_params(req, set())
    ss = req.emulator.spreadsheet(spreadsheet_id)
    body = req.json()
    for k in body:
        if k != "ranges":
            raise unknown_field("", k)
    resolved = [resolve(ss, r) for r in body.get("ranges") or []]
    for r in resolved:  # all-or-nothing: check every range before clearing any
        c = within_grid(r)
        check_can_edit(req, ss, c.sheet, c.r0, c.r1, c.c0, c.c1)
    out: dict[str, Any] = {"spreadsheetId": spreadsheet_id}
    if resolved:
        out["clearedRanges"] = [clear_block(req, ss, r) for r in resolved]
    return _mask(req, out)


# --- by data filter --------------------------------------------------------------------------
DATA_FILTER_FIELDS = {"developerMetadataLookup", "a1Range", "gridRange"}
LOOKUP_FIELDS = {"locationType", "metadataLocation", "locationMatchingStrategy", "metadataId", "metadataKey",
                 "metadataValue", "visibility"}


def match_data_filter(ss: SpreadsheetState, df: Any, where: str) -> list[Resolved]:
    """The blocks a DataFilter selects (several when developer metadata matches several places)."""
    if not isinstance(df, dict):
        raise ApiError(400, f"Invalid value at '{where}': expected a DataFilter object.")
    for k in df:
        if k not in DATA_FILTER_FIELDS:
            raise unknown_field(where, k)
    if len(df) != 1:
        raise ApiError(400, f"Invalid {where}: set exactly one of developerMetadataLookup, a1Range, gridRange.")
    if "a1Range" in df:
        return [resolve(ss, df["a1Range"])]
    if "gridRange" in df:
        return [from_grid_range(ss, df["gridRange"])]
    lookup = df["developerMetadataLookup"]
    if not isinstance(lookup, dict):
        raise ApiError(400, f"Invalid value at '{where}.developerMetadataLookup': expected an object.")
    for k in lookup:
        if k not in LOOKUP_FIELDS:
            raise unknown_field(where + ".developerMetadataLookup", k)
    if lookup.get("locationMatchingStrategy") not in (None, "EXACT_LOCATION", "INTERSECTING_LOCATION"):
        raise ApiError(400, f"Invalid value at '{where}.developerMetadataLookup.location_matching_strategy' "
                            f"(type.googleapis.com/google.apps.sheets.v4.DeveloperMetadataLookup."
                            f"DeveloperMetadataLocationMatchingStrategy), \"{lookup['locationMatchingStrategy']}\"")
    # the same matching as developerMetadata.search and getByDataFilter, as Resolved blocks
    return [Resolved(s, r0, r1, c0, c1, r0 == 0 and r1 == s.row_count, c0 == 0 and c1 == s.col_count)
            for s, r0, r1, c0, c1 in datafilter_ranges(ss, df)]


BATCH_GET_DF_FIELDS = {"dataFilters", "majorDimension", "valueRenderOption", "dateTimeRenderOption"}


def values_batch_get_by_data_filter(req: Request, spreadsheet_id: str) -> dict[str, Any]:
    _check_params(req, set())
    ss = req.emulator.spreadsheet(spreadsheet_id)
    body = req.json()
    for k in body:
        if k not in BATCH_GET_DF_FIELDS:
            raise unknown_field("", k)
    major = _enum(body.get("majorDimension"), MAJOR, "major_dimension", "Dimension", "ROWS")
    vr, dr = _render_opts(body)
    matched = []
    for i, df in enumerate(body.get("dataFilters") or []):
        for block in match_data_filter(ss, df, f"dataFilters[{i}]"):
            matched.append({"valueRange": value_range(ss, block, major, vr, dr), "dataFilters": [df]})
    out: dict[str, Any] = {"spreadsheetId": spreadsheet_id}
    if matched:
        out["valueRanges"] = matched
    return _mask(req, out)


DF_VALUE_RANGE_FIELDS = {"dataFilter", "majorDimension", "values"}


def values_batch_update_by_data_filter(req: Request, spreadsheet_id: str) -> dict[str, Any]:
    ss, body, input_option, include, opts = _batch_update_prologue(req, spreadsheet_id)
    planned = []
    for i, item in enumerate(body.get("data") or []):
        where = f"data[{i}]"
        if not isinstance(item, dict):
            raise ApiError(400, f"Invalid value at '{where}': expected a DataFilterValueRange object.")
        for k in item:
            if k not in DF_VALUE_RANGE_FIELDS:
                raise unknown_field(where, k)
        major = _enum(item.get("majorDimension"), MAJOR, "major_dimension", "Dimension", "ROWS")
        values = _matrix(item.get("values"), major, where + ".values")
        for block in match_data_filter(ss, item.get("dataFilter"), where + ".dataFilter"):
            target = plan_write(ss, block, values)
            check_can_edit(req, ss, target.sheet, target.r0, target.r1, target.c0, target.c1)
            planned.append((item, major, target, values))
    responses = []
    for _, _, target, values in planned:
        r = apply_write(req, ss, target, values, input_option)
        r.pop("spreadsheetId", None)
        responses.append(r)
    for (item, major, _, _), r in zip(planned, responses, strict=True):
        if include:  # after every write of the request, as Google answers
            _updated_data(req, ss, r, major, opts)
        r["dataFilter"] = item.get("dataFilter")
    out = _totals(ss, responses)
    return _mask(req, out)


def values_batch_clear_by_data_filter(req: Request, spreadsheet_id: str) -> dict[str, Any]:
    _check_params(req, set())
    ss = req.emulator.spreadsheet(spreadsheet_id)
    body = req.json()
    for k in body:
        if k != "dataFilters":
            raise unknown_field("", k)
    blocks = [b for i, df in enumerate(body.get("dataFilters") or [])
              for b in match_data_filter(ss, df, f"dataFilters[{i}]")]
    for b in blocks:
        c = within_grid(b)
        check_can_edit(req, ss, c.sheet, c.r0, c.r1, c.c0, c.c1)
    out: dict[str, Any] = {"spreadsheetId": spreadsheet_id}
    if blocks:
        out["clearedRanges"] = [clear_block(req, ss, b) for b in blocks]
    return _mask(req, out)

