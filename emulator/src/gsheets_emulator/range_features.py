"""batchUpdate request kinds for what is attached to ranges: merges, data validation,
conditional-format rules, named ranges and the basic filter."""

from __future__ import annotations

import copy
import hashlib
import re
from typing import TYPE_CHECKING, Any

from . import fields as fieldmask
from .a1 import _LOOKS_LIKE_REF
from .errors import ApiError, unsupported
from .geometry import cell_text
from .protection import check_can_edit
from .ranges import as_int, clean_range, grid_range, sheet_of
from .sheets_cells import sort_range

if TYPE_CHECKING:
    from .model import SheetState, SpreadsheetState
    from .rest import Request


# --- merges -------------------------------------------------------------------------------

def merge_cells(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    sheet, r0, r1, c0, c1 = grid_range(ss, body.get("range"))
    kind = body.get("mergeType", "MERGE_ALL")
    check_can_edit(req, ss, sheet, r0, r1, c0, c1)
    if kind == "MERGE_ALL":
        blocks = [(r0, r1, c0, c1)]
    elif kind == "MERGE_COLUMNS":
        blocks = [(r0, r1, c, c + 1) for c in range(c0, c1)]
    elif kind == "MERGE_ROWS":
        blocks = [(r, r + 1, c0, c1) for r in range(r0, r1)]
    else:
        raise ApiError(400, f"mergeType must be MERGE_ALL, MERGE_COLUMNS or MERGE_ROWS, got {kind!r}.")
    fr, fc = sheet.grid.get("frozenRowCount", 0), sheet.grid.get("frozenColumnCount", 0)
    for a0, a1, b0, b1 in blocks:
        if (a1 - a0) * (b1 - b0) <= 1:
            continue
        if fr and a0 < fr < a1:
            raise ApiError(400, "You can't merge frozen and non-frozen rows.")
        if fc and b0 < fc < b1:
            raise ApiError(400, "You can't merge frozen and non-frozen columns.")
        inside = []
        for m in sheet.merges:
            if _intersects(m, a0, a1, b0, b1, sheet):
                if not _within(m, a0, a1, b0, b1, sheet):
                    raise ApiError(400, "You must select all cells in a merged range to merge or unmerge them.")
                inside.append(m)
        # merging over merges it covers replaces them, as Google does (CellTest.test_merge_cells.json:
        # MERGE_ROWS on A1:B2, then MERGE_ALL on A1:B2 reads back one merge A1:B2)
        sheet.merges[:] = [m for m in sheet.merges if not any(m is x for x in inside)]
        # only the top-left value survives a merge
        for r in range(a0, min(a1, len(sheet.rows))):
            row = sheet.rows[r]
            for c in range(b0, min(b1, len(row))):
                cell = row[c]
                if (r, c) != (a0, b0) and cell:
                    for k in ("userEnteredValue", "effectiveValue", "formattedValue", "textFormatRuns", "hyperlink"):
                        cell.pop(k, None)
                    if not cell:
                        row[c] = None
        sheet.merges.append({"sheetId": sheet.sheet_id, "startRowIndex": a0, "endRowIndex": a1,
                             "startColumnIndex": b0, "endColumnIndex": b1})
    req.changed = True
    return None


def _within(gr: dict[str, Any], r0: int, r1: int, c0: int, c1: int, sheet: SheetState) -> bool:
    return (r0 <= gr.get("startRowIndex", 0) and gr.get("endRowIndex", sheet.row_count) <= r1
            and c0 <= gr.get("startColumnIndex", 0) and gr.get("endColumnIndex", sheet.col_count) <= c1)


def _intersects(gr: dict[str, Any], r0: int, r1: int, c0: int, c1: int, sheet: SheetState) -> bool:
    return (gr.get("startRowIndex", 0) < r1 and r0 < gr.get("endRowIndex", sheet.row_count)
            and gr.get("startColumnIndex", 0) < c1 and c0 < gr.get("endColumnIndex", sheet.col_count))


def unmerge_cells(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    sheet, r0, r1, c0, c1 = grid_range(ss, body.get("range"))
    check_can_edit(req, ss, sheet, r0, r1, c0, c1)
    sheet.merges[:] = [m for m in sheet.merges if not _intersects(m, r0, r1, c0, c1, sheet)]
    req.changed = True
    return None


# --- data validation ----------------------------------------------------------------------

def set_data_validation(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    sheet, r0, r1, c0, c1 = grid_range(ss, body.get("range"))
    if body.get("filteredRowsIncluded"):
        raise unsupported("setDataValidation.filteredRowsIncluded (filtered rows are not modelled).")
    check_can_edit(req, ss, sheet, r0, r1, c0, c1)
    rule = body.get("rule")
    if rule is not None:
        cond = rule.get("condition")
        if not cond or not cond.get("type"):
            raise ApiError(400, "rule.condition.type is required for a data validation rule.")
        _check_condition_values(cond)
    # One rule object for the whole range (cells share it; every write path replaces a cell's rule or copies
    # it before changing a part, see fields.apply_tree): a private copy per cell cost ~1.6 KB, ~25 MB for a
    # template that validates whole columns.
    shared = fieldmask.json_copy(rule) if rule is not None else None
    for r in range(r0, r1):
        for c in range(c0, c1):
            if shared is None:
                cell = sheet.get_cell(r, c)
                if cell and "dataValidation" in cell:
                    del cell["dataValidation"]
                    if not cell:
                        sheet.set_cell(r, c, None)
            else:
                sheet.cell_for_write(r, c)["dataValidation"] = shared
    req.changed = True
    return None


def _check_condition_values(cond: dict[str, Any]) -> None:
    t = cond["type"]
    values = cond.get("values", [])
    if t in ("ONE_OF_LIST",) and not values:
        raise ApiError(400, "ONE_OF_LIST data validation needs at least one value in condition.values.")
    if t in ("ONE_OF_RANGE",) and len(values) != 1:
        raise ApiError(400, "ONE_OF_RANGE data validation needs exactly one range in condition.values.")
    if t == "BOOLEAN" and len(values) > 2:
        raise ApiError(400, "BOOLEAN data validation takes at most two values (checked, unchecked).")


# --- conditional formats ------------------------------------------------------------------

def _rule_sheet(ss: SpreadsheetState, rule: dict[str, Any], where: str) -> SheetState:
    if ("booleanRule" in rule) == ("gradientRule" in rule):
        raise ApiError(400, f"{where} must have exactly one of booleanRule or gradientRule.")
    ranges = rule.get("ranges") or []
    if not ranges:
        raise ApiError(400, f"{where}.ranges must name at least one range.")
    sheets = []
    for i, g in enumerate(ranges):
        s, *_ = grid_range(ss, g, f"{where}.ranges[{i}]")
        ranges[i] = clean_range(g, s)
        sheets.append(s)
    if any(s is not sheets[0] for s in sheets):
        raise ApiError(400, f"All of {where}.ranges must be on the same sheet.")
    return sheets[0]


def add_conditional_format_rule(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    rule = copy.deepcopy(body.get("rule") or {})
    sheet = _rule_sheet(ss, rule, "rule")
    index = as_int(body.get("index", 0), "index")
    if index < 0:
        raise ApiError(400, f"index must be >= 0, got {index}.")
    sheet.conditional_formats.insert(min(index, len(sheet.conditional_formats)), rule)
    req.changed = True
    return None


def _rule_at(ss: SpreadsheetState, body: dict[str, Any]) -> tuple[SheetState, int]:
    sheet = sheet_of(ss, body.get("sheetId"))
    index = as_int(body.get("index", 0), "index")
    if not 0 <= index < len(sheet.conditional_formats):
        raise ApiError(400, f"No conditional format on sheet {sheet.sheet_id} at index {index}.")
    return sheet, index


def update_conditional_format_rule(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> dict[str, Any]:
    sheet, index = _rule_at(ss, body)
    has_rule, has_new = "rule" in body, "newIndex" in body
    if has_rule == has_new:
        raise ApiError(400, "Give exactly one of rule (to replace the rule) or newIndex (to move it).")
    old = sheet.conditional_formats[index]
    req.changed = True
    if has_rule:
        rule = copy.deepcopy(body["rule"])
        target = _rule_sheet(ss, rule, "rule")
        if target is sheet:
            sheet.conditional_formats[index] = rule
        else:
            del sheet.conditional_formats[index]
            target.conditional_formats.insert(min(index, len(target.conditional_formats)), rule)
        return {"updateConditionalFormatRule": {"newRule": copy.deepcopy(rule), "oldRule": copy.deepcopy(old),
                                                "newIndex": index}}
    new_index = as_int(body["newIndex"], "newIndex")
    if not 0 <= new_index < len(sheet.conditional_formats):
        raise ApiError(400, f"newIndex {new_index} is outside 0..{len(sheet.conditional_formats) - 1}.")
    del sheet.conditional_formats[index]
    sheet.conditional_formats.insert(new_index, old)
    return {"updateConditionalFormatRule": {"newRule": copy.deepcopy(old), "oldIndex": index,
                                            "newIndex": new_index}}


def delete_conditional_format_rule(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> dict[str, Any]:
    sheet, index = _rule_at(ss, body)
    rule = sheet.conditional_formats.pop(index)
    req.changed = True
    return {"deleteConditionalFormatRule": {"rule": rule}}


# --- named ranges -------------------------------------------------------------------------

def _check_range_name(ss: SpreadsheetState, name: Any, ignore: dict[str, Any] | None = None) -> None:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_\\][A-Za-z0-9_.]{0,249}", name) \
            or _LOOKS_LIKE_REF.match(name):
        raise ApiError(400, f"Invalid namedRange.name {name!r}: a name starts with a letter or underscore, holds "
                            "only letters, digits, '_' and '.', and must not look like a cell reference (A1, R1C1).")
    for nr in ss.named_ranges:
        if nr is not ignore and nr["name"].lower() == name.lower():
            raise ApiError(400, f"A named range called {name!r} already exists. Please choose another name.")


def add_named_range(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> dict[str, Any]:
    nr = copy.deepcopy(body.get("namedRange") or {})
    _check_range_name(ss, nr.get("name"))
    sheet, *_ = grid_range(ss, nr.get("range"), "namedRange.range")
    nr["range"] = clean_range(nr["range"], sheet)
    if nr.get("namedRangeId"):
        if any(n["namedRangeId"] == nr["namedRangeId"] for n in ss.named_ranges):
            raise ApiError(400, f"A named range with id {nr['namedRangeId']!r} already exists.")
    else:
        nr["namedRangeId"] = _named_range_id(ss)
    ss.named_ranges.append({"namedRangeId": nr["namedRangeId"], "name": nr["name"], "range": nr["range"]})
    req.changed = True
    return {"addNamedRange": {"namedRange": copy.deepcopy(ss.named_ranges[-1])}}


def _named_range_id(ss: SpreadsheetState) -> str:
    n = ss.new_id()
    return hashlib.sha1(f"{ss.spreadsheet_id}:{n}".encode()).hexdigest()[:12]


def _find_named(ss: SpreadsheetState, nid: Any) -> dict[str, Any]:
    for nr in ss.named_ranges:
        if nr["namedRangeId"] == nid:
            return nr
    raise ApiError(400, f"No named range with id: {nid}")


def update_named_range(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    given = body.get("namedRange") or {}
    nr = _find_named(ss, given.get("namedRangeId"))
    if not body.get("fields"):
        raise ApiError(400, "fields is required: name the fields to update, e.g. \"range\" or \"name\".")
    new = copy.deepcopy(nr)
    fieldmask.apply(new, given, body["fields"])
    new["namedRangeId"] = nr["namedRangeId"]
    _check_range_name(ss, new.get("name"), ignore=nr)
    sheet, *_ = grid_range(ss, new.get("range"), "namedRange.range")
    new["range"] = clean_range(new["range"], sheet)
    nr.clear()
    nr.update(new)
    # a protection defined by this name protects the name's new range
    for s in ss.sheets:
        for pr in list(s.protected_ranges):
            if pr.get("namedRangeId") == nr["namedRangeId"]:
                pr["range"] = copy.deepcopy(nr["range"])
                if s is not sheet:
                    s.protected_ranges.remove(pr)
                    sheet.protected_ranges.append(pr)
    req.changed = True
    return None


def delete_named_range(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    nr = _find_named(ss, body.get("namedRangeId"))
    ss.named_ranges.remove(nr)
    for s in ss.sheets:
        for pr in s.protected_ranges:
            if pr.get("namedRangeId") == nr["namedRangeId"]:
                pr.pop("namedRangeId")
    req.changed = True
    return None


# --- basic filter -------------------------------------------------------------------------

def set_basic_filter(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    bf = copy.deepcopy(body.get("filter") or {})
    if "tableId" in bf:
        raise unsupported("filter.tableId (tables are not modelled).")
    sheet, r0, r1, c0, c1 = grid_range(ss, bf.get("range", {"sheetId": 0}), "filter.range")
    # Google keeps the filter's range bounded to the grid it was set on: a whole-sheet filter on a
    # 20x20 sheet reads back 0..20 x 0..20 (WorksheetTest.test_basic_filters.json in burnash/gspread)
    bf["range"] = {"sheetId": sheet.sheet_id, "startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0,
                   "endColumnIndex": c1}
    for key, field in (("filterSpecs", "columnIndex"), ("sortSpecs", "dimensionIndex")):
        for i, spec in enumerate(bf.get(key, [])):
            if "dataSourceColumnReference" in spec:
                raise unsupported(f"filter.{key}[{i}].dataSourceColumnReference")
            col = spec.get(field)
            if col is None or not c0 <= int(col) < c1:
                raise ApiError(400, f"filter.{key}[{i}].{field} must be a column inside filter.range.")
    for k, crit in (bf.get("criteria") or {}).items():
        if not c0 <= int(k) < c1:
            raise ApiError(400, f"filter.criteria key {k} is not a column inside filter.range.")
        _check_criteria(crit, f"filter.criteria[{k}]")
    for i, spec in enumerate(bf.get("filterSpecs", [])):
        _check_criteria(spec.get("filterCriteria") or {}, f"filter.filterSpecs[{i}].filterCriteria")
    if bf.get("sortSpecs"):
        sort_range(req, ss, {"range": {**bf["range"], "startRowIndex": r0 + 1}, "sortSpecs": bf["sortSpecs"]})
    sheet.basic_filter = bf
    _apply_filter(sheet)
    req.changed = True
    return None


def _check_criteria(crit: dict[str, Any], where: str) -> None:
    for k in crit:
        if k not in ("hiddenValues",):
            raise unsupported(f"{where}.{k}: only hiddenValues filter criteria are evaluated by the emulator.")


def _apply_filter(sheet: SheetState) -> None:
    """Rows whose displayed value is one of a column's hiddenValues get hiddenByFilter."""
    for m in sheet.row_meta:
        m.pop("hiddenByFilter", None)
    bf = sheet.basic_filter
    if bf is None:
        return
    g = bf["range"]
    r0 = g.get("startRowIndex", 0) + 1  # the first row holds the headers
    r1 = g.get("endRowIndex", sheet.row_count)
    hidden: dict[int, set[str]] = {int(k): set(v.get("hiddenValues", [])) for k, v in (bf.get("criteria") or {}).items()}
    for spec in bf.get("filterSpecs", []):
        hidden.setdefault(int(spec.get("columnIndex", 0)), set()).update(
            (spec.get("filterCriteria") or {}).get("hiddenValues", []))
    for r in range(r0, r1):
        for c, values in hidden.items():
            if values and cell_text(sheet.get_cell(r, c)) in values:
                sheet.row_meta[r]["hiddenByFilter"] = True
                break


def clear_basic_filter(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    sheet = sheet_of(ss, body.get("sheetId"))
    sheet.basic_filter = None
    _apply_filter(sheet)
    req.changed = True
    return None
