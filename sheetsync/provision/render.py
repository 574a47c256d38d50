"""What the sync and the planner write into provisioned sheets: card blocks and generated sheets.

Builders are pure and return ``batchUpdate`` requests, so a caller can add them to the batch it
sends anyway; ``rewrite_generated_sheet`` is the one-call convenience. Values are typed explicitly
(``stringValue`` for text), so text from the store can never become a formula; only a
:class:`Formula` (from a template or this module) is written as one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from ..sheets.values import date_to_serial, datetime_to_serial
from ..templates import SheetSpec, Templates, default_format
from ..vocabulary import WORDS, locale_of
from .desired import HEADER_BG, META_SHEET, CardLayout, card_layout, days_cell, header_cell, rgb

GENERATED_FIELDS = "userEnteredValue,userEnteredFormat,note"


@dataclass(frozen=True)
class Formula:
    """A formula to write as such (only ever from templates or sheetsync's own code)."""

    text: str


@dataclass(frozen=True)
class Cell:
    """A value with presentation, for generated sheets (e.g. a Gantt bar)."""

    value: Any = None
    background: str | None = None  # "#RRGGBB"
    note: str | None = None
    bold: bool = False
    number_format: dict[str, str] | None = None


@dataclass(frozen=True)
class WaitingTask:
    key: str
    title: str
    since: dt.date
    days: int | None = None  # working days (the stage clock); None: a TODAY()-since formula, calendar days


def serial(value: dt.date | dt.datetime) -> float:
    """Sheets' serial number (fraction = time of day); an aware datetime counts its own wall clock."""
    if isinstance(value, dt.datetime):
        return float(datetime_to_serial(value.replace(tzinfo=None)))
    return float(date_to_serial(value))


def cell_data(value: Any, *, number_format: dict[str, str] | None = None) -> dict[str, Any]:
    """A CellData for a Python value: text stays text whatever it starts with."""
    fmt: dict[str, Any] = {}
    data: dict[str, Any]
    if isinstance(value, Cell):
        data = cell_data(value.value, number_format=value.number_format or number_format)
        fmt = data.setdefault("userEnteredFormat", {})
        if value.background:
            fmt["backgroundColor"] = rgb(value.background)
        if value.bold:
            fmt["textFormat"] = {"bold": True}
        if value.note:
            data["note"] = value.note
        if not fmt:
            data.pop("userEnteredFormat")
        return data
    if value is None or value == "":
        uev: dict[str, Any] | None = None
    elif isinstance(value, Formula):
        uev = {"formulaValue": value.text}
    elif isinstance(value, bool):
        uev = {"boolValue": value}
    elif isinstance(value, int | float):
        uev = {"numberValue": value}
    elif isinstance(value, dt.datetime):
        uev = {"numberValue": serial(value)}
        number_format = number_format or {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}
    elif isinstance(value, dt.date):
        uev = {"numberValue": serial(value)}
        number_format = number_format or {"type": "DATE", "pattern": "yyyy-mm-dd"}
    else:
        uev = {"stringValue": str(value)}
    data = {}
    if uev is not None:
        data["userEnteredValue"] = uev
    if number_format:
        data["userEnteredFormat"] = {"numberFormat": number_format}
    return data


def find_sheet_id(metadata: dict[str, Any], kind: str) -> int | None:
    """The sheetId of ``kind`` in a ``spreadsheets.get`` answer that includes sheets' developerMetadata."""
    for s in metadata.get("sheets", []) or []:
        for m in s.get("developerMetadata", []) or []:
            if m.get("metadataKey") == META_SHEET and m.get("metadataValue") == kind:
                return s["properties"]["sheetId"]
    return None


# --- the card -------------------------------------------------------------------------------


def layout_of(templates: Templates) -> CardLayout:
    return card_layout(templates["card"], templates.vocabularies)


def waiting_block(templates: Templates, sheet_id: int, tasks: Sequence[WaitingTask], *, locale: str,
                  today: dt.date | None = None) -> list[dict[str, Any]]:
    """Requests that replace the card's "waiting on the client" list (oldest first).

    Days waiting is the stage clock's number of working days (agency calendar and holidays) when the
    caller gives it — what sheetsync's own refreshes do, daily (``planning.sheets.refresh_card_reminders``);
    a spreadsheet formula cannot count the agency's working days (no holiday list in the sheet, and
    Russia's transferred working Saturdays are beyond NETWORKDAYS). Without it, a ``TODAY()-since``
    formula in calendar days. More tasks than the block has rows: the last row says how many more there are.
    """
    spec = templates["card"]
    assert spec.card is not None
    layout = layout_of(templates)
    n = layout.waiting_rows
    lang = locale_of(locale, "en")  # anything but ru: English, as this block always did
    date_fmt = default_format("date", lang)
    days = days_cell(spec)  # every row of the column, so provisioning finds no drift
    items = sorted(tasks, key=lambda t: (t.since, t.key))
    shown = items if len(items) <= n else items[: n - 1]
    rows: list[dict[str, Any]] = []
    for i, t in enumerate(shown):
        r = layout.waiting_first_row + i + 1  # 1-based row for the formula
        count = Formula(f'=IF(C{r}="","",TODAY()-C{r})') if t.days is None else t.days
        rows.append({"values": [cell_data(t.key), cell_data(t.title), cell_data(t.since, number_format=date_fmt),
                                {**cell_data(count), **days}]})
    if len(items) > len(shown):
        more = len(items) - len(shown)
        rows.append({"values": [{}, cell_data(WORDS("and_more", lang, n=more)), {}, days]})
    if not items:
        rows.append({"values": [{}, cell_data(spec.card.waiting.empty.get(locale)), {}, days]})
    while len(rows) < n:
        rows.append({"values": [{}, {}, {}, days]})
    return [{"updateCells": {"range": {"sheetId": sheet_id, "startRowIndex": layout.waiting_first_row,
                                       "endRowIndex": layout.waiting_first_row + n, "startColumnIndex": 0,
                                       "endColumnIndex": 4},
                             "rows": rows, "fields": "userEnteredValue,userEnteredFormat.numberFormat"}}]


def last_sync(templates: Templates, sheet_id: int, when: dt.datetime, *, timezone: str) -> list[dict[str, Any]]:
    """The request that stamps the card's "last successful sync" cell, in the client's time zone."""
    if when.tzinfo is None:
        raise ValueError("last_sync needs a timezone-aware datetime (UTC)")
    local = when.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    spec = templates["card"]
    assert spec.card is not None
    pattern = next((f.format for f in spec.card.fields if f.key == "last_sync"), None) or "yyyy-mm-dd hh:mm"
    r, c = layout_of(templates).last_sync
    data = cell_data(local, number_format={"type": "DATE_TIME", "pattern": pattern})
    return [{"updateCells": {"range": {"sheetId": sheet_id, "startRowIndex": r, "endRowIndex": r + 1,
                                       "startColumnIndex": c, "endColumnIndex": c + 1},
                             "rows": [{"values": [data]}], "fields": "userEnteredValue,userEnteredFormat.numberFormat"}}]


# --- generated sheets (plan-schedule, metrics) ----------------------------------------------------


def generated_sheet(templates: Templates, kind: str, sheet_id: int, rows: Sequence[Sequence[Any]], *, locale: str,
                    extra_headers: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Requests that rewrite a generated sheet whole: the template's header + ``extra_headers``
    (e.g. one per week), then ``rows``. Cells of template columns get the column's number format;
    a ``None`` in a computed column gets the template's formula for that row. Everything else
    on the sheet is cleared, and the grid is resized to fit."""
    spec: SheetSpec = templates[kind]
    width = max([len(spec.columns) + len(extra_headers), *(len(r) for r in rows)])
    header = [header_cell(c, locale) for c in spec.columns]
    header += [cell_data(h) | {"userEnteredFormat": {"textFormat": {"bold": True},
                                                     "backgroundColor": rgb(HEADER_BG)}}
               for h in extra_headers]
    out_rows = [{"values": header}]
    for i, row in enumerate(rows):
        r = i + 2
        values = []
        for j in range(width):
            v = row[j] if j < len(row) else None
            col = spec.columns[j] if j < len(spec.columns) else None
            if col is not None and col.computed and v is None:
                v = Formula(templates.formula(kind, col.formula or "", r, locale))
            values.append(cell_data(v, number_format=col.number_format(locale) if col else None))
        out_rows.append({"values": values})
    n_rows = max(len(out_rows), spec.frozen_rows + 1)
    return [
        {"updateSheetProperties": {"properties": {"sheetId": sheet_id, "gridProperties": {
            "rowCount": n_rows, "columnCount": width}}, "fields": "gridProperties.rowCount,gridProperties.columnCount"}},
        {"updateCells": {"range": {"sheetId": sheet_id}, "rows": out_rows, "fields": GENERATED_FIELDS}},
    ]


def rewrite_generated_sheet(sheets: Any, spreadsheet_id: str, templates: Templates, kind: str,
                            rows: Sequence[Sequence[Any]], *, locale: str, extra_headers: Sequence[Any] = (),
                            sheet_id: int | None = None) -> int:
    """Rewrite a generated sheet in one ``batchUpdate`` (plus one small read when ``sheet_id`` is
    not given). Returns the sheetId. Raises LookupError when the sheet is missing: provision first."""
    if sheet_id is None:
        meta = sheets.get_metadata(spreadsheet_id, "sheets(properties(sheetId,title),developerMetadata)")
        sheet_id = find_sheet_id(meta, kind)
        if sheet_id is None:
            raise LookupError(f"spreadsheet {spreadsheet_id} has no {kind} sheet; run `sheetsync provision` "
                              f"for its client to repair it")
    sheets.batch_update(spreadsheet_id, generated_sheet(templates, kind, sheet_id, rows, locale=locale,
                                                        extra_headers=extra_headers))
    return sheet_id
