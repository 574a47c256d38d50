"""Developer metadata: the create/update/delete request kinds, get, search, and DataFilter matching.

Where metadata lives decides what happens to it: spreadsheet-located in
``SpreadsheetState.developer_metadata``, sheet-located in ``SheetState.developer_metadata``,
row/column-located in ``row_meta[i]`` / ``col_meta[i]["developerMetadata"]`` — so it travels with
its row or column on insert and move and dies with it on delete, as Google's does. Its
``location`` is re-stamped from the position after every dimension change (:func:`restamp`).

Visibility is recorded but not enforced: every caller sees PROJECT metadata too (the emulator
has users, not Cloud projects).

Storage limits (:class:`Meter`): Google allows 30,000 characters of metadata for the spreadsheet
and 30,000 for each sheet, counting "each character in the metadataKey and metadataValue fields"
(Sheets API guide "Read, write, and search metadata", section "Metadata storage limits"). Row,
column and sheet metadata count toward their sheet's allowance, spreadsheet metadata toward the
spreadsheet's; characters are counted as UTF-16 code units (see docs/emulator.md for what the
public sources leave open and the reading chosen). ``Emulator(metadata_limit=...)`` sets both.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from . import a1
from . import fields as fieldmask
from .errors import ApiError
from .ranges import as_int, grid_range, sheet_of
from .render import render_spreadsheet, selects_data
from .rest import check_params

if TYPE_CHECKING:
    from .model import SheetState, SpreadsheetState
    from .rest import Request

DM_FIELDS = {"metadataId", "metadataKey", "metadataValue", "location", "visibility"}
VISIBILITIES = {"DOCUMENT", "PROJECT"}
GOOGLE_LIMIT = 30_000  # characters per spreadsheet, and per sheet
INT32_MAX = 2**31 - 1


# --- where metadata lives -----------------------------------------------------------------

def entries(ss: SpreadsheetState) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Every DeveloperMetadata with the list that holds it."""
    for dm in ss.developer_metadata:
        yield dm, ss.developer_metadata
    for s in ss.sheets:
        for dm in s.developer_metadata:
            yield dm, s.developer_metadata
        for metas in (s.row_meta, s.col_meta):
            for m in metas:
                if "developerMetadata" in m:
                    for dm in m["developerMetadata"]:
                        yield dm, m["developerMetadata"]


def _place(ss: SpreadsheetState, dm: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """Validate ``dm['location']``, normalise it, and return the list it belongs in."""
    loc = dm.get("location")
    if not loc:
        raise ApiError(400, f"{where}.location is required: set spreadsheet: true, a sheetId, or a "
                            "dimensionRange of one row or column.")
    given = [k for k in ("spreadsheet", "sheetId", "dimensionRange")
             if k in loc and loc[k] is not None and loc[k] is not False]
    if len(given) != 1:
        raise ApiError(400, f"{where}.location must set exactly one of spreadsheet, sheetId or dimensionRange.")
    if "locationType" in loc and loc["locationType"] not in ("ROW", "COLUMN", "SHEET", "SPREADSHEET"):
        raise ApiError(400, f"{where}.location.locationType {loc['locationType']!r} is not a location type.")
    kind = given[0]
    if kind == "spreadsheet":
        dm["location"] = {"locationType": "SPREADSHEET", "spreadsheet": True}
        return ss.developer_metadata
    if kind == "sheetId":
        sheet = sheet_of(ss, loc["sheetId"])
        dm["location"] = {"locationType": "SHEET", "sheetId": sheet.sheet_id}
        return sheet.developer_metadata
    dr = loc["dimensionRange"]
    sheet = sheet_of(ss, dr.get("sheetId", 0))
    dim = dr.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise ApiError(400, f"{where}.location.dimensionRange.dimension must be ROWS or COLUMNS.")
    if "startIndex" not in dr or "endIndex" not in dr:
        raise ApiError(400, f"{where}.location.dimensionRange must be bounded (startIndex and endIndex).")
    start = as_int(dr["startIndex"], "startIndex")
    end = as_int(dr["endIndex"], "endIndex")
    if end - start != 1:
        raise ApiError(400, f"{where}.location.dimensionRange must cover exactly one row or column, not "
                            f"[{start}, {end}).")
    metas = sheet.row_meta if dim == "ROWS" else sheet.col_meta
    if not 0 <= start < len(metas):
        raise ApiError(400, f"{where}.location.dimensionRange index {start} is outside the sheet's "
                            f"{len(metas)} {dim.lower()}.")
    dm["location"] = {"locationType": "ROW" if dim == "ROWS" else "COLUMN", "dimensionRange": {
        "sheetId": sheet.sheet_id, "dimension": dim, "startIndex": start, "endIndex": end}}
    return metas[start].setdefault("developerMetadata", [])


def _drop_empty(ss: SpreadsheetState) -> None:
    for s in ss.sheets:
        for metas in (s.row_meta, s.col_meta):
            for m in metas:
                if "developerMetadata" in m and not m["developerMetadata"]:
                    del m["developerMetadata"]


def find(ss: SpreadsheetState, metadata_id: int) -> dict[str, Any] | None:
    for dm, _ in entries(ss):
        if dm.get("metadataId") == metadata_id:
            return dm
    return None


# --- storage limits -----------------------------------------------------------------------

def chars(dm: dict[str, Any]) -> int:
    """What one metadata costs: the characters of its key and value (UTF-16 code units)."""
    n = 0
    for k in ("metadataKey", "metadataValue"):
        text = dm.get(k) or ""
        n += len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2
    return n


def usage(ss: SpreadsheetState) -> tuple[int, dict[int, int]]:
    """(characters of spreadsheet-located metadata, {sheetId: characters of that sheet's metadata})."""
    per_sheet: dict[int, int] = {}
    for s in ss.sheets:
        n = sum(chars(dm) for dm in s.developer_metadata)
        for metas in (s.row_meta, s.col_meta):
            for m in metas:
                if "developerMetadata" in m:
                    n += sum(chars(dm) for dm in m["developerMetadata"])
        per_sheet[s.sheet_id] = n
    return sum(chars(dm) for dm in ss.developer_metadata), per_sheet


def _bucket(dm: dict[str, Any]) -> int | None:
    """The sheetId whose allowance ``dm`` uses; None: the spreadsheet's."""
    loc = dm.get("location") or {}
    if "dimensionRange" in loc:
        return int(loc["dimensionRange"].get("sheetId", 0))
    if "sheetId" in loc:
        return int(loc["sheetId"])
    return None


class Meter:
    """Holds one batchUpdate to the metadata storage limits, request by request.

    Counted once when the batch starts, then kept current: a create adds what its reply shows, a
    delete subtracts; kinds that move or drop metadata wholesale (update, deleteDimension,
    deleteSheet, duplicateSheet) recount. A request that leaves the spreadsheet or a sheet over the
    limit fails (so the whole batch does: it is atomic). ``limit`` None: count nothing, only keep
    ``ids`` (the metadataIds in use, so creating thousands of metadata in one batch stays linear).
    """

    #: Kinds after which the totals may have changed.
    KINDS = frozenset({"createDeveloperMetadata", "updateDeveloperMetadata", "deleteDeveloperMetadata",
                       "deleteDimension", "deleteSheet", "duplicateSheet"})
    #: Kinds that can add characters or ids (a batch without them needs no meter).
    GROWS = frozenset({"createDeveloperMetadata", "updateDeveloperMetadata", "duplicateSheet"})

    _active: dict[int, Meter] = {}  # id(spreadsheet state) -> the meter of the batch running on it

    def __init__(self, ss: SpreadsheetState, limit: int | None) -> None:
        self.ss = ss
        self.limit = limit
        self.ids = {dm["metadataId"] for dm, _ in entries(ss) if "metadataId" in dm}
        self.spreadsheet, self.sheets = usage(ss) if limit is not None else (0, {})

    def __enter__(self) -> Meter:
        self._active[id(self.ss)] = self
        return self

    def __exit__(self, *exc: object) -> None:
        self._active.pop(id(self.ss), None)

    @classmethod
    def of(cls, ss: SpreadsheetState) -> Meter | None:
        return cls._active.get(id(ss))

    def after(self, kind: str, reply: dict[str, Any] | None) -> None:
        if kind not in self.KINDS or self.limit is None:
            return
        body = (reply or {}).get(kind) or {}
        if kind == "createDeveloperMetadata":
            dm = body.get("developerMetadata") or {}
            where = _bucket(dm)
            if where is None:
                self.spreadsheet += chars(dm)
            else:
                self.sheets[where] = self.sheets.get(where, 0) + chars(dm)
            self._check(where)
        elif kind == "deleteDeveloperMetadata":
            for dm in body.get("deletedDeveloperMetadata") or []:
                where = _bucket(dm)
                if where is None:
                    self.spreadsheet -= chars(dm)
                elif where in self.sheets:
                    self.sheets[where] -= chars(dm)
        else:
            was_spreadsheet, was_sheets = self.spreadsheet, self.sheets
            self.spreadsheet, self.sheets = usage(self.ss)
            if self.spreadsheet > was_spreadsheet:
                self._check(None)
            for sid, n in self.sheets.items():  # only what grew: an old excess elsewhere is not this request's
                if n > was_sheets.get(sid, 0):
                    self._check(sid)

    def _check(self, where: int | None) -> None:
        assert self.limit is not None
        used = self.spreadsheet if where is None else self.sheets.get(where, 0)
        if used <= self.limit:
            return
        if where is None:
            raise ApiError(400, f"The developer metadata of this spreadsheet would total {used:,} characters, "
                                f"over the limit of {self.limit:,} characters per spreadsheet (the characters of "
                                "every metadataKey and metadataValue count).")
        sheet = self.ss.sheet_by_id(where)
        title = sheet.properties.get("title", "") if sheet is not None else ""
        raise ApiError(400, f"The developer metadata of sheet '{title}' (sheetId {where}) would total {used:,} "
                            f"characters, over the limit of {self.limit:,} characters per sheet (the characters "
                            "of every metadataKey and metadataValue count).")


# --- matching -----------------------------------------------------------------------------

def _loc_span(ss: SpreadsheetState, loc: dict[str, Any]) -> tuple[str, int | None, str | None, int, int]:
    """(kind, sheetId, dimension, start, end) of a DeveloperMetadataLocation or a lookup's metadataLocation."""
    if loc.get("spreadsheet"):
        return "SPREADSHEET", None, None, 0, 0
    if "dimensionRange" in loc:
        dr = loc["dimensionRange"]
        sheet = sheet_of(ss, dr.get("sheetId", 0))
        dim = dr.get("dimension")
        count = sheet.row_count if dim == "ROWS" else sheet.col_count
        return ("ROW" if dim == "ROWS" else "COLUMN"), sheet.sheet_id, dim, int(dr.get("startIndex", 0)), \
            int(dr.get("endIndex", count))
    if "sheetId" in loc:
        return "SHEET", int(loc["sheetId"]), None, 0, 0
    raise ApiError(400, "metadataLocation must set spreadsheet, sheetId or dimensionRange.")


def _intersects(a: tuple[str, int | None, str | None, int, int], b: tuple[str, int | None, str | None, int, int]
                ) -> bool:
    """Google's INTERSECTING_LOCATION: a location matches itself and whatever overlaps it."""
    if a[0] == "SPREADSHEET" or b[0] == "SPREADSHEET":
        return True
    if a[1] != b[1]:
        return False
    if a[0] == "SHEET" or b[0] == "SHEET":
        return True
    if a[2] != b[2]:
        return True  # a row and a column of the same sheet always cross
    return a[3] < b[4] and b[3] < a[4]


def matches_lookup(ss: SpreadsheetState, dm: dict[str, Any], lookup: dict[str, Any]) -> bool:
    """All the fields a DeveloperMetadataLookup sets must match."""
    if not any(k in lookup for k in ("metadataId", "metadataKey", "metadataValue", "visibility", "locationType",
                                     "metadataLocation")):
        raise ApiError(400, "A developerMetadataLookup must set at least one criterion (metadataId, metadataKey, "
                            "metadataValue, visibility, locationType or metadataLocation).")
    if "metadataId" in lookup and dm.get("metadataId") != int(lookup["metadataId"]):
        return False
    for k in ("metadataKey", "metadataValue", "visibility"):
        if k in lookup and dm.get(k) != lookup[k]:
            return False
    if "locationType" in lookup and dm["location"]["locationType"] != lookup["locationType"]:
        return False
    if "metadataLocation" in lookup:
        want = _loc_span(ss, lookup["metadataLocation"])
        have = _loc_span(ss, dm["location"])
        strategy = lookup.get("locationMatchingStrategy", "EXACT_LOCATION")
        if strategy == "INTERSECTING_LOCATION":
            if not _intersects(want, have):
                return False
        elif want != have:
            return False
    return True


def matches_filter(ss: SpreadsheetState, dm: dict[str, Any], df: dict[str, Any]) -> bool:
    """A DataFilter selects metadata by lookup, or by location overlapping its a1Range / gridRange."""
    kinds = [k for k in ("developerMetadataLookup", "a1Range", "gridRange") if k in df]
    if len(kinds) != 1:
        raise ApiError(400, "A DataFilter must set exactly one of developerMetadataLookup, a1Range or gridRange.")
    if kinds[0] == "developerMetadataLookup":
        return matches_lookup(ss, dm, df["developerMetadataLookup"])
    sheet, r0, r1, c0, c1 = _filter_window(ss, df)
    have = _loc_span(ss, dm["location"])
    if have[0] == "SPREADSHEET":
        return False
    if have[1] != sheet.sheet_id:
        return False
    if have[0] == "SHEET":
        return True
    lo, hi = (r0, r1) if have[2] == "ROWS" else (c0, c1)
    return have[3] < hi and lo < have[4]


def _filter_window(ss: SpreadsheetState, df: dict[str, Any]) -> tuple[SheetState, int, int, int, int]:
    if "a1Range" in df:
        res = a1.resolve(ss, df["a1Range"]).clamped()
        return res.sheet, res.r0, res.r1, res.c0, res.c1
    return grid_range(ss, df["gridRange"], "dataFilter.gridRange")


def search(ss: SpreadsheetState, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """MatchedDeveloperMetadata for ``filters``: each metadata once, with the filters that matched it."""
    out: list[dict[str, Any]] = []
    for dm, _ in entries(ss):
        hit = [copy.deepcopy(df) for df in filters if matches_filter(ss, dm, df)]
        if hit:
            out.append({"developerMetadata": copy.deepcopy(dm), "dataFilters": hit})
    return out


def datafilter_ranges(ss: SpreadsheetState, df: dict[str, Any]) -> list[tuple[SheetState, int, int, int, int]]:
    """The grid windows a DataFilter selects (for values:batchGetByDataFilter and friends).

    a1Range / gridRange select themselves; a metadata lookup selects the row, column or sheet the
    matched metadata sits on (spreadsheet-located metadata selects every sheet).
    """
    kinds = [k for k in ("developerMetadataLookup", "a1Range", "gridRange") if k in df]
    if len(kinds) != 1:
        raise ApiError(400, "A DataFilter must set exactly one of developerMetadataLookup, a1Range or gridRange.")
    if kinds[0] != "developerMetadataLookup":
        return [_filter_window(ss, df)]
    out: list[tuple[SheetState, int, int, int, int]] = []
    for dm, _ in entries(ss):
        if not matches_lookup(ss, dm, df["developerMetadataLookup"]):
            continue
        kind, sid, dim, start, end = _loc_span(ss, dm["location"])
        if kind == "SPREADSHEET":
            out.extend((s, 0, s.row_count, 0, s.col_count) for s in ss.sheets)
            continue
        sheet = ss.sheet_by_id(sid)  # type: ignore[arg-type]
        assert sheet is not None
        if kind == "SHEET":
            out.append((sheet, 0, sheet.row_count, 0, sheet.col_count))
        elif dim == "ROWS":
            out.append((sheet, start, end, 0, sheet.col_count))
        else:
            out.append((sheet, 0, sheet.row_count, start, end))
    return out


# --- request kinds ------------------------------------------------------------------------

def _check_dm(dm: dict[str, Any], where: str) -> None:
    for k in dm:
        if k not in DM_FIELDS:
            raise ApiError(400, f'Invalid JSON payload received. Unknown name "{k}" at \'{where}\': Cannot find field.')
    if dm.get("visibility") not in VISIBILITIES:
        raise ApiError(400, f"{where}.visibility is required: DOCUMENT or PROJECT.")
    key = dm.get("metadataKey")
    if not isinstance(key, str) or not key:
        raise ApiError(400, f"{where}.metadataKey is required and must be a non-empty string.")
    if "metadataValue" in dm and not isinstance(dm["metadataValue"], str):
        raise ApiError(400, f"{where}.metadataValue must be a string.")


def create_developer_metadata(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> dict[str, Any]:
    dm = copy.deepcopy(body.get("developerMetadata") or {})
    _check_dm(dm, "developerMetadata")
    if "metadataId" in dm:
        mid = int(dm["metadataId"])
        if mid <= 0:
            raise ApiError(400, f"developerMetadata.metadataId must be positive, got {mid}.")
        if mid > INT32_MAX:  # Discovery: metadataId is int32
            raise ApiError(400, f"Invalid value at 'developer_metadata.metadata_id' (TYPE_INT32), {mid}")
        if find(ss, mid) is not None:
            raise ApiError(400, f"Developer metadata with id {mid} already exists; omit metadataId to get a new one.")
        dm["metadataId"] = mid
    else:
        meter = Meter.of(ss)
        mid = ss.new_id()
        while (mid in meter.ids) if meter is not None else (find(ss, mid) is not None):
            mid = ss.new_id()
        dm["metadataId"] = mid
    meter = Meter.of(ss)
    if meter is not None:
        meter.ids.add(mid)
    home = _place(ss, dm, "developerMetadata")
    ordered = {k: dm[k] for k in ("metadataId", "metadataKey", "metadataValue", "location", "visibility") if k in dm}
    home.append(ordered)
    req.changed = True
    return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(ordered)}}


def update_developer_metadata(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> dict[str, Any]:
    filters = body.get("dataFilters") or []
    if not filters:
        raise ApiError(400, "dataFilters is required: it selects the metadata to update.")
    if not body.get("fields"):
        raise ApiError(400, "fields is required: name the fields to update, e.g. \"metadataValue\".")
    mask = fieldmask.parse(body["fields"])
    if "metadataId" in mask:
        raise ApiError(400, "Attempting to write read-only field 'metadataId'.")
    given = body.get("developerMetadata") or {}
    matched = [(dm, home) for dm, home in list(entries(ss)) if any(matches_filter(ss, dm, df) for df in filters)]
    updated = []
    for dm, home in matched:
        new = copy.deepcopy(dm)
        fieldmask.apply(new, given, body["fields"], where="fields")
        new["metadataId"] = dm["metadataId"]
        _check_dm(new, "developerMetadata")
        new_home = _place(ss, new, "developerMetadata")
        home.remove(dm)
        new_home.append({k: new[k] for k in ("metadataId", "metadataKey", "metadataValue", "location",
                                             "visibility") if k in new})
        updated.append(copy.deepcopy(new_home[-1]))
    _drop_empty(ss)
    if matched:
        req.changed = True
    return {"updateDeveloperMetadata": {"developerMetadata": updated}}


def delete_developer_metadata(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> dict[str, Any]:
    df = body.get("dataFilter")
    if not df:
        raise ApiError(400, "dataFilter is required: it selects the metadata to delete.")
    matched = [(dm, home) for dm, home in list(entries(ss)) if matches_filter(ss, dm, df)]
    for dm, home in matched:
        home.remove(dm)
    _drop_empty(ss)
    if matched:
        req.changed = True
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": [copy.deepcopy(dm) for dm, _ in matched]}}


# --- endpoints ----------------------------------------------------------------------------

def get_metadata(req: Request, spreadsheet_id: str, metadata_id: str) -> dict[str, Any]:
    check_params(req, set())
    try:
        mid = int(metadata_id)
    except ValueError:
        raise ApiError(400, f"Invalid value at 'metadata_id' (TYPE_INT32), \"{metadata_id}\"") from None
    ss = req.emulator.spreadsheet(spreadsheet_id)
    dm = find(ss, mid)
    if dm is None:
        raise ApiError(404, f"No developer metadata with id {mid}.")
    return _project(req, copy.deepcopy(dm), "DeveloperMetadata")


def search_metadata(req: Request, spreadsheet_id: str) -> dict[str, Any]:
    check_params(req, set())
    body = req.json()
    fieldmask.check_body(body, "SearchDeveloperMetadataRequest", "")
    filters = body.get("dataFilters") or []
    if not filters:
        raise ApiError(400, "dataFilters is required: give at least one DataFilter.")
    found = search(req.emulator.spreadsheet(spreadsheet_id), filters)
    return _project(req, {"matchedDeveloperMetadata": found} if found else {}, "SearchDeveloperMetadataResponse")


def get_by_data_filter(req: Request, spreadsheet_id: str) -> dict[str, Any]:
    check_params(req, set())
    body = req.json()
    fieldmask.check_body(body, "GetSpreadsheetByDataFilterRequest", "")
    if body.get("commentsViewMode") not in (None, "COMMENTS_VIEW_MODE_UNSPECIFIED"):
        raise ApiError(400, "Unsupported by the sheetsync emulator: commentsViewMode (comments are not modelled).")
    f = req.emulator.files[spreadsheet_id]
    ss = f.spreadsheet
    assert ss is not None
    windows: list[tuple[SheetState, tuple[int, int, int, int]]] = []
    for df in body.get("dataFilters") or []:
        windows.extend((s, (r0, r1, c0, c1)) for s, r0, r1, c0, c1 in datafilter_ranges(ss, df))
    include = bool(body.get("includeGridData", False))
    mask = req.param("fields")
    if mask:  # as for get: a field mask alone decides whether grid data is returned
        include = selects_data(fieldmask.parse(mask))
    if body.get("dataFilters"):
        if include:
            out = render_spreadsheet(req.emulator, f, req.user, grid=windows)
        else:
            seen: list[SheetState] = []
            for s, _ in windows:
                if all(s is not t for t in seen):
                    seen.append(s)
            out = render_spreadsheet(req.emulator, f, req.user, only_sheets=seen)
    else:
        out = render_spreadsheet(req.emulator, f, req.user, grid=include)
    return _project(req, out, "Spreadsheet")


def _project(req: Request, out: dict[str, Any], schema: str) -> dict[str, Any]:
    mask = req.param("fields")
    if not mask:
        return out
    tree = fieldmask.parse(mask)
    fieldmask.check_known(tree, schema)
    return fieldmask.project(out, tree)
