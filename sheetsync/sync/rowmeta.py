"""Writes that land on the row of their task, even when a person reshapes the sheet mid-sync.

The Sheets API has no conditional write, so an A1 address chosen from the ID-check read can point
at another task's row by the time the write arrives. Two things close that gap:

* **Row developer metadata** (an *anchor*, one per task row, visibility DOCUMENT): it moves with
  its row when rows are inserted or deleted above it, so a write addressed by its ``metadataId``
  (``values:batchUpdateByDataFilter``) follows the row. The ID-check read is a
  ``spreadsheets.get`` of values *and* row metadata (still one call), so each write uses the id of
  the anchor sitting on the task's row right now. Rows without an anchor (a new row, a sheet
  whose metadata allowance is full) are written by grid position as that same read found it and
  get their anchor in the structural ``:batchUpdate`` after the write, when it fits.
* **Sorting moves cell content but never row metadata** (Google's reference, and the emulator):
  a sort can still put another task under the address. So every existing row is written as one
  range from column A with ``null`` in the cells left alone (Google skips nulls), its ID cell
  included, and ``includeValuesInResponse`` returns the row as it is *after* the write, in the
  same call. A row whose ID is not the expected one is reported as misplaced: the intended task
  keeps its old base (the next sync pushes again) and the value that fell on the other task is
  recorded as a pending write of ours (the next sync recognises it and restores that task's
  value) - never pulled as a person's edit.

**Encoding** (docs/sync.md "Row identity"). Google allows 30,000 characters of developer metadata
per sheet, counting each metadata's key and value (not its id or location). An anchor is the key
``s`` and nothing else: 1 character per row. It names no task - the ID cell, checked in every
write's response, does that - so it is only a handle on a physical row: a cleared row's anchor
serves whatever task is written there next, and a sort needs no re-labelling. The old encoding
(``sheetsync.row`` = the task key, ~21 characters) is still read as an anchor and rewritten to
``s`` in place by one ``updateDeveloperMetadata`` (ids and rows kept) riding on the next metadata
write. New anchors are added only within the sheet's *budget*: the limit, less what the sheet's
metadata already uses (read in the same ID-check call), less a reserve for provisioning's own
metadata. Rows past it stay without an anchor (written by position, still checked in the
response) and the sync says so; a refusal by Google (metadata it counts that we cannot see)
lowers the budget this engine assumes for that sheet instead of failing the sync.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from gspread.utils import a1_to_rowcol

from ..sheets.a1 import a1_range, split
from ..sheets.errors import InvalidRequest, SheetsError
from .layout import SheetLayout
from .plan import KEY_FIELD

if TYPE_CHECKING:
    from sheetsync.ports import SheetsPort

log = logging.getLogger(__name__)

META_ROW = "s"  # the anchor's key: one character, no value
META_ROW_V1 = "sheetsync.row"  # the first encoding (value: the task key); read as an anchor, migrated to META_ROW
ANCHOR_KEYS = frozenset({META_ROW, META_ROW_V1})
GOOGLE_LIMIT = 30_000  # characters of developer metadata per sheet (and per spreadsheet)
RESERVE = 1_000  # characters per sheet kept free for provisioning's own metadata (repairs, new columns)
LIMIT_FIELD = "~row_metadata"  # SyncError.field of the "budget full" notice shown by `sheetsync status`
SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
_DM = "developerMetadata(metadataKey,metadataValue)"
READ_FIELDS = (f"sheets(properties(sheetId,title),{_DM},data(startRow,rowData(values(effectiveValue)),"
               "rowMetadata(developerMetadata(metadataId,metadataKey,metadataValue)),"
               f"columnMetadata({_DM})))")
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


def chars(dm: Mapping[str, Any]) -> int:
    """What one metadata costs against Google's limit: the characters of its key and value."""
    n = 0
    for k in ("metadataKey", "metadataValue"):
        text = dm.get(k) or ""
        n += len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2
    return n


class Anchors(dict[RowAt, int]):
    """(sheet kind, 1-based row) -> ``metadataId`` of the anchor on that row, as the ID-check read saw.

    Also what that read saw of each synced sheet's metadata allowance, and what this cycle did
    with it: :func:`metadata_requests` spends ``free`` and counts the rows left ``short``; a
    refusal by Google is noted in ``refused`` (kind -> the budget to assume from now on).
    """

    def __init__(self) -> None:
        super().__init__()
        self.used: dict[str, int] = {}  # kind -> characters of all metadata on the sheet (as visible)
        self.free: dict[str, int] = {}  # kind -> characters new anchors may use this cycle
        self.limit: dict[str, int] = {}  # kind -> the budget assumed (limit less reserve, or a learnt cap)
        self.google = GOOGLE_LIMIT  # the limit per sheet the budget comes from
        self.v1: dict[str, tuple[int, int]] = {}  # kind -> (anchors in the old encoding, their characters)
        self.short: dict[str, int] = {}  # kind -> task rows left without an anchor after this cycle
        self.tried: dict[str, int] = {}  # kind -> characters of anchors asked for this cycle
        self.refused: dict[str, int] = {}  # kind -> cap learnt from a refusal (characters in all)
        self.sheet_ids: dict[int, str] = {}  # sheetId -> kind
        self.after: dict[str, int] = {}  # kind -> characters in use once old anchors are rewritten
        self.capped: set[str] = set()  # kinds whose budget is a cap learnt from an earlier refusal
        self.migration_refused = False  # Google refused the rewrite of old-encoding anchors

    @property
    def migrating(self) -> bool:
        return any(n for n, _ in self.v1.values())


def read_with_row_ids(sheets: SheetsPort, spreadsheet_id: str, layouts: Mapping[str, SheetLayout], *,
                      limit: int = GOOGLE_LIMIT, caps: Mapping[str, int] | None = None, migrate: bool = True
                      ) -> tuple[dict[str, list[list[Any]]], Anchors]:
    """One ``spreadsheets.get``: each synced sheet's values (shaped like a ``values:batchGet`` answer)
    and the anchor on each row that has one, with each sheet's metadata budget.

    ``limit``: characters of metadata allowed per sheet (Google's 30,000); ``caps``: lower budgets
    learnt from refusals (kind -> characters in all), as kept by the engine; ``migrate`` False:
    leave old-encoding anchors as they are (Google refused their rewrite once).
    """
    kinds = {lay.title: kind for kind, lay in layouts.items()}
    data = sheets.get_metadata(spreadsheet_id, READ_FIELDS, ranges=[a1_range(lay.title) for lay in layouts.values()])
    values: dict[str, list[list[Any]]] = {kind: [] for kind in layouts}
    ids = Anchors()
    ids.google = limit
    for s in data.get("sheets") or []:
        kind = kinds.get(s.get("properties", {}).get("title"))
        if kind is None:
            continue
        if s.get("properties", {}).get("sheetId") is not None:
            ids.sheet_ids[s["properties"]["sheetId"]] = kind
        used = sum(chars(m) for m in s.get("developerMetadata") or [])
        old = [0, 0]
        for block in s.get("data") or []:
            for meta in block.get("columnMetadata") or []:
                used += sum(chars(m) for m in meta.get("developerMetadata") or [])
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
                    used += chars(m)
                    key = m.get("metadataKey")
                    if key in ANCHOR_KEYS and "metadataId" in m:
                        ids.setdefault((kind, start + i + 1), m["metadataId"])
                        if key == META_ROW_V1:
                            old[0] += 1
                            old[1] += chars(m)
        budget = max(0, limit - min(RESERVE, limit // 30))
        if caps and kind in caps and caps[kind] < budget:
            budget = caps[kind]
            ids.capped.add(kind)
        ids.used[kind] = used
        ids.limit[kind] = budget
        ids.v1[kind] = (old[0], old[1]) if migrate else (0, 0)
        after = used - ids.v1[kind][1] + ids.v1[kind][0] * len(META_ROW)  # once old anchors are rewritten
        ids.after[kind] = after
        ids.free[kind] = max(0, budget - after)
    return values, ids


@dataclass
class Landed:
    """What the values write did, row by row, as its own response shows."""

    misplaced: list[tuple[RowAt, str, str | None]] = field(default_factory=list)  # (where, intended, found)
    gone: list[tuple[RowAt, str]] = field(default_factory=list)  # the row was deleted before the write
    landed: dict[RowAt, int] = field(default_factory=dict)  # where each written row is now (1-based)
    calls: int = 0
    # rows whose ID we wrote into a person's new row that, after the write, no longer holds what the
    # ID-check read saw there (rows inserted, deleted or sorted in between): (where, now, row as now)
    claims_moved: list[tuple[RowAt, int, list[Any]]] = field(default_factory=list)
    after: dict[RowAt, list[Any]] = field(default_factory=dict)  # each written row as the response shows it


def same_cell(a: Any, b: Any) -> bool:
    """Two UNFORMATTED values of one cell, one read as CellData and one from a values response."""
    if a in (None, "") or b in (None, ""):
        return a in (None, "") and b in (None, "")
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    return str(a) == str(b)


def write_rows(sheets: SheetsPort, spreadsheet_id: str, layouts: Mapping[str, SheetLayout],
               ranges: Sequence[tuple[str, Sequence[Sequence[Any]]]], keys_now: Mapping[RowAt, str],
               row_ids: Mapping[RowAt, int], claims: Mapping[RowAt, Mapping[int, Any]] | None = None) -> Landed:
    """One ``values:batchUpdateByDataFilter`` (RAW) for ``ranges`` (the executor's single-cell A1 writes).

    Cells of a synced sheet's data row are grouped into one write per row, addressed by the row's
    metadata when it has one. A row whose ID cell is left alone must still hold its key from
    ``keys_now`` (the ID-check read) after the write: the response shows it. A row in ``claims``
    (a person's new row getting its ID: column -> the cell as the ID-check read saw it, for the
    columns not written) must still hold those cells; one that does not is in ``claims_moved``.
    Other ranges (e.g. the card) are written by their A1 address.
    """
    claims = claims or {}
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
        width = max([*cells, key_col, *claims.get((kind, r), {})]) + 1
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
        got = ((resp.get("updatedData") or {}).get("values") or [[]])[0]
        out.after[at] = list(got)
        if at in claims and not all(same_cell(got[c] if c < len(got) else None, v) for c, v in claims[at].items()):
            out.claims_moved.append((at, now, list(got)))
        if at not in expect:
            continue
        key_col = layouts[at[0]].columns.get(KEY_FIELD, 0)
        raw = got[key_col] if key_col < len(got) else None
        found = str(raw).strip().upper() if raw not in (None, "") and str(raw).strip() else None
        if found != expect[at]:
            out.misplaced.append((at, expect[at], found))
    for at, key in sorted(expect.items()):
        if at not in out.landed:
            out.gone.append((at, key))
    return out


def fresh_anchor_requests(layouts: Mapping[str, SheetLayout], placed: Mapping[RowAt, str],
                          row_ids: Mapping[RowAt, int] | None) -> list[dict[str, Any]]:
    """Anchors for rows the sync inserted this cycle (``placed``: row as it is after the inserts -> key).

    Within each sheet's budget when the ID-check read measured it (rows past it are counted in
    ``short``); with no such read this cycle the anchors are asked for anyway, and a refusal by
    Google drops only them (:func:`structural_update`).
    """
    anchors = row_ids if isinstance(row_ids, Anchors) else None
    out: list[dict[str, Any]] = []
    for (kind, r), _key in sorted(placed.items()):
        lay = layouts.get(kind)
        if lay is None or lay.sheet_id is None:
            continue
        if anchors is not None and kind in anchors.free:
            if anchors.free[kind] < len(META_ROW):
                anchors.short[kind] = anchors.short.get(kind, 0) + 1
                continue
            anchors.free[kind] -= len(META_ROW)
            anchors.tried[kind] = anchors.tried.get(kind, 0) + len(META_ROW)
        out.append({"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": META_ROW, "visibility": "DOCUMENT",
            "location": {"dimensionRange": {"sheetId": lay.sheet_id, "dimension": "ROWS",
                                            "startIndex": r - 1, "endIndex": r}}}}})
    return out


def shifted(requests: Sequence[dict[str, Any]], inserts: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``createDeveloperMetadata`` requests addressed in the numbering before ``inserts`` (insertDimension
    requests, applied in order), readdressed to the numbering after them."""
    ins = [(i["insertDimension"]["range"]["sheetId"], i["insertDimension"]["range"]["startIndex"])
           for i in inserts if "insertDimension" in i]
    out: list[dict[str, Any]] = []
    for req in requests:
        dr = ((req.get("createDeveloperMetadata") or {}).get("developerMetadata") or {}).get("location", {}).get(
            "dimensionRange")
        if not ins or dr is None or dr.get("dimension") != "ROWS":
            out.append(req)
            continue
        pos = dr["startIndex"]
        for sheet_id, at in ins:
            if sheet_id == dr["sheetId"] and at <= pos:
                pos += 1
        dm = req["createDeveloperMetadata"]["developerMetadata"]
        out.append({"createDeveloperMetadata": {"developerMetadata": {
            **dm, "location": {**dm["location"], "dimensionRange": {**dr, "startIndex": pos, "endIndex": pos + 1}}}}})
    return out


def after_deletes(requests: Sequence[dict[str, Any]], deletes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``createDeveloperMetadata`` requests on rows, readdressed to the numbering after ``deletes``
    (deleteDimension requests of single rows, applied in order); one on a deleted row is dropped."""
    gone = [(d["deleteDimension"]["range"]["sheetId"], d["deleteDimension"]["range"]["startIndex"])
            for d in deletes if "deleteDimension" in d]
    out: list[dict[str, Any]] = []
    for req in requests:
        dr = ((req.get("createDeveloperMetadata") or {}).get("developerMetadata") or {}).get("location", {}).get(
            "dimensionRange")
        if not gone or dr is None or dr.get("dimension") != "ROWS":
            out.append(req)
            continue
        pos: int | None = dr["startIndex"]
        for sheet_id, at in gone:
            if pos is None or sheet_id != dr["sheetId"]:
                continue
            if at == pos:
                pos = None
            elif at < pos:
                pos -= 1
        if pos is None:
            continue
        dm = req["createDeveloperMetadata"]["developerMetadata"]
        out.append({"createDeveloperMetadata": {"developerMetadata": {
            **dm, "location": {**dm["location"], "dimensionRange": {**dr, "startIndex": pos, "endIndex": pos + 1}}}}})
    return out


def ids_on_row(sheets: SheetsPort, spreadsheet_id: str, layout: SheetLayout, row: int) -> list[int]:
    """The ids of the ``sheetsync.row`` metadata on one row now (one ``spreadsheets.get``; rare path)."""
    data = sheets.get_metadata(spreadsheet_id, READ_FIELDS, ranges=[a1_range(layout.title, f"{row}:{row}")])
    out: list[int] = []
    for s in data.get("sheets") or []:
        if s.get("properties", {}).get("title") != layout.title:
            continue
        for block in s.get("data") or []:
            for meta in block.get("rowMetadata") or []:
                out.extend(m["metadataId"] for m in meta.get("developerMetadata") or []
                           if m.get("metadataKey") in ANCHOR_KEYS and "metadataId" in m)
    return out


def metadata_requests(layouts: Mapping[str, SheetLayout], keyed_rows: Mapping[RowAt, str],
                      row_ids: Mapping[RowAt, int] | None, landed: Landed) -> list[dict[str, Any]]:
    """Anchors (``createDeveloperMetadata``) for keyed rows (as now placed) that have none, within budget.

    ``row_ids`` None: no ID-check read this cycle, so nothing is known about the rows' metadata.
    When it is an :class:`Anchors`, each sheet's budget is respected (rows past it are counted in
    ``short``) and old-encoding anchors are rewritten first, in place, by one request.
    """
    out: list[dict[str, Any]] = []
    if row_ids is None:
        return out
    anchors = row_ids if isinstance(row_ids, Anchors) else None
    if anchors is not None and anchors.migrating:
        out.append(migration_request())
    for (kind, r), _key in sorted(keyed_rows.items()):
        if (kind, r) in row_ids:
            continue
        lay = layouts.get(kind)
        if lay is None or lay.sheet_id is None:
            continue
        if any(at == (kind, r) for at, _, _ in landed.misplaced):
            continue  # that row holds another task now; the next sync's read sees where things are
        if anchors is not None and kind in anchors.free:
            if anchors.free[kind] < len(META_ROW):
                anchors.short[kind] = anchors.short.get(kind, 0) + 1
                continue
            anchors.free[kind] -= len(META_ROW)
            anchors.tried[kind] = anchors.tried.get(kind, 0) + len(META_ROW)
        now = landed.landed.get((kind, r), r)
        out.append({"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": META_ROW, "visibility": "DOCUMENT",
            "location": {"dimensionRange": {"sheetId": lay.sheet_id, "dimension": "ROWS",
                                            "startIndex": now - 1, "endIndex": now}}}}})
    return out


def migration_request() -> dict[str, Any]:
    """Rewrite every old-encoding anchor (``sheetsync.row`` = key) as ``s`` with no value: same ids, same rows."""
    return {"updateDeveloperMetadata": {
        "dataFilters": [{"developerMetadataLookup": {"metadataKey": META_ROW_V1}}],
        "developerMetadata": {"metadataKey": META_ROW}, "fields": "metadataKey,metadataValue"}}


def is_limit_refusal(e: Exception) -> bool:
    """Google refused a metadata request of ours (a 400 naming it): taken as the storage limit.

    Google's text for the limit is not published; its per-request 400s say
    ``Invalid requests[i].<kind>: ...``, so the kind is what is relied on.
    """
    text = str(e)
    return isinstance(e, InvalidRequest) and ("createDeveloperMetadata" in text or "updateDeveloperMetadata" in text)


def _note_refusal(anchors: Anchors, requests: Sequence[dict[str, Any]], e: Exception, offset: int = 0) -> None:
    """After a refusal: assume half of what was asked fits from now on (on the sheet named, if any)."""
    m = re.search(r"requests\[(\d+)\]", str(e))
    kinds = set(anchors.tried)
    if not kinds and anchors.migrating:
        anchors.migration_refused = True  # the rewrite was all there was to refuse
        return
    if m:
        i = int(m.group(1)) - offset
        if 0 <= i < len(requests) and "updateDeveloperMetadata" in requests[i]:
            anchors.migration_refused = True  # only the rewrite: old anchors stay as they are from now on
            return
        if 0 <= i < len(requests) and "createDeveloperMetadata" in requests[i]:
            loc = requests[i]["createDeveloperMetadata"]["developerMetadata"]["location"]["dimensionRange"]
            kinds = {anchors.sheet_ids.get(loc.get("sheetId"), "")} & set(anchors.tried) or kinds
    for kind in kinds:
        anchors.refused[kind] = anchors.after[kind] + anchors.tried[kind] // 2
        anchors.short[kind] = anchors.short.get(kind, 0) + anchors.tried[kind] // len(META_ROW)


def structural_update(sheets: SheetsPort, spreadsheet_id: str, requests: Sequence[dict[str, Any]],
                      meta: Sequence[dict[str, Any]], anchors: Mapping[RowAt, int] | None,
                      warnings: list[str]) -> None:
    """The sync's structural ``:batchUpdate`` with the row metadata riding along.

    If Google refuses the metadata (storage limit), nothing was applied (batches are atomic), so the
    structural requests are sent again alone: a full allowance never costs the notes or formulas.
    """
    if not meta:
        sheets.batch_update(spreadsheet_id, list(requests))
        return
    try:
        sheets.batch_update(spreadsheet_id, [*requests, *meta])
    except SheetsError as e:
        if not is_limit_refusal(e):
            raise
        _refused(anchors, meta, e, warnings, spreadsheet_id, offset=len(requests))
        sheets.batch_update(spreadsheet_id, list(requests))


def add_metadata(sheets: SheetsPort, spreadsheet_id: str, requests: Sequence[dict[str, Any]], warnings: list[str],
                 anchors: Mapping[RowAt, int] | None = None) -> None:
    """Send row metadata on its own, after the sync's base is recorded.

    A ``:batchUpdate`` is never retried (not idempotent), so it may fail; rows left without metadata
    are written by position next time and get it then. Failing here must not fail the sync.
    """
    if not requests:
        return
    try:
        sheets.batch_update(spreadsheet_id, requests)
    except SheetsError as e:
        if is_limit_refusal(e):
            _refused(anchors, requests, e, warnings, spreadsheet_id)
            return
        log.warning("row metadata for %s not added (%s); the next write adds it", spreadsheet_id, e)
        warnings.append(f"row metadata not added this time ({e}); the next sync that writes adds it")


def _refused(anchors: Mapping[RowAt, int] | None, meta: Sequence[dict[str, Any]], e: Exception,
             warnings: list[str], spreadsheet_id: str, offset: int = 0) -> None:
    log.warning("Google refused row metadata for %s (%s); writing those rows by position", spreadsheet_id, e)
    if isinstance(anchors, Anchors):
        _note_refusal(anchors, meta, e, offset)
    else:
        warnings.append("Google refused row metadata (developer-metadata storage limit); rows without it are "
                        "written by position, checked by their ID")


def budget_notice(kind: str, title: str, anchors: Anchors, *, counts: bool = True) -> str | None:
    """The one line `sheetsync sync` / `status` show while rows of a sheet go without anchors (None: none do).

    ``counts`` False: without the numbers (the form kept in the store, which stays true as they move).
    """
    short = anchors.short.get(kind, 0)
    if not short:
        return None
    rows = f"{short} row(s)" if counts else "rows past it"
    if kind in anchors.refused or kind in anchors.capped:
        why = f"Google refused more{' earlier' if kind not in anchors.refused else ''}; " + (
            f"{anchors.after[kind]:,} characters visible" if counts else "it counts metadata sheetsync cannot see")
    elif counts:  # what the sheet holds once this cycle's anchors are in
        why = f"{anchors.after[kind] + anchors.tried.get(kind, 0):,} of {anchors.google:,} characters used"
    else:
        why = f"Google's limit of {anchors.google:,} characters per sheet"
    return (f"sheet {title!r}: developer metadata full ({why}); {rows} are synced without row metadata, each "
            f"write confirmed by the row's ID (a sort or row deletion during a write is put right by the next "
            f"sync; a row the owner inserts at that moment may come back as a duplicate task). To make room, "
            f"delete empty rows or other tools' developer metadata on the sheet")
