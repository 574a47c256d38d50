"""spreadsheets.batchUpdate: checking a batch, running its request kinds all-or-nothing, the endpoint.

The kinds (addSheet, updateCells, ...) are listed in batch_kinds.REQUEST_KINDS; each lives in the
module that owns its subject (structure, range_features, protected_ranges, metadata, dimension
groups; cell content in sheets_cells).

A batch is atomic, as Google's is: the spreadsheet is snapshotted first and restored if any
request fails, so a failed batch changes nothing.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from dataclasses import fields as dc_fields
from typing import TYPE_CHECKING, Any

from . import fields as fieldmask
from .batch_kinds import REQUEST_KINDS
from .errors import ApiError, unknown_field, unsupported
from .fields import check_body, drop_nulls, schema_properties
from .metadata import Meter
from .render import spreadsheet_response
from .rest import Request, bool_json, check_params
from .wire import omit_zero_sheet_ids

if TYPE_CHECKING:
    from .core import Emulator
    from .model import FileState

BATCH_FIELDS = {"requests", "includeSpreadsheetInResponse", "responseRanges", "responseIncludeGridData"}


def _known_kinds() -> set[str]:
    props = schema_properties("Request")
    return set(props) if props is not None else set(REQUEST_KINDS)


#: Kinds whose every touched sheet is named by a ``sheetId`` / ``sourceSheetId`` in the request
#: (a GridRange without one means sheet 0). Any other kind snapshots every sheet's cells.
_SHEET_NAMED = {"addSheet", "deleteSheet", "duplicateSheet", "updateSheetProperties", "updateSpreadsheetProperties",
                "insertDimension", "deleteDimension", "appendDimension", "moveDimension", "updateDimensionProperties",
                "autoResizeDimensions", "mergeCells", "unmergeCells", "setDataValidation", "addProtectedRange",
                "updateProtectedRange", "deleteProtectedRange", "addConditionalFormatRule",
                "updateConditionalFormatRule", "deleteConditionalFormatRule", "addNamedRange", "updateNamedRange",
                "deleteNamedRange", "setBasicFilter", "clearBasicFilter", "createDeveloperMetadata",
                "updateDeveloperMetadata", "deleteDeveloperMetadata", "updateCells", "repeatCell", "updateBorders",
                "copyPaste", "cutPaste", "sortRange", "appendCells", "addDimensionGroup", "deleteDimensionGroup",
                "updateDimensionGroup"}


@dataclass
class Snapshot:
    """Enough to put a file back: everything but the grids, plus the grids of the sheets a batch may touch.

    Copying every cell of a large spreadsheet for each batchUpdate would dominate its cost, so
    grids of sheets the batch does not name are kept by reference (nothing writes to them).
    """

    state: bytes
    grids: dict[int, list[Any]]  # sheetId -> the rows list object as it was (untouched sheets)
    copied: dict[int, bytes | list[Any]]  # sheetId -> pickled rows, or a shallow copy for list-only batches


def touched_sheets(requests: list[dict[str, Any]]) -> set[int] | None:
    """sheetIds a batch may write cells of; None when it cannot be told (then: all)."""
    out: set[int] = set()
    for r in requests:
        kind = next(iter(r))
        if kind == "findReplace" and not r[kind].get("allSheets") and "sheetId" in r[kind]:
            out.add(int(r[kind]["sheetId"]))
            continue
        if kind not in _SHEET_NAMED:
            return None
        _collect_ids(r[kind], out)
    return out


_RANGE_KEYS = {"range", "ranges", "start", "source", "destination", "gridRange", "dimensionRange", "dimensions",
               "unprotectedRanges"}

#: Kinds that only move cells between list positions (never change a cell dict in place), so a
#: shallow copy of the row lists is enough to undo them.
_LIST_ONLY = {"addSheet", "deleteSheet", "duplicateSheet", "updateSheetProperties", "updateSpreadsheetProperties",
              "insertDimension", "deleteDimension", "appendDimension", "moveDimension", "updateDimensionProperties",
              "autoResizeDimensions", "unmergeCells", "addProtectedRange", "updateProtectedRange",
              "deleteProtectedRange", "addConditionalFormatRule", "updateConditionalFormatRule",
              "deleteConditionalFormatRule", "addNamedRange", "updateNamedRange", "deleteNamedRange",
              "clearBasicFilter", "createDeveloperMetadata", "updateDeveloperMetadata", "deleteDeveloperMetadata",
              "addDimensionGroup", "deleteDimensionGroup", "updateDimensionGroup"}


# Cell payloads never name sheets; skipping them keeps large updateCells bodies cheap.
_CELL_PAYLOAD_KEYS = {"rows", "cell", "values", "format", "booleanRule", "gradientRule", "editors"}


def _collect_ids(value: Any, out: set[int], under_range: bool = False) -> None:
    if isinstance(value, dict):
        if under_range and "sheetId" not in value and "sourceSheetId" not in value:
            out.add(0)  # a GridRange / DimensionRange without sheetId means the first sheet id, 0
        for k, v in value.items():
            if k in ("sheetId", "sourceSheetId") and isinstance(v, int | str) and str(v).lstrip("-").isdigit():
                out.add(int(v))
            elif k not in _CELL_PAYLOAD_KEYS and isinstance(v, dict | list):
                _collect_ids(v, out, k in _RANGE_KEYS)
    elif isinstance(value, list):
        for v in value:
            _collect_ids(v, out, under_range)


#: Kinds that rewrite references in formulas on every sheet (rows/columns moved, a sheet renamed or
#: deleted): they edit cell dicts in place, beyond the sheets they name.
_REWRITES_FORMULAS = {"insertDimension", "appendDimension", "deleteDimension", "moveDimension", "deleteSheet",
                      "updateSheetProperties"}


def snapshot(f: FileState, sheet_ids: set[int] | None = None, *, shallow: bool = False) -> Snapshot:
    """Snapshot ``f``; only the grids of ``sheet_ids`` (all when None) are copied — row by row
    when ``shallow`` (the batch never edits a cell in place), else cell by cell."""
    ss = f.spreadsheet
    if ss is None:
        return Snapshot(pickle.dumps(f, protocol=pickle.HIGHEST_PROTOCOL), {}, {})
    grids = {s.sheet_id: s.rows for s in ss.sheets}
    copied: dict[int, bytes | list[Any]] = {
        sid: [list(r) for r in rows] if shallow else pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)
        for sid, rows in grids.items() if sheet_ids is None or sid in sheet_ids}
    for s in ss.sheets:
        s.rows = []
    try:
        state = pickle.dumps(f, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        for s in ss.sheets:
            s.rows = grids[s.sheet_id]
    return Snapshot(state, {k: v for k, v in grids.items() if k not in copied}, copied)


def restore(f: FileState, snap: Snapshot) -> None:
    """Put ``f`` back as it was, in place (the core holds a reference to it)."""
    old = pickle.loads(snap.state)
    if old.spreadsheet is not None:
        for s in old.spreadsheet.sheets:
            saved = snap.copied.get(s.sheet_id)
            if saved is None:
                s.rows = snap.grids[s.sheet_id]
            else:
                s.rows = pickle.loads(saved) if isinstance(saved, bytes) else saved
    for fld in dc_fields(f):
        setattr(f, fld.name, getattr(old, fld.name))


def apply_requests(emulator: Emulator, user: str, f: FileState, requests: list[Any],
                   req: Request | None = None) -> list[dict[str, Any]]:
    """Run ``requests`` against ``f`` all-or-nothing; the replies, aligned with the requests."""
    if req is None:
        req = Request(emulator, "POST", f"/v4/spreadsheets/{f.id}:batchUpdate", {}, {}, b"", user)
    if not isinstance(requests, list):
        raise ApiError(400, "Invalid value at 'requests': expected a list of Request objects.")
    known = _known_kinds()
    kinds: list[str] = []
    for i, r in enumerate(requests):
        if not isinstance(r, dict):
            raise ApiError(400, f"Invalid value at 'requests[{i}]': expected a Request object.")
        for k in r:
            if k not in known:
                raise unknown_field(f"requests[{i}]", k)
        if len(r) != 1:
            if not r:
                raise ApiError(400, f"Invalid requests[{i}]: No request set. Set exactly one request kind "
                                    "(for example addSheet or updateCells).")
            raise ApiError(400, f"Invalid requests[{i}]: exactly one request kind may be set, got "
                                f"{', '.join(sorted(r))}. Split them into separate requests.")
        kind = next(iter(r))
        if r[kind] is None:
            r = requests[i] = {kind: {}}
        if kind not in REQUEST_KINDS:
            raise unsupported(f"requests[{i}].{kind} is a valid Sheets v4 request kind that this emulator does "
                              "not implement.")
        if not isinstance(r[kind], dict):
            raise ApiError(400, f"Invalid value at 'requests[{i}].{kind}': expected an object.")
        ref = (schema_properties("Request") or {}).get(kind)
        if ref:
            check_body(r[kind], ref, f"requests[{i}].{kind}")  # also drops JSON nulls
        else:
            drop_nulls(r[kind])
        kinds.append(kind)
    if any(k in _REWRITES_FORMULAS for k in kinds):  # formula cells of any sheet may be edited in place
        snap = snapshot(f)
    else:
        snap = snapshot(f, touched_sheets(requests), shallow=all(k in _LIST_ONLY for k in kinds))
    replies: list[dict[str, Any]] = []
    meter = None  # developer-metadata storage limits and ids in use, for batches that can add metadata
    if f.spreadsheet is not None and any(k in Meter.GROWS for k in kinds):
        meter = Meter(f.spreadsheet, getattr(emulator, "metadata_limit", None))
    try:
        if meter is not None:
            meter.__enter__()
        for i, (r, kind) in enumerate(zip(requests, kinds, strict=True)):
            ss = f.spreadsheet
            assert ss is not None
            try:
                reply = REQUEST_KINDS[kind](req, ss, r[kind])
                if meter is not None:
                    meter.after(kind, reply)
            except ApiError as e:
                if e.code == 400 and not e.message.startswith(("Invalid requests[", "Invalid JSON payload")):
                    e.message = f"Invalid requests[{i}].{kind}: {e.message}"
                    e.args = (e.message,)
                raise
            # a reply may hold stored state: Google's shape is made on a copy
            replies.append(omit_zero_sheet_ids(fieldmask.json_copy(reply)) if reply else {})
    except BaseException:
        restore(f, snap)
        req.changed = False
        raise
    finally:
        if meter is not None:
            meter.__exit__()
    if f.spreadsheet is not None:
        f.name = f.spreadsheet.properties.get("title", f.name)
    return replies


def batch_update(req: Request, spreadsheet_id: str) -> dict[str, Any]:
    check_params(req, set())
    body = req.json()
    for k in body:
        if k not in BATCH_FIELDS:
            raise unknown_field("", k)
    requests = body.get("requests")
    if not requests:
        raise ApiError(400, "Invalid requests: Must specify at least one request.")
    # responseRanges / responseIncludeGridData only matter with includeSpreadsheetInResponse
    include = bool_json(body, "includeSpreadsheetInResponse")
    ranges = body.get("responseRanges") or []
    grid = bool_json(body, "responseIncludeGridData")
    tree = None
    mask_text = req.param("fields")
    if mask_text:  # a bad mask is refused before anything changes
        tree = fieldmask.parse(mask_text)
        fieldmask.check_known(tree, "BatchUpdateSpreadsheetResponse")
    f = req.emulator.files[spreadsheet_id]
    replies = apply_requests(req.emulator, req.user, f, requests, req)
    out: dict[str, Any] = {"spreadsheetId": spreadsheet_id, "replies": replies}
    if include:  # the `fields` parameter, if any, applies to the whole response below
        out["updatedSpreadsheet"] = spreadsheet_response(req, spreadsheet_id, list(ranges), grid, None)
    return fieldmask.project(out, tree) if tree is not None else out

