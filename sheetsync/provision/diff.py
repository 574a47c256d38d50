"""Desired vs actual spreadsheet -> the fewest ``batchUpdate`` requests that repair the drift.

Pure. ``actual`` is the Spreadsheet JSON of ``spreadsheets.get`` (see ``provision.ACTUAL_FIELDS``)
with each sheet's header rows (or the card's cells) as ``data``. Sheets are found by their
``sheetsync.sheet`` metadata, columns by their ``sheetsync.column`` metadata, protected ranges by
their ``sheetsync:`` description — never by title or position, so a renamed sheet, a moved column
or an edited header is put back instead of mistaken for a new one. Nothing here ever writes a data
cell of a synced sheet: repairs move, insert and re-label columns, values travel with them.
Requests run in order inside one batchUpdate, so later requests use the positions earlier ones made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gspread.utils import rowcol_to_a1

from .desired import (
    HEADER_FIELDS,
    META_CLIENT,
    META_COLUMN,
    META_SHEET,
    META_TEMPLATE,
    PROTECTION_PREFIX,
    DesiredCell,
    DesiredSheet,
    DesiredSpreadsheet,
)

CARD_FIELDS = "userEnteredValue,userEnteredFormat,note"


class WrongSpreadsheet(RuntimeError):
    """The spreadsheet belongs to another client; provisioning refuses to touch it."""


@dataclass
class Plan:
    requests: list[dict[str, Any]] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)  # what drifted, for people

    def add(self, request: dict[str, Any], why: str | None = None) -> None:
        self.requests.append(request)
        if why and why not in self.repairs:
            self.repairs.append(why)


def matches(want: Any, have: Any) -> bool:
    """``want`` is contained in ``have``: dict keys recursively, lists element-wise, numbers to 1e-3.

    Google omits defaults (false, 0, empty), so a missing ``have`` matches a falsy ``want``.
    """
    if isinstance(want, dict):
        have = have if isinstance(have, dict) else {}
        return all(matches(v, have.get(k)) for k, v in want.items())
    if isinstance(want, list | tuple):
        have = have or []
        return isinstance(have, list | tuple) and len(want) == len(have) and all(
            matches(w, h) for w, h in zip(want, have, strict=True))
    if isinstance(want, bool) or want is None:
        return bool(want) == bool(have)
    if isinstance(want, int | float):
        if have is None:
            return want == 0
        return isinstance(have, int | float) and abs(want - have) < 1e-3
    return want == have


def _meta(items: Iterable[dict[str, Any]] | None, key: str) -> list[dict[str, Any]]:
    return [m for m in items or () if m.get("metadataKey") == key]


def _grid(sheet_id: int, r0: int | None = None, r1: int | None = None, c0: int | None = None,
          c1: int | None = None) -> dict[str, int]:
    g = {"sheetId": sheet_id}
    for k, v in (("startRowIndex", r0), ("endRowIndex", r1), ("startColumnIndex", c0), ("endColumnIndex", c1)):
        if v is not None:
            g[k] = v
    return g


def _norm_range(r: dict[str, Any], rows: int, cols: int) -> tuple[int, int, int, int]:
    return (r.get("startRowIndex", 0), r.get("endRowIndex", rows), r.get("startColumnIndex", 0),
            r.get("endColumnIndex", cols))


T = TypeVar("T")


def _move(arr: list[T], src: int, dst: int) -> None:
    """Move one item of a column-ordered list from ``src`` to ``dst`` (as Sheets' moveDimension does)."""
    arr.insert(dst, arr.pop(src))


@dataclass
class _Actual:
    """One actual sheet, with its header/card cells as a row-major grid we keep in step with moves."""

    sheet_id: int
    title: str
    props: dict[str, Any]
    raw: dict[str, Any]
    fresh: bool
    slots: list[str | None]  # column key from metadata, by column index
    widths: list[int | None]
    cells: list[list[dict[str, Any]]]  # cells[row][col] from data (empty dicts where absent)

    @property
    def rows(self) -> int:
        return self.props.get("gridProperties", {}).get("rowCount", 0)

    @property
    def cols(self) -> int:
        return len(self.slots)

    def cell(self, r: int, c: int) -> dict[str, Any]:
        if r < len(self.cells) and c < len(self.cells[r]):
            return self.cells[r][c]
        return {}

    def move(self, src: int, dst: int) -> None:
        _move(self.slots, src, dst)
        _move(self.widths, src, dst)
        for row in self.cells:
            _move(row, src, dst)

    def insert(self, at: int, key: str) -> None:
        self.slots.insert(at, key)
        self.widths.insert(at, None)
        for row in self.cells:
            row.insert(at, {})


def _load(sheet: dict[str, Any], fresh: bool) -> _Actual:
    props = sheet.get("properties", {})
    ncols = props.get("gridProperties", {}).get("columnCount", 0)
    slots: list[str | None] = [None] * ncols
    widths: list[int | None] = [None] * ncols
    cells: list[list[dict[str, Any]]] = []
    for gd in sheet.get("data", []) or []:
        r0, c0 = gd.get("startRow", 0), gd.get("startColumn", 0)
        for j, cm in enumerate(gd.get("columnMetadata", []) or []):
            c = c0 + j
            if c < ncols:
                found = _meta(cm.get("developerMetadata"), META_COLUMN)
                if found:
                    slots[c] = found[0].get("metadataValue")
                widths[c] = cm.get("pixelSize")
        for i, rd in enumerate(gd.get("rowData", []) or []):
            r = r0 + i
            while len(cells) <= r:
                cells.append([])
            row = cells[r]
            for j, v in enumerate(rd.get("values", []) or []):
                c = c0 + j
                while len(row) <= c:
                    row.append({})
                row[c] = v or {}
    for row in cells:
        while len(row) < ncols:
            row.append({})
    return _Actual(props.get("sheetId", 0), props.get("title", ""), props, sheet, fresh, slots, widths, cells)


def _blank(a: _Actual, sheet: dict[str, Any]) -> bool:
    """A sheet with no sheetsync metadata and nothing in the rows we read: safe to lay out from scratch."""
    if _meta(sheet.get("developerMetadata"), META_SHEET) or any(a.slots):
        return False
    if "data" not in sheet:  # not read at all: we cannot know
        return False
    return not any(c for row in a.cells for c in row)


def _pick_sheets(desired: DesiredSpreadsheet, actual: dict[str, Any], plan: Plan) -> dict[str, dict[str, Any]]:
    """kind -> the actual sheet that is it: by metadata, else (a human-made or re-made sheet) by title."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for s in actual.get("sheets", []) or []:
        for m in _meta(s.get("developerMetadata"), META_SHEET):
            by_kind.setdefault(m.get("metadataValue", ""), []).append(s)
    chosen: dict[str, dict[str, Any]] = {}
    for d in desired.sheets:
        cands = by_kind.get(d.kind, [])
        if cands:
            best = next((s for s in cands if s["properties"].get("title") == d.title), None) or min(
                cands, key=lambda s: s["properties"].get("index", 0))
            chosen[d.kind] = best
            for dup in cands:  # a duplicated tab carries our metadata; only one sheet may claim a kind
                if dup is not best:
                    for m in _meta(dup.get("developerMetadata"), META_SHEET):
                        plan.add({"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {
                            "metadataId": m["metadataId"]}}}},
                            f"{d.kind}: sheet {dup['properties'].get('title')!r} is a copy; it no longer counts as "
                            f"the {d.kind} sheet")
    claimed = {id(s) for s in chosen.values()}
    for d in desired.sheets:
        if d.kind in chosen:
            continue
        for s in actual.get("sheets", []) or []:
            if id(s) not in claimed and s["properties"].get("title") == d.title and not _meta(
                    s.get("developerMetadata"), META_SHEET):
                chosen[d.kind] = s
                claimed.add(id(s))
                break
    return chosen


def diff(desired: DesiredSpreadsheet, actual: dict[str, Any], *, fresh: Iterable[int] = ()) -> Plan:
    """The requests that turn ``actual`` into ``desired``. ``fresh``: sheetIds created empty just now."""
    plan = Plan()
    fresh = set(fresh)
    _spreadsheet_level(desired, actual, plan)
    chosen = _pick_sheets(desired, actual, plan)
    old_versions = template_versions(actual)
    used_ids = {s["properties"].get("sheetId") for s in actual.get("sheets", []) or []}
    titles = {s["properties"].get("title") for s in actual.get("sheets", []) or []}
    # sheets whose cells refer to other sheets (the card's counters) last: moving or inserting a
    # column shifts formula references to it, so they are written after every structural change
    for d in sorted(desired.sheets, key=lambda d: d.role == "card"):
        sheet = chosen.get(d.kind)
        if sheet is None:
            sid = d.preferred_id
            while sid in used_ids:
                sid += 1
            used_ids.add(sid)
            title = d.title if d.title not in titles else f"{d.title} ({d.kind})"
            props = {"sheetId": sid, "title": title, "index": min(d.index, len(used_ids) - 1),
                     "gridProperties": {"rowCount": d.row_count, "columnCount": d.column_count,
                                        "frozenRowCount": d.frozen_rows, "frozenColumnCount": d.frozen_columns}}
            plan.add({"addSheet": {"properties": props}}, f"{d.kind}: sheet missing — created")
            titles.add(title)
            sheet = {"properties": props}
            fresh.add(sid)
        upgraded = d.role == "card" and d.version != old_versions.get(d.kind, d.version)
        others = {s["properties"].get("title") for s in actual.get("sheets", []) or [] if s is not sheet}
        a = _load(sheet, sheet["properties"].get("sheetId") in fresh)
        if not a.fresh and _blank(a, sheet):
            a.fresh = True  # e.g. created by an earlier run whose structural batch never landed
        _sheet(d, a, plan, relayout=upgraded, taken=others)
    return plan


def _spreadsheet_level(desired: DesiredSpreadsheet, actual: dict[str, Any], plan: Plan) -> None:
    props = actual.get("properties", {}) or {}
    want = {"title": desired.title, "locale": desired.locale, "timeZone": desired.time_zone}
    wrong = [k for k, v in want.items() if props.get(k) != v]
    if wrong:
        plan.add({"updateSpreadsheetProperties": {"properties": {k: want[k] for k in wrong},
                                                  "fields": ",".join(wrong)}},
                 "spreadsheet " + ", ".join(wrong) + " reset from the config")
    metas = actual.get("developerMetadata", []) or []
    owner = _meta(metas, META_CLIENT)
    if owner and owner[0].get("metadataValue") != desired.client_slug:
        raise WrongSpreadsheet(
            f"spreadsheet {actual.get('spreadsheetId', '?')} belongs to client {owner[0].get('metadataValue')!r}, "
            f"not {desired.client_slug!r}; provision with --recreate to give this client its own spreadsheet")
    for key, value in ((META_CLIENT, desired.client_slug), (META_TEMPLATE, desired.template_version)):
        found = _meta(metas, key)
        if not found:
            plan.add({"createDeveloperMetadata": {"developerMetadata": {
                "metadataKey": key, "metadataValue": value, "location": {"spreadsheet": True},
                "visibility": "DOCUMENT"}}})
        elif found[0].get("metadataValue") != value:
            plan.add({"updateDeveloperMetadata": {
                "dataFilters": [{"developerMetadataLookup": {"metadataId": found[0]["metadataId"]}}],
                "developerMetadata": {"metadataValue": value}, "fields": "metadataValue"}},
                f"templates upgraded {found[0].get('metadataValue')} -> {value}")


def template_versions(actual: dict[str, Any]) -> dict[str, int]:
    """kind -> template version the spreadsheet was last provisioned with (from ``sheetsync.template``)."""
    found = _meta(actual.get("developerMetadata"), META_TEMPLATE)
    if not found:
        return {}
    return {k: int(v) for k, v in re.findall(r"([a-z_]+?)(\d+)(?:\.|$)", found[0].get("metadataValue", ""))}


def _sheet(d: DesiredSheet, a: _Actual, plan: Plan, *, relayout: bool = False,
           taken: set[str] | frozenset[str] = frozenset()) -> None:
    sid = a.sheet_id
    k = d.kind
    if not _meta(a.raw.get("developerMetadata"), META_SHEET):
        plan.add({"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": META_SHEET, "metadataValue": k, "location": {"sheetId": sid}, "visibility": "DOCUMENT"}}})
    grid = a.props.get("gridProperties", {})
    upd: dict[str, Any] = {}
    fields = []
    if a.title != d.title and d.title in taken:
        plan.repairs.append(f"{k}: sheet {a.title!r} not renamed back to {d.title!r}: another sheet has that name; "
                            f"rename or delete that sheet and provision again")
    elif a.title != d.title:
        upd["title"] = d.title
        fields.append("title")
        plan.repairs.append(f"{k}: sheet renamed {a.title!r} -> back to {d.title!r}")
    if fields:
        plan.add({"updateSheetProperties": {"properties": {"sheetId": sid, **upd}, "fields": ",".join(fields)}})

    # columns: put every template column at its place, by metadata
    new_cols: set[int] = set()
    if d.header_row:
        new_cols = _place_columns(d, a, plan)
    elif a.fresh:
        new_cols = set(range(len(d.columns)))
    if a.cols < d.column_count:
        plan.add({"appendDimension": {"sheetId": sid, "dimension": "COLUMNS", "length": d.column_count - a.cols}})
        a.slots.extend([None] * (d.column_count - a.cols))
        a.widths.extend([None] * (d.column_count - len(a.widths)))
    if a.rows < d.row_count and (d.role == "card" or a.fresh):
        plan.add({"appendDimension": {"sheetId": sid, "dimension": "ROWS", "length": d.row_count - a.rows}})
    for dc in d.columns:  # widths are set once; a manager may widen a column without it counting as drift
        if dc.index in new_cols or a.fresh:
            plan.add({"updateDimensionProperties": {
                "range": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": dc.index, "endIndex": dc.index + 1},
                "properties": {"pixelSize": dc.width}, "fields": "pixelSize"}})
    # frozen panes after the column moves: inserting or deleting inside them changes their size
    if grid.get("frozenRowCount", 0) != d.frozen_rows or grid.get("frozenColumnCount", 0) != d.frozen_columns or (
            new_cols and not a.fresh and d.frozen_columns and min(new_cols) < d.frozen_columns):
        plan.add({"updateSheetProperties": {"properties": {"sheetId": sid, "gridProperties": {
            "frozenRowCount": d.frozen_rows, "frozenColumnCount": d.frozen_columns}},
            "fields": "gridProperties.frozenRowCount,gridProperties.frozenColumnCount"}},
            f"{k}: frozen rows/columns reset")
    # cells: headers and the card
    _cells(d, a, plan, new_cols, relayout=relayout)
    # per-column formats and validation, checked on the first and the last data row (rows the sync
    # appended beyond the provisioned grid get them at the next provisioning)
    # (generated sheets: only when new; their rows belong to the planner, who formats them)
    if d.header_row and (d.role == "synced" or a.fresh):
        samples = sorted({1, max(1, a.rows - 1)}) if not a.fresh else [1]
        for dc in d.columns:
            cells = [a.cell(r, dc.index) for r in samples]
            if dc.number_format and not all(matches(dc.number_format, c.get("userEnteredFormat", {}).get(
                    "numberFormat")) for c in cells):
                plan.add({"repeatCell": {"range": _grid(sid, 1, None, dc.index, dc.index + 1),
                                         "cell": {"userEnteredFormat": {"numberFormat": dc.number_format}},
                                         "fields": "userEnteredFormat.numberFormat"}},
                         None if dc.index in new_cols else f"{k}: number format of {dc.key!r} restored")
            if dc.validation and not all(matches(dc.validation, c.get("dataValidation")) for c in cells):
                plan.add({"setDataValidation": {"range": _grid(sid, 1, None, dc.index, dc.index + 1),
                                                "rule": dc.validation}},
                         None if dc.index in new_cols or a.fresh else f"{k}: validation of {dc.key!r} restored")
    _protections(d, a, plan)
    _conditional_formats(d, a, plan)


def _longest_increasing(ranks: list[int]) -> set[int]:
    """Positions of one longest strictly increasing subsequence of ``ranks`` (patience sorting)."""
    import bisect

    tails: list[int] = []  # rank at the end of the best run of each length
    tail_pos: list[int] = []
    prev: list[int] = [-1] * len(ranks)
    for i, r in enumerate(ranks):
        j = bisect.bisect_left(tails, r)
        if j == len(tails):
            tails.append(r)
            tail_pos.append(i)
        else:
            tails[j] = r
            tail_pos[j] = i
        prev[i] = tail_pos[j - 1] if j else -1
    out: set[int] = set()
    i = tail_pos[-1] if tail_pos else -1
    while i >= 0:
        out.add(i)
        i = prev[i]
    return out


def _place_columns(d: DesiredSheet, a: _Actual, plan: Plan) -> set[int]:
    """Move/insert columns so template column k sits at index k, with the fewest moves.

    Columns a person added (no metadata) end up to the right of the template's, in their order.
    The columns that already stand in the right relative order (a longest increasing run) stay.
    Returns the indexes of inserted (new, empty) columns.
    """
    sid, kind = a.sheet_id, d.kind
    keys = [dc.key for dc in d.columns]
    if a.fresh:  # a new, empty sheet: claim the columns in place
        for i, k in enumerate(keys):
            if i < len(a.slots):
                a.slots[i] = k
        for k in keys[len(a.slots):]:
            a.insert(len(a.slots), k)
        return _column_metadata(d, sid, set(range(len(keys))), plan)
    tokens: list[Any] = []
    foreign = 0
    for slot in a.slots:
        if slot is None or slot not in keys or slot in tokens:
            tokens.append(("#foreign", foreign))
            foreign += 1
        else:
            tokens.append(slot)
    order: list[Any] = keys + [("#foreign", j) for j in range(foreign)]
    rank = {t: i for i, t in enumerate(order)}
    fixed = {tokens[i] for i in _longest_increasing([rank[t] for t in tokens])}
    inserted: list[str] = []
    for r, item in enumerate(order):
        if item in fixed:
            continue
        q = tokens.index(order[r - 1]) if r else -1
        if item not in tokens:  # a template column that is missing: insert it after its predecessor
            at = q + 1
            plan.add({"insertDimension": {"range": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": at,
                                                    "endIndex": at + 1}, "inheritFromBefore": False}},
                     f"{kind}: column {item!r} missing — inserted at {_letter(at)}")
            tokens.insert(at, item)
            a.insert(at, item)
            inserted.append(item)
            continue
        src = tokens.index(item)
        dst = q + 1 if q < src else q  # where it ends up
        if dst == src:
            continue
        plan.add({"moveDimension": {"source": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": src,
                                               "endIndex": src + 1}, "destinationIndex": q + 1}},
                 f"{kind}: column {item!r} moved back from {_letter(src)} to {_letter(dst)}" if isinstance(item, str)
                 else f"{kind}: a column added by hand moved to the right of the template's columns")
        tokens.insert(dst, tokens.pop(src))
        a.move(src, dst)
    assert tokens[: len(keys)] == keys, (tokens, keys)  # the invariant the rest of the diff relies on
    return _column_metadata(d, sid, {keys.index(k) for k in inserted}, plan)


def _column_metadata(d: DesiredSheet, sid: int, new_cols: set[int], plan: Plan) -> set[int]:
    for i in sorted(new_cols):
        if d.columns[i].metadata:
            plan.add({"createDeveloperMetadata": {"developerMetadata": {
                "metadataKey": META_COLUMN, "metadataValue": d.columns[i].key, "visibility": "DOCUMENT",
                "location": {"dimensionRange": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": i,
                                                "endIndex": i + 1}}}}})
    return new_cols


def _letter(i: int) -> str:
    return rowcol_to_a1(1, i + 1)[:-1]


def _cells(d: DesiredSheet, a: _Actual, plan: Plan, new_cols: set[int], *, relayout: bool = False) -> None:
    sid = a.sheet_id
    mask = HEADER_FIELDS if d.header_row else CARD_FIELDS
    if relayout:  # a new card layout: clear it and write it whole (the sync re-renders its blocks)
        plan.add({"updateCells": {"range": {"sheetId": sid}, "fields": mask}},
                 f"{d.kind}: new template layout — rewritten")
        a = _Actual(a.sheet_id, a.title, a.props, a.raw, True, a.slots, a.widths, [])
    if a.fresh:  # one updateCells for the whole new sheet's content
        rows: dict[int, dict[int, dict[str, Any]]] = {}
        for c in d.cells:
            rows.setdefault(c.row, {})[c.col] = c.data
        if rows:
            n = max(rows) + 1
            width = max(col for r in rows.values() for col in r) + 1
            data = [{"values": [rows.get(r, {}).get(col, {}) for col in range(width)]} for r in range(n)]
            plan.add({"updateCells": {"start": {"sheetId": sid, "rowIndex": 0, "columnIndex": 0}, "rows": data,
                                      "fields": mask}})
        return
    restored: list[str] = []
    for c in d.cells:
        if not c.managed:
            continue
        have = a.cell(c.row, c.col)
        if not matches(c.data, have):
            what = f"{d.kind}: header of {_key_at(d, c)!r} rewritten" if d.header_row and c.col not in new_cols else None
            plan.add(_write_cell(sid, c, mask), what)
            if not d.header_row:
                restored.append(f"{_letter(c.col)}{c.row + 1}")
    if restored:  # e.g. counters whose references a renamed or moved sheet/column changed
        plan.repairs.append(f"{d.kind}: {len(restored)} cell(s) restored ({', '.join(restored[:6])}"
                            f"{', …' if len(restored) > 6 else ''})")


def _key_at(d: DesiredSheet, c: DesiredCell) -> str:
    return d.columns[c.col].key if c.col < len(d.columns) else f"{_letter(c.col)}"


def _write_cell(sid: int, c: DesiredCell, mask: str) -> dict[str, Any]:
    return {"updateCells": {"range": _grid(sid, c.row, c.row + 1, c.col, c.col + 1), "rows": [{"values": [c.data]}],
                            "fields": c.fields or mask}}


def _protections(d: DesiredSheet, a: _Actual, plan: Plan) -> None:
    sid = a.sheet_id
    prefix = f"{PROTECTION_PREFIX}{d.kind}:"
    ours: dict[str, list[dict[str, Any]]] = {}
    for pr in a.raw.get("protectedRanges", []) or []:
        desc = pr.get("description", "") or ""
        if desc.startswith(prefix):
            ours.setdefault(desc, []).append(pr)
    rows, cols = max(a.rows, d.row_count), max(a.cols, d.column_count)
    service_account = d.protections[0].editors[0] if d.protections else ""
    for dp in d.protections:
        rng = {"sheetId": sid, **dp.range}
        body = {"range": rng, "description": dp.description, "warningOnly": False,
                "editors": {"users": list(dp.editors)}}
        found = ours.pop(dp.description, [])
        for extra in found[1:]:
            plan.add({"deleteProtectedRange": {"protectedRangeId": extra["protectedRangeId"]}})
        if not found:
            plan.add({"addProtectedRange": {"protectedRange": body}},
                     None if a.fresh else f"{d.kind}: protection {dp.description.removeprefix(prefix)!r} restored")
            continue
        have = found[0]
        have_rng = have.get("range", {}) or {}
        have_editors = {u.lower() for u in (have.get("editors", {}) or {}).get("users", [])} - {service_account}
        same_range = (_norm_range(have_rng, rows, cols) == _norm_range(rng, rows, cols)) and (
            not dp.range) == (not {k: v for k, v in have_rng.items() if k != "sheetId"})
        if not same_range or have_editors != set(dp.editors) - {service_account} or have.get("warningOnly"):
            plan.add({"updateProtectedRange": {"protectedRange": {"protectedRangeId": have["protectedRangeId"],
                                                                  **body},
                                               "fields": "range,description,warningOnly,editors"}},
                     f"{d.kind}: protection {dp.description.removeprefix(prefix)!r} corrected")
    for leftovers in ours.values():  # ours, but no longer in the template
        for pr in leftovers:
            plan.add({"deleteProtectedRange": {"protectedRangeId": pr["protectedRangeId"]}})


def _conditional_formats(d: DesiredSheet, a: _Actual, plan: Plan) -> None:
    sid = a.sheet_id
    have = a.raw.get("conditionalFormats", []) or []
    want = [{**rule, "ranges": [{"sheetId": sid, **r} for r in rule["ranges"]]} for rule in d.conditional_formats]
    if len(have) == len(want) and all(matches(w, h) for w, h in zip(want, have, strict=True)):
        return
    for i in reversed(range(len(have))):
        plan.add({"deleteConditionalFormatRule": {"sheetId": sid, "index": i}})
    for i, rule in enumerate(want):
        plan.add({"addConditionalFormatRule": {"rule": rule, "index": i}},
                 None if a.fresh else f"{d.kind}: conditional formats restored")
