"""Writes that land on the row of their task, even when a person reshapes the sheet mid-sync.

The Sheets API has no conditional write, so an A1 address chosen from the ID-check read can point
at another task's row by the time the write arrives. Two things close that gap:

* **Row developer metadata** (``sheetsync.row``, one per task row, visibility DOCUMENT): it moves
  with its row when rows are inserted or deleted above it, so a write addressed by its
  ``metadataId`` (``values:batchUpdateByDataFilter``) follows the row. The ID-check read is a
  ``spreadsheets.get`` of values *and* row metadata (still one call), so each write uses the id of
  the metadata sitting on the task's row right now. Rows without metadata (a sheet synced before
  this existed, a new row) are written by grid position and get their metadata in the structural
  ``:batchUpdate`` after the write.
* **Sorting moves cell content but never row metadata** (Google's reference, and the emulator):
  a sort can still put another task under the address. So every existing row is written as one
  range from column A with ``null`` in the cells left alone (Google skips nulls), its ID cell
  included, and ``includeValuesInResponse`` returns the row as it is *after* the write, in the
  same call. A row whose ID is not the expected one is reported as misplaced: the intended task
  keeps its old base (the next sync pushes again) and the value that fell on the other task is
  recorded as a pending write of ours (the next sync recognises it and restores that task's
  value) - never pulled as a person's edit.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from gspread.utils import a1_to_rowcol

from ..sheets.a1 import a1_range, split
from ..sheets.errors import SheetsError
from .layout import SheetLayout
from .plan import KEY_FIELD

log = logging.getLogger(__name__)

META_ROW = "sheetsync.row"
SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
READ_FIELDS = ("sheets(properties(sheetId,title),data(startRow,rowData(values(effectiveValue)),"
               "rowMetadata(developerMetadata(metadataId,metadataKey))))")
ERROR_TEXT = {  # effectiveValue.errorValue.type -> what an UNFORMATTED_VALUE read shows
    "ERROR": "#ERROR!", "NULL_VALUE": "#NULL!", "DIVIDE_BY_ZERO": "#DIV/0!", "VALUE": "#VALUE!", "REF": "#REF!",
    "NAME": "#NAME?", "NUM": "#NUM!", "N_A": "#N/A", "LOADING": "Loading...",
}

RowAt = tuple[str, int]  # (sheet kind, 1-based row)


def _unformatted(cell: Mapping[str, Any] | None) -> Any:
    """A CellData's effectiveValue as a ``values:batchGet`` with UNFORMATTED_VALUE renders it."""
    ev = (cell or {}).get("effectiveValue") or {}
    if "stringValue" in ev:
        return ev["stringValue"]
    if "numberValue" in ev:
        return ev["numberValue"]
    if "boolValue" in ev:
        return ev["boolValue"]
    if "errorValue" in ev:
        return ERROR_TEXT.get(ev["errorValue"].get("type", "ERROR"), "#ERROR!")
    return ""


def read_with_row_ids(sheets: Any, spreadsheet_id: str, layouts: Mapping[str, SheetLayout]
                      ) -> tuple[dict[str, list[list[Any]]], dict[RowAt, int]]:
    """One ``spreadsheets.get``: each synced sheet's values (shaped like a ``values:batchGet`` answer)
    and the ``metadataId`` of the ``sheetsync.row`` metadata on each row that has one."""
    kinds = {lay.title: kind for kind, lay in layouts.items()}
    data = sheets.get_metadata(spreadsheet_id, READ_FIELDS, ranges=[a1_range(lay.title) for lay in layouts.values()])
    values: dict[str, list[list[Any]]] = {kind: [] for kind in layouts}
    ids: dict[RowAt, int] = {}
    for s in data.get("sheets") or []:
        kind = kinds.get(s.get("properties", {}).get("title"))
        if kind is None:
            continue
        for block in s.get("data") or []:
            start = block.get("startRow", 0)
            grid = []
            for row in block.get("rowData") or []:
                cells = [_unformatted(c) for c in row.get("values") or []]
                while cells and cells[-1] == "":
                    cells.pop()
                grid.append(cells)
            while grid and not grid[-1]:
                grid.pop()
            values[kind] = [[] for _ in range(start)] + grid
            for i, meta in enumerate(block.get("rowMetadata") or []):
                for m in meta.get("developerMetadata") or []:
                    if m.get("metadataKey") == META_ROW and "metadataId" in m:
                        ids.setdefault((kind, start + i + 1), m["metadataId"])
    return values, ids


@dataclass
class Landed:
    """What the values write did, row by row, as its own response shows."""

    misplaced: list[tuple[RowAt, str, str | None]] = field(default_factory=list)  # (where, intended, found)
    gone: list[tuple[RowAt, str]] = field(default_factory=list)  # the row was deleted before the write
    landed: dict[RowAt, int] = field(default_factory=dict)  # where each written row is now (1-based)
    calls: int = 0


def write_rows(sheets: Any, spreadsheet_id: str, layouts: Mapping[str, SheetLayout],
               ranges: Sequence[tuple[str, Sequence[Sequence[Any]]]], keys_now: Mapping[RowAt, str],
               row_ids: Mapping[RowAt, int]) -> Landed:
    """One ``values:batchUpdateByDataFilter`` (RAW) for ``ranges`` (the executor's single-cell A1 writes).

    Cells of a synced sheet's data row are grouped into one write per row, addressed by the row's
    metadata when it has one. A row whose ID cell is left alone must still hold its key from
    ``keys_now`` (the ID-check read) after the write: the response shows it. Other ranges (e.g. the card) are written by their A1 address.
    """
    by_title = {lay.title: kind for kind, lay in layouts.items()}
    rows: dict[RowAt, dict[int, Any]] = {}
    data: list[dict[str, Any]] = []
    for rng, vals in ranges:
        title, ref = split(rng)
        kind = by_title.get(title or "")
        r, c = a1_to_rowcol(ref) if ref and ":" not in ref else (0, 0)
        if kind is None or r < 2 or len(vals) != 1 or len(vals[0]) != 1:
            data.append({"dataFilter": {"a1Range": rng}, "majorDimension": "ROWS", "values": [list(v) for v in vals]})
            continue
        rows.setdefault((kind, r), {})[c - 1] = vals[0][0]
    where: dict[str, RowAt] = {}
    expect: dict[RowAt, str] = {}
    for (kind, r), cells in sorted(rows.items()):
        lay = layouts[kind]
        key_col = lay.columns.get(KEY_FIELD, 0)
        if key_col not in cells and keys_now.get((kind, r)):
            expect[(kind, r)] = keys_now[(kind, r)]
        width = max([*cells, key_col]) + 1
        line = [cells.get(c) for c in range(width)]
        mid = row_ids.get((kind, r))
        if mid is not None:
            df: dict[str, Any] = {"developerMetadataLookup": {"metadataId": mid}}
        else:
            df = {"gridRange": {"sheetId": lay.sheet_id, "startRowIndex": r - 1, "endRowIndex": r,
                                "startColumnIndex": 0, "endColumnIndex": width}}
        where[repr(df)] = (kind, r)
        data.append({"dataFilter": df, "majorDimension": "ROWS", "values": [line]})
    out = Landed()
    if not data:
        return out
    body = {"valueInputOption": "RAW", "data": data, "includeValuesInResponse": True,
            "responseValueRenderOption": "UNFORMATTED_VALUE", "responseDateTimeRenderOption": "SERIAL_NUMBER"}
    answer = sheets.request("POST", f"{SHEETS_API}/{quote(spreadsheet_id, safe='')}/values:batchUpdateByDataFilter",
                            json_body=body, what=f"spreadsheet {spreadsheet_id}") or {}
    out.calls = 1
    for resp in answer.get("responses") or []:
        at = where.get(repr(resp.get("dataFilter")))
        if at is None:
            continue
        _, ref = split(resp.get("updatedRange") or (resp.get("updatedData") or {}).get("range", ""))
        now = a1_to_rowcol(ref.split(":")[0])[0] if ref else at[1]
        out.landed[at] = now
        if at not in expect:
            continue
        got = ((resp.get("updatedData") or {}).get("values") or [[]])[0]
        key_col = layouts[at[0]].columns.get(KEY_FIELD, 0)
        raw = got[key_col] if key_col < len(got) else None
        found = str(raw).strip().upper() if raw not in (None, "") and str(raw).strip() else None
        if found != expect[at]:
            out.misplaced.append((at, expect[at], found))
    for at, key in sorted(expect.items()):
        if at not in out.landed:
            out.gone.append((at, key))
    return out


def metadata_requests(layouts: Mapping[str, SheetLayout], keyed_rows: Mapping[RowAt, str],
                      row_ids: Mapping[RowAt, int] | None, landed: Landed) -> list[dict[str, Any]]:
    """``createDeveloperMetadata`` for every keyed row (as now placed) that has no row metadata yet.

    ``row_ids`` None: no ID-check read this cycle, so nothing is known about the rows' metadata.
    """
    out: list[dict[str, Any]] = []
    if row_ids is None:
        return out
    for (kind, r), key in sorted(keyed_rows.items()):
        if (kind, r) in row_ids:
            continue
        lay = layouts.get(kind)
        if lay is None or lay.sheet_id is None:
            continue
        if any(at == (kind, r) for at, _, _ in landed.misplaced):
            continue  # that row holds another task now; the next sync's read sees where things are
        now = landed.landed.get((kind, r), r)
        out.append({"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": META_ROW, "metadataValue": key, "visibility": "DOCUMENT",
            "location": {"dimensionRange": {"sheetId": lay.sheet_id, "dimension": "ROWS",
                                            "startIndex": now - 1, "endIndex": now}}}}})
    return out


def add_metadata(sheets: Any, spreadsheet_id: str, requests: Sequence[dict[str, Any]], warnings: list[str]) -> None:
    """Send row metadata on its own, after the sync's base is recorded.

    A ``:batchUpdate`` is never retried (not idempotent), so it may fail; rows left without metadata
    are written by position next time and get it then. Failing here must not fail the sync.
    """
    if not requests:
        return
    try:
        sheets.batch_update(spreadsheet_id, requests)
    except SheetsError as e:
        log.warning("row metadata for %s not added (%s); the next write adds it", spreadsheet_id, e)
        warnings.append(f"row metadata not added this time ({e}); the next sync that writes adds it")
