"""Provisioning I/O: read the spreadsheet's structure, apply the diff, share. Create it when new.

A new spreadsheet costs one ``spreadsheets.create`` and one ``batchUpdate`` (every sheet, header,
format, validation, protection, conditional format and the card, in one batch) plus sharing. An
existing one costs two reads (the structure, then each sheet's header rows / the card) and, when
nothing drifted, no write at all.

With ``[backend] shared_drive_id`` / ``folder_id`` the new spreadsheet is created by Drive
``files.create`` in that drive or folder (the Sheets API can only create in the caller's My Drive,
and a service account has none), then one structure read and the same one ``batchUpdate``. A
service account with neither configured is stopped before any call, with what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gspread.utils import rowcol_to_a1

from .desired import META_SHEET, ClientInfo, DesiredSpreadsheet, quote_sheet
from .diff import Plan, diff
from .sharing import SharingPlan, apply_sharing, plan_sharing

if TYPE_CHECKING:
    from sheetsync.ports import SheetsPort

log = logging.getLogger(__name__)

STRUCTURE_FIELDS = ("spreadsheetId,properties(title,locale,timeZone),developerMetadata,"
                    "sheets(properties,developerMetadata,protectedRanges,conditionalFormats)")
DATA_FIELDS = ("sheets(properties(sheetId),data(startRow,startColumn,"
               "rowData/values(userEnteredValue,userEnteredFormat,dataValidation,note),"
               "columnMetadata(pixelSize,developerMetadata)))")


class ProvisionError(RuntimeError):
    """Provisioning cannot go on; the message says what to do."""


def no_storage_message(identity: str, what: str) -> str:
    """What to do when a service account would have to own a new spreadsheet (Google refuses it)."""
    return (f"cannot create {what}: {identity} is a service account, and Google gives service accounts no Drive "
            "storage of their own. Set backend.shared_drive_id to a shared drive where it is a Content manager "
            "(docs/google-setup.md, 2a \"The shared drive\"), or use OAuth user credentials or domain-wide "
            "delegation.")


@dataclass
class Outcome:
    spreadsheet_id: str
    created: bool
    plan: Plan
    sharing: SharingPlan = field(default_factory=SharingPlan)


def create_body(desired: DesiredSpreadsheet) -> dict[str, Any]:
    """The ``spreadsheets.create`` body: properties and every sheet's properties (content comes after)."""
    return {
        "properties": {"title": desired.title, "locale": desired.locale, "timeZone": desired.time_zone},
        "sheets": [{"properties": {
            "sheetId": s.preferred_id, "title": s.title, "index": s.index,
            "gridProperties": {"rowCount": s.row_count, "columnCount": s.column_count,
                               "frozenRowCount": s.frozen_rows, "frozenColumnCount": s.frozen_columns}}}
            for s in desired.sheets],
    }


def read_actual(sheets: SheetsPort, spreadsheet_id: str, *, card_rows: int = 100) -> dict[str, Any]:
    """The structure plus, for each sheet, its first two rows and its last row (the card: its first
    ``card_rows``), all in one more call."""
    meta = sheets.get_metadata(spreadsheet_id, STRUCTURE_FIELDS)
    ranges = []
    for s in meta.get("sheets", []) or []:
        props = s.get("properties", {})
        grid = props.get("gridProperties", {})
        rows, cols = grid.get("rowCount", 0), grid.get("columnCount", 0)
        if not rows or not cols or props.get("sheetType", "GRID") != "GRID":
            continue
        kinds = [m.get("metadataValue") for m in s.get("developerMetadata", []) or []
                 if m.get("metadataKey") == META_SHEET]
        last = min(rows, card_rows if "card" in kinds else 2)
        title = quote_sheet(props["title"])
        ranges.append(f"{title}!A1:{rowcol_to_a1(last, cols)}")
        if "card" not in kinds and rows > last:  # the last row too: formats/validation must reach it
            ranges.append(f"{title}!A{rows}:{rowcol_to_a1(rows, cols)}")
    if ranges:
        data = sheets.request("GET", f"https://sheets.googleapis.com/v4/spreadsheets/{spreadsheet_id}",
                              params={"ranges": ranges, "fields": DATA_FIELDS, "includeGridData": "true"},
                              what=f"spreadsheet {spreadsheet_id}") or {}
        by_id = {s.get("properties", {}).get("sheetId"): s for s in data.get("sheets", []) or []}
        for s in meta.get("sheets", []) or []:
            got = by_id.get(s["properties"].get("sheetId"))
            if got is not None:
                s["data"] = got.get("data", [])
    return meta


def ensure_spreadsheet(sheets: SheetsPort, desired: DesiredSpreadsheet, spreadsheet_id: str | None, *,
                       on_created: Callable[[str], object] | None = None) -> Outcome:
    """Create (when ``spreadsheet_id`` is None) or repair the spreadsheet; returns what was done.

    ``on_created(spreadsheet_id)`` runs right after creation, before anything else, so the id is
    recorded even if a later step fails.
    """
    parent = getattr(sheets, "folder_id", None) or getattr(sheets, "shared_drive_id", None)
    if spreadsheet_id is None and parent:
        spreadsheet_id = _create_in(sheets, desired, parent)
        if on_created is not None:
            on_created(spreadsheet_id)
        actual = sheets.get_metadata(spreadsheet_id, STRUCTURE_FIELDS)
        plan = diff(desired, actual, fresh=[s["properties"]["sheetId"] for s in actual.get("sheets", []) or []])
        _drop_default_sheets(desired, actual, plan)
        plan.repairs.clear()  # a new spreadsheet: nothing drifted
        created = True
    elif spreadsheet_id is None:
        if getattr(sheets, "is_service_account", False):
            raise ProvisionError(no_storage_message(sheets.identity, f"{desired.client_slug}'s spreadsheet"))
        resp = sheets.create_spreadsheet(create_body(desired))
        spreadsheet_id = resp["spreadsheetId"]
        if on_created is not None:
            on_created(spreadsheet_id)
        fresh = [s["properties"]["sheetId"] for s in resp.get("sheets", [])]
        plan = diff(desired, resp, fresh=fresh)
        created = True
    else:
        actual = read_actual(sheets, spreadsheet_id, card_rows=max(
            (s.row_count for s in desired.sheets if s.role == "card"), default=100))
        plan = diff(desired, actual)
        created = False
    if plan.requests:
        sheets.batch_update(spreadsheet_id, plan.requests)
    for why in plan.repairs:
        log.info("%s: %s", desired.client_slug, why)
    return Outcome(spreadsheet_id, created, plan)


def _create_in(sheets: SheetsPort, desired: DesiredSpreadsheet, parent: str) -> str:
    from sheetsync.sheets.errors import PermissionDenied

    try:
        return str(sheets.create_spreadsheet_file(desired.title, parent))
    except PermissionDenied as e:
        if "storage quota" in e.message.lower():  # a folder in someone's My Drive does not help a service account
            raise ProvisionError(no_storage_message(sheets.identity, f"{desired.client_slug}'s spreadsheet in "
                                                    f"folder {parent}")) from None
        raise


def _drop_default_sheets(desired: DesiredSpreadsheet, actual: dict[str, Any], plan: Plan) -> None:
    """Drive makes a spreadsheet with one empty default sheet; it goes once the template's sheets exist."""
    titles = {s.title for s in desired.sheets}
    for s in actual.get("sheets", []) or []:
        props = s.get("properties", {})
        if props.get("title") not in titles and not any(
                m.get("metadataKey") == META_SHEET for m in s.get("developerMetadata", []) or []):
            plan.add({"deleteSheet": {"sheetId": props.get("sheetId", 0)}})


def share(sheets: SheetsPort, spreadsheet_id: str, wanted: dict[str, str], *, notify: bool = False) -> SharingPlan:
    """Make the file's permissions exactly ``wanted`` (owner and service account untouched)."""
    current = sheets.list_permissions(spreadsheet_id)
    plan = plan_sharing(wanted, current, service_account=sheets.identity)
    apply_sharing(sheets, spreadsheet_id, plan, notify=notify)
    return plan


def managers_of(client: ClientInfo, extra: Iterable[str] = ()) -> tuple[str, ...]:
    out = [client.manager_email] if client.manager_email else []
    out += [e for e in extra if e]
    return tuple(dict.fromkeys(e.lower() for e in out))


def as_tuple(x: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(x or ())
