"""batchUpdate request kinds that change cell content: updateCells, repeatCell, updateBorders,
findReplace, copyPaste, cutPaste, sortRange, appendCells.

Cells are CellData dicts; a ``fields`` mask names which CellData fields a request sets (a field
named but absent from the given cell is cleared, as Google does). Row and column properties
(developer metadata, pixel sizes) never move with cell content here: sortRange moves CellData
only, as the reference says of sorting.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import TYPE_CHECKING, Any

from . import cellvalues as cv
from . import fields as fieldmask
from . import wire
from .a1 import Resolved, from_grid_range, index_to_col, quote_title
from .errors import ApiError, unsupported
from .formula import shift_formula
from .protection import check_can_edit
from .sheets_values import grow_grid, refresh_formatted

if TYPE_CHECKING:
    from .model import SheetState, SpreadsheetState
    from .rest import Request

SUPPORTED_CELL_FIELDS = {"userEnteredValue", "userEnteredFormat", "note", "dataValidation", "textFormatRuns",
                         "hyperlink", "effectiveValue", "effectiveFormat", "formattedValue"}
WRITABLE_CELL_FIELDS = {"userEnteredValue", "userEnteredFormat", "note", "dataValidation", "textFormatRuns"}


# --- helpers ---------------------------------------------------------------------------------
def _range(ss: SpreadsheetState, gr: Any, where: str) -> Resolved:
    if not isinstance(gr, dict):
        raise ApiError(400, f"{where} is required: give a GridRange with a sheetId.")
    return from_grid_range(ss, gr)


def _inside(res: Resolved, where: str) -> None:
    s = res.sheet
    if res.r1 > s.row_count or res.c1 > s.col_count:
        raise ApiError(400, f"{where} ({quote_title(s.title)}!{index_to_col(res.c0)}{res.r0 + 1}:"
                            f"{index_to_col(max(res.c1 - 1, res.c0))}{res.r1}) exceeds grid limits. "
                            f"Max rows: {s.row_count}, max columns: {s.col_count}")


def _check_cell(cell: Any, where: str) -> dict[str, Any]:
    if not isinstance(cell, dict):
        raise ApiError(400, f"Invalid value at '{where}': expected a CellData object.")
    for k in cell:
        if k not in SUPPORTED_CELL_FIELDS:
            raise unsupported(f"{where}.{k} (CellData fields supported: {', '.join(sorted(WRITABLE_CELL_FIELDS))})")
    uev = cell.get("userEnteredValue")
    if uev is not None:
        if not isinstance(uev, dict) or len(uev) > 1:
            raise ApiError(400, f"Invalid value at '{where}.userEnteredValue': set exactly one of numberValue, "
                                "stringValue, boolValue, formulaValue.")
        if "errorValue" in uev:
            raise ApiError(400, f"Invalid value at '{where}.userEnteredValue': errorValue cannot be entered; "
                                "it is computed by formulas.")
    return cell


def _mask(text: Any, where: str) -> fieldmask.Mask:
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, f"{where}: 'fields' is required and must name the CellData fields to update (for "
                            "example \"userEnteredValue\", \"userEnteredFormat.textFormat.bold\", or \"*\").")
    mask = fieldmask.parse(text)
    if not ("*" in mask and mask["*"] is None):
        fieldmask.check_known(mask, "CellData", where + ".fields")
        for k in mask:
            if k not in WRITABLE_CELL_FIELDS:
                raise ApiError(400, f"{where}: field '{k}' of CellData cannot be written (writable: "
                                    f"{', '.join(sorted(WRITABLE_CELL_FIELDS))}).")
    return mask


def _put(ss: SpreadsheetState, sheet: SheetState, r: int, c: int, src: dict[str, Any], mask: fieldmask.Mask,
         loc: cv.Locale) -> None:
    """Apply ``src`` under ``mask`` to cell (r, c), keeping derived values in step."""
    cell = sheet.get_cell(r, c)
    target = cell if cell is not None else {}
    src = {k: v for k, v in src.items() if k in WRITABLE_CELL_FIELDS}
    formats = "userEnteredFormat" in mask or "*" in mask
    before = wire.format_snapshot(target.get("userEnteredFormat")) if formats else None
    if "*" in mask and mask["*"] is None:
        for k in WRITABLE_CELL_FIELDS:
            target.pop(k, None)
        target.update(copy.deepcopy(src))
    else:
        fieldmask.apply_tree(target, src, mask)  # one parsed mask for many cells
    if formats and target.get("userEnteredFormat"):
        wire.twin_format(target["userEnteredFormat"], before)
    if target.get("note") == "":
        del target["note"]  # an empty note is no note (WorksheetTest.test_worksheet_notes.json: clear_note)
    _derive(target, loc)
    sheet.set_cell(r, c, target if _has_content(target) else None)


def _has_content(cell: dict[str, Any]) -> bool:
    return any(k in cell for k in WRITABLE_CELL_FIELDS)


def _derive(cell: dict[str, Any], loc: cv.Locale) -> None:
    uev = cell.get("userEnteredValue")
    if uev is None:
        for k in ("effectiveValue", "formattedValue"):
            cell.pop(k, None)
        ef = cell.get("effectiveFormat")
        if ef is not None:
            ef.pop("numberFormat", None)
            if not ef:
                cell.pop("effectiveFormat")
        return
    if "formulaValue" in uev:
        if "effectiveValue" in cell:  # recalc refreshes it; keep formattedValue in step with a new format
            cell["formattedValue"] = cv.format_effective(cell["effectiveValue"], cv.number_format_of(cell), loc)
        return
    refresh_formatted(cell, loc)


def _changed(req: Request, n: int) -> None:
    req.changed = True
    req.cells_written += n


def _loc(ss: SpreadsheetState) -> cv.Locale:
    return cv.locale_of(ss.properties)


def _rows_of(rows: Any, where: str) -> list[list[dict[str, Any]]]:
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise ApiError(400, f"Invalid value at '{where}': expected a list of RowData.")
    out = []
    for i, rd in enumerate(rows):
        if not isinstance(rd, dict):
            raise ApiError(400, f"Invalid value at '{where}[{i}]': expected a RowData object.")
        values = rd.get("values") or []
        out.append([_check_cell(v, f"{where}[{i}].values[{j}]") for j, v in enumerate(values)])
    return out


# --- updateCells / repeatCell / appendCells --------------------------------------------------
def update_cells(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    rows = _rows_of(body.get("rows"), "rows")
    mask = _mask(body.get("fields"), "updateCells")
    if ("start" in body) == ("range" in body):
        raise ApiError(400, "updateCells needs exactly one of 'start' (a GridCoordinate) or 'range' (a GridRange).")
    loc = _loc(ss)
    if "range" in body:
        res = _range(ss, body["range"], "range")
        _inside(res, "updateCells range")
        check_can_edit(req, ss, res.sheet, res.r0, res.r1, res.c0, res.c1)
        for i in range(res.rows):
            row = rows[i] if i < len(rows) else []
            for j in range(res.cols):
                _put(ss, res.sheet, res.r0 + i, res.c0 + j, row[j] if j < len(row) else {}, mask, loc)
        _changed(req, res.rows * res.cols)
        return
    start = body["start"]
    sheet = ss.sheet_by_id(start.get("sheetId", 0))
    if sheet is None:
        raise ApiError(400, f"No grid with id: {start.get('sheetId', 0)}")
    r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
    width = max((len(r) for r in rows), default=0)
    res = Resolved(sheet, r0, r0 + len(rows), c0, c0 + width)
    _inside(res, "updateCells")
    check_can_edit(req, ss, sheet, res.r0, res.r1, res.c0, res.c1)
    n = 0
    for i, row in enumerate(rows):
        for j, src in enumerate(row):
            _put(ss, sheet, r0 + i, c0 + j, src, mask, loc)
            n += 1
    _changed(req, n)


def repeat_cell(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    res = _range(ss, body.get("range"), "repeatCell.range")
    _inside(res, "repeatCell range")
    src = _check_cell(body.get("cell") or {}, "cell")
    mask = _mask(body.get("fields"), "repeatCell")
    check_can_edit(req, ss, res.sheet, res.r0, res.r1, res.c0, res.c1)
    loc = _loc(ss)
    formula = (src.get("userEnteredValue") or {}).get("formulaValue")
    for i in range(res.rows):
        for j in range(res.cols):
            cell_src = src
            if formula and (i or j):  # a repeated formula moves its relative references, as a fill does
                cell_src = {**src, "userEnteredValue": {"formulaValue": shift_formula(formula, i, j)}}
            _put(ss, res.sheet, res.r0 + i, res.c0 + j, cell_src, mask, loc)
    _changed(req, res.rows * res.cols)


def last_data_row(sheet: SheetState) -> int:
    """Index after the last row holding any cell content (values, formats or notes)."""
    for r in range(len(sheet.rows) - 1, -1, -1):
        if any(sheet.rows[r][c] for c in range(len(sheet.rows[r]))):
            return r + 1
    return 0


def append_cells(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    if "tableId" in body:
        raise unsupported("appendCells.tableId (tables)")
    sheet = ss.sheet_by_id(body.get("sheetId", 0))
    if sheet is None:
        raise ApiError(400, f"No grid with id: {body.get('sheetId', 0)}")
    rows = _rows_of(body.get("rows"), "rows")
    mask = _mask(body.get("fields"), "appendCells")
    r0 = last_data_row(sheet)
    width = max((len(r) for r in rows), default=0)
    need_rows, need_cols = r0 + len(rows), width
    if need_rows > sheet.row_count or need_cols > sheet.col_count:  # appendCells grows the grid
        grow_grid(req, ss, sheet, max(need_rows, sheet.row_count), max(need_cols, sheet.col_count))
    check_can_edit(req, ss, sheet, r0, r0 + len(rows), 0, max(width, 1))
    loc = _loc(ss)
    n = 0
    for i, row in enumerate(rows):
        for j, src in enumerate(row):
            _put(ss, sheet, r0 + i, j, src, mask, loc)
            n += 1
    _changed(req, n)


# --- updateBorders ---------------------------------------------------------------------------
def update_borders(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    res = _range(ss, body.get("range"), "updateBorders.range")
    _inside(res, "updateBorders range")
    check_can_edit(req, ss, res.sheet, res.r0, res.r1, res.c0, res.c1)
    loc = _loc(ss)
    n = 0

    def put(r: int, c: int, side: str, border: dict[str, Any]) -> None:
        nonlocal n
        cell = res.sheet.cell_for_write(r, c)
        borders = cell.setdefault("userEnteredFormat", {}).setdefault("borders", {})
        if border.get("style") == "NONE":
            borders.pop(side, None)
        else:
            b = copy.deepcopy(border)
            wire.twin(b, "color", "colorStyle")
            b.setdefault("width", {"DOTTED": 1, "DASHED": 1, "SOLID": 1, "SOLID_MEDIUM": 2, "SOLID_THICK": 3,
                                   "DOUBLE": 3}.get(b.get("style", ""), 1))
            borders[side] = b
        if not borders:
            cell["userEnteredFormat"].pop("borders")
            if not cell["userEnteredFormat"]:
                cell.pop("userEnteredFormat")
        _derive(cell, loc)
        n += 1

    sides = {"top": [(res.r0, c) for c in range(res.c0, res.c1)],
             "bottom": [(res.r1 - 1, c) for c in range(res.c0, res.c1)],
             "left": [(r, res.c0) for r in range(res.r0, res.r1)],
             "right": [(r, res.c1 - 1) for r in range(res.r0, res.r1)]}
    for side, cells in sides.items():
        if side in body:
            for r, c in cells:
                put(r, c, side, body[side])
    if "innerHorizontal" in body:
        for r in range(res.r0, res.r1 - 1):
            for c in range(res.c0, res.c1):
                put(r, c, "bottom", body["innerHorizontal"])
                put(r + 1, c, "top", body["innerHorizontal"])
    if "innerVertical" in body:
        for r in range(res.r0, res.r1):
            for c in range(res.c0, res.c1 - 1):
                put(r, c, "right", body["innerVertical"])
                put(r, c + 1, "left", body["innerVertical"])
    for r in range(res.r0, res.r1):  # drop cells left with nothing in them
        for c in range(res.c0, res.c1):
            cell = res.sheet.get_cell(r, c)
            if cell is not None and not _has_content(cell):
                res.sheet.set_cell(r, c, None)
    _changed(req, n)


# --- findReplace -----------------------------------------------------------------------------
def find_replace(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> dict[str, Any]:
    find = body.get("find")
    if not isinstance(find, str) or find == "":
        raise ApiError(400, "findReplace.find must be a non-empty string.")
    replacement = body.get("replacement", "")
    scopes = [k for k in ("range", "sheetId", "allSheets") if k in body and body[k] is not False]
    if len(scopes) != 1:
        raise ApiError(400, "findReplace needs exactly one of range, sheetId or allSheets=true.")
    if "range" in body:
        blocks = [_range(ss, body["range"], "findReplace.range").clamped()]
    elif "sheetId" in body:
        s = ss.sheet_by_id(body["sheetId"])
        if s is None:
            raise ApiError(400, f"No grid with id: {body['sheetId']}")
        blocks = [Resolved(s, 0, s.row_count, 0, s.col_count)]
    else:
        blocks = [Resolved(s, 0, s.row_count, 0, s.col_count) for s in ss.sheets]
    flags = 0 if body.get("matchCase") else re.I
    pattern = find if body.get("searchByRegex") else re.escape(find)
    if body.get("matchEntireCell"):
        pattern = f"^(?:{pattern})$"
    try:
        rx = re.compile(pattern, flags)
    except re.error as e:
        raise ApiError(400, f"findReplace.find is not a valid regular expression: {e}") from None
    repl = _java_replacement(replacement) if body.get("searchByRegex") else replacement.replace("\\", "\\\\")
    loc = _loc(ss)
    counts = {"valuesChanged": 0, "formulasChanged": 0, "occurrencesChanged": 0}
    rows_hit: set[tuple[int, int]] = set()
    sheets_hit: set[int] = set()
    for b in blocks:
        s = b.sheet
        for r in range(b.r0, min(b.r1, len(s.rows))):
            row = s.rows[r]
            for c in range(b.c0, min(b.c1, len(row))):
                cell = row[c]
                uev = (cell or {}).get("userEnteredValue")
                if not cell or not uev:
                    continue
                is_formula = "formulaValue" in uev
                if is_formula and not body.get("includeFormulas"):
                    continue
                text = uev["formulaValue"] if is_formula else cell.get("formattedValue") or \
                    cv.format_effective(uev, cv.number_format_of(cell), loc)
                new, k = rx.subn(repl, text)
                if not k or new == text:
                    continue
                check_can_edit(req, ss, s, r, r + 1, c, c + 1)
                if is_formula:
                    cell["userEnteredValue"] = {"formulaValue": new} if new.startswith("=") else \
                        cv.user_entered_value(new, loc)[0]
                    counts["formulasChanged"] += 1
                elif "stringValue" in uev:
                    cell["userEnteredValue"] = {"stringValue": new}
                else:  # a number or boolean re-reads the replaced text as the UI would
                    cell["userEnteredValue"] = cv.user_entered_value(new, loc)[0]
                _derive(cell, loc)
                counts["valuesChanged"] += 1
                counts["occurrencesChanged"] += k
                rows_hit.add((s.sheet_id, r))
                sheets_hit.add(s.sheet_id)
    if counts["valuesChanged"]:
        _changed(req, counts["valuesChanged"])
    reply = {"occurrencesChanged": counts["occurrencesChanged"], "valuesChanged": counts["valuesChanged"],
             "formulasChanged": counts["formulasChanged"], "rowsChanged": len(rows_hit),
             "sheetsChanged": len(sheets_hit)}
    return {"findReplace": {k: v for k, v in reply.items() if v}}


def _java_replacement(s: str) -> str:
    """Google documents Java-style ``$1`` group references; Python's re wants ``\\1``."""
    return re.sub(r"\$(\d+)", r"\\g<\1>", s.replace("\\", "\\\\"))


# --- copyPaste / cutPaste --------------------------------------------------------------------
PASTE_TYPES = {"PASTE_NORMAL", "PASTE_VALUES", "PASTE_FORMAT", "PASTE_NO_BORDERS", "PASTE_FORMULA",
               "PASTE_DATA_VALIDATION", "PASTE_CONDITIONAL_FORMATTING"}


def _read_block(res: Resolved) -> list[list[dict[str, Any] | None]]:
    return [[copy.deepcopy(res.sheet.get_cell(r, c)) for c in range(res.c0, res.c1)] for r in range(res.r0, res.r1)]


def _paste_cell(dst: dict[str, Any] | None, src: dict[str, Any] | None, paste: str, dr: int, dc: int,
                adjust: bool) -> dict[str, Any] | None:
    src = src or {}
    out = copy.deepcopy(dst) if dst else {}
    computed = src.get("effectiveValue")
    uev = src.get("userEnteredValue")
    if adjust and uev and "formulaValue" in uev:
        src = {**src, "userEnteredValue": {"formulaValue": shift_formula(uev["formulaValue"], dr, dc)}}
        src.pop("effectiveValue", None)
    if paste in ("PASTE_NORMAL", "PASTE_NO_BORDERS"):
        out = {k: copy.deepcopy(v) for k, v in src.items()}
        if paste == "PASTE_NO_BORDERS" and "userEnteredFormat" in out:
            out["userEnteredFormat"].pop("borders", None)
            if dst and "borders" in (dst.get("userEnteredFormat") or {}):
                out["userEnteredFormat"]["borders"] = copy.deepcopy(dst["userEnteredFormat"]["borders"])
    elif paste == "PASTE_VALUES":
        for k in ("userEnteredValue", "effectiveValue", "formattedValue"):
            out.pop(k, None)
        if computed and "errorValue" not in computed:
            out["userEnteredValue"] = copy.deepcopy(computed)
    elif paste == "PASTE_FORMULA":
        for k in ("userEnteredValue", "effectiveValue", "formattedValue"):
            out.pop(k, None)
        if "userEnteredValue" in src:
            out["userEnteredValue"] = copy.deepcopy(src["userEnteredValue"])
    elif paste == "PASTE_FORMAT":
        out.pop("userEnteredFormat", None)
        if "userEnteredFormat" in src:
            out["userEnteredFormat"] = copy.deepcopy(src["userEnteredFormat"])
    elif paste == "PASTE_DATA_VALIDATION":
        out.pop("dataValidation", None)
        if "dataValidation" in src:
            out["dataValidation"] = copy.deepcopy(src["dataValidation"])
    return out if _has_content(out) else None


def _paste(req: Request, ss: SpreadsheetState, block: list[list[dict[str, Any] | None]], src: Resolved,
           dst_sheet: SheetState, r0: int, c0: int, rows: int, cols: int, paste: str, adjust: bool) -> int:
    if paste == "PASTE_CONDITIONAL_FORMATTING":
        raise unsupported("pasteType PASTE_CONDITIONAL_FORMATTING")
    if paste not in PASTE_TYPES:
        raise ApiError(400, f"Invalid value at 'pasteType' (type.googleapis.com/google.apps.sheets.v4.PasteType), "
                            f'"{paste}"')
    dst = Resolved(dst_sheet, r0, r0 + rows, c0, c0 + cols)
    _inside(dst, "destination")
    check_can_edit(req, ss, dst_sheet, dst.r0, dst.r1, dst.c0, dst.c1)
    h, w = len(block), len(block[0]) if block else 0
    loc = _loc(ss)
    for i in range(rows):
        for j in range(cols):
            s_cell = block[i % h][j % w] if h and w else None
            r, c = r0 + i, c0 + j
            new = _paste_cell(dst_sheet.get_cell(r, c), s_cell, paste, r - (src.r0 + i % h), c - (src.c0 + j % w),
                              adjust)
            if new is not None:
                _derive(new, loc)
            dst_sheet.set_cell(r, c, new)
    return rows * cols


def copy_paste(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    src = _range(ss, body.get("source"), "copyPaste.source")
    _inside(src, "source")
    dst = _range(ss, body.get("destination"), "copyPaste.destination")
    orient = body.get("pasteOrientation", "NORMAL")
    if orient not in ("NORMAL", "TRANSPOSE"):
        raise ApiError(400, f"Invalid value at 'paste_orientation', \"{orient}\"")
    block = _read_block(src)
    if orient == "TRANSPOSE":
        block = [list(col) for col in zip(*block, strict=False)] if block else []
    h, w = len(block), len(block[0]) if block else 0
    # Google tiles the source over a larger destination in whole copies, else pastes it once at the corner
    rows = max(h, (dst.rows // h) * h if h else 0) if not dst.open_rows else h
    cols = max(w, (dst.cols // w) * w if w else 0) if not dst.open_cols else w
    n = _paste(req, ss, block, src, dst.sheet, dst.r0, dst.c0, rows, cols, body.get("pasteType", "PASTE_NORMAL"),
               adjust=orient == "NORMAL")
    _changed(req, n)


def cut_paste(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    src = _range(ss, body.get("source"), "cutPaste.source")
    _inside(src, "source")
    coord = body.get("destination") or {}
    sheet = ss.sheet_by_id(coord.get("sheetId", 0))
    if sheet is None:
        raise ApiError(400, f"No grid with id: {coord.get('sheetId', 0)}")
    paste = body.get("pasteType", "PASTE_NORMAL")
    check_can_edit(req, ss, src.sheet, src.r0, src.r1, src.c0, src.c1)
    block = _read_block(src)
    for r in range(src.r0, src.r1):  # the source is emptied (of what was pasted) before the paste lands
        for c in range(src.c0, src.c1):
            if paste in ("PASTE_NORMAL", "PASTE_NO_BORDERS"):
                src.sheet.set_cell(r, c, None)
            else:
                cell = src.sheet.get_cell(r, c)
                if cell:
                    left = _paste_cell(cell, {}, paste, 0, 0, False)
                    src.sheet.set_cell(r, c, left)
    n = _paste(req, ss, block, src, sheet, coord.get("rowIndex", 0), coord.get("columnIndex", 0), src.rows,
               src.cols, paste, adjust=False)
    _changed(req, n)


# --- sortRange -------------------------------------------------------------------------------
def _row_key(k: int, row: tuple[int, list[dict[str, Any] | None]]) -> tuple[int, Any]:
    return _sort_key(row[1][k])


def _sort_key(cell: dict[str, Any] | None) -> tuple[int, Any]:
    ev = (cell or {}).get("effectiveValue") or (cell or {}).get("userEnteredValue")
    if not ev or "formulaValue" in ev:
        return (4, 0)
    if "numberValue" in ev:
        return (0, ev["numberValue"])
    if "stringValue" in ev:
        return (1, ev["stringValue"].lower()) if ev["stringValue"] != "" else (4, 0)
    if "boolValue" in ev:
        return (2, ev["boolValue"])
    return (3, 0)


def sort_range(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    res = _range(ss, body.get("range"), "sortRange.range").clamped()
    specs = body.get("sortSpecs") or []
    if not specs:
        raise ApiError(400, "sortRange.sortSpecs must name at least one column to sort by.")
    for i, sp in enumerate(specs):
        for k in sp:
            if k not in ("dimensionIndex", "sortOrder"):
                raise unsupported(f"sortRange.sortSpecs[{i}].{k} (sorting by colour or data source column)")
        di = sp.get("dimensionIndex", 0)
        if not res.c0 <= di < res.c1:
            raise ApiError(400, f"sortRange.sortSpecs[{i}].dimensionIndex {di} is outside the range's columns "
                                f"{res.c0}..{res.c1 - 1}.")
        if sp.get("sortOrder", "ASCENDING") not in ("ASCENDING", "DESCENDING"):
            raise ApiError(400, f"Invalid value at 'sort_specs[{i}].sort_order', \"{sp.get('sortOrder')}\"")
    check_can_edit(req, ss, res.sheet, res.r0, res.r1, res.c0, res.c1)
    s = res.sheet
    rows = [(r, [s.get_cell(r, c) for c in range(res.c0, res.c1)]) for r in range(res.r0, res.r1)]
    for sp in reversed(specs):  # stable sorts, last key first; blanks stay last either way
        k = sp.get("dimensionIndex", 0) - res.c0
        desc = sp.get("sortOrder", "ASCENDING") == "DESCENDING"
        blanks = [row for row in rows if _sort_key(row[1][k])[0] == 4]
        others = [row for row in rows if _sort_key(row[1][k])[0] != 4]
        others.sort(key=functools.partial(_row_key, k), reverse=desc)
        rows = others + blanks
    loc = _loc(ss)
    for i, (old_r, cells) in enumerate(rows):
        new_r = res.r0 + i
        for j, cell in enumerate(cells):
            if cell is not None and new_r != old_r:
                uev = cell.get("userEnteredValue") or {}
                if "formulaValue" in uev:  # formulas keep pointing at their own row, as Sheets does
                    cell = {**cell, "userEnteredValue": {"formulaValue": shift_formula(uev["formulaValue"],
                                                                                     new_r - old_r, 0)}}
                    _derive(cell, loc)
            s.set_cell(new_r, res.c0 + j, cell)
    _changed(req, res.rows * res.cols)
