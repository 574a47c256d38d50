"""`sheetsync doctor --deep`: does Google still answer the way the emulator (and so sheetsync) expects?

Runs the sync's own request kinds — create, a structural ``batchUpdate`` like provisioning's, values
``batchUpdate``/``batchGet`` (UNFORMATTED_VALUE), ``batchUpdateByDataFilter``, developer-metadata
search, Drive ``files.get`` (version, modifiedTime), ``files.list``, permissions list/create and the
delete — against a scratch spreadsheet in the configured shared drive/folder, then the same sequence on
an in-process embedded emulator, and compares the SHAPE of every answer: keys and value types,
recursively (ids, timestamps and other values are ignored; JSON numbers are one type). Every
difference is a row of the report. The scratch spreadsheet is deleted whatever happens.

Cost on Google: about a dozen requests (half of them Drive), once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .batch import LIST_FIELDS, SPREADSHEET_MIME
from .client import DRIVE_API, SHEETS_API, Backend, SheetsClient, connect
from .errors import PermissionDenied, SheetsError

TITLE_PREFIX = "sheetsync doctor --deep scratch"
FOLDER_MIME = "application/vnd.google-apps.folder"
META_KEY = "sheetsync.deepcheck"
REFERENCE_USER = "deepcheck@sheetsync.test"


@dataclass(frozen=True)
class Answer:
    """One step's answer on one side: the decoded JSON (None for an empty body) or an error."""

    body: Any = None
    status: int = 200
    error: str | None = None


@dataclass(frozen=True)
class Difference:
    step: str
    path: str
    google: str
    emulator: str


@dataclass
class DeepReport:
    steps: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    google: dict[str, Answer] = field(default_factory=dict)
    emulator: dict[str, Answer] = field(default_factory=dict)
    scratch_removed: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences and self.scratch_removed


# --- shapes --------------------------------------------------------------------------------------

def shape(value: Any) -> Any:
    """Keys and value types, recursively; a list's elements are merged into one element shape."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        merged: Any = None
        for v in value:
            merged = _merge(merged, shape(v))
        return [] if merged is None else [merged]
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "string" if isinstance(value, str) else type(value).__name__


def _merge(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _merge(a.get(k), b.get(k)) for k in {**a, **b}}
    if isinstance(a, list) and isinstance(b, list):
        return [_merge(a[0] if a else None, b[0] if b else None)] if (a or b) else []
    if a == b:
        return a
    return "|".join(sorted(set(_kind(a).split("|")) | set(_kind(b).split("|"))))


def _kind(s: Any) -> str:
    if isinstance(s, dict):
        return "object"
    if isinstance(s, list):
        return "array"
    return str(s)


def compare(step: str, google: Any, emulator: Any, path: str = "") -> list[Difference]:
    """Every place where two shapes differ: a key on one side only, or another type."""
    out: list[Difference] = []
    if isinstance(google, dict) and isinstance(emulator, dict):
        for k in sorted({**google, **emulator}):
            sub = f"{path}.{k}" if path else k
            if k not in emulator:
                out.append(Difference(step, sub, _kind(google[k]), "(absent)"))
            elif k not in google:
                out.append(Difference(step, sub, "(absent)", _kind(emulator[k])))
            else:
                out += compare(step, google[k], emulator[k], sub)
        return out
    if isinstance(google, list) and isinstance(emulator, list):
        if google and emulator:  # an empty list says nothing about its elements
            out += compare(step, google[0], emulator[0], f"{path}[]")
        return out
    if _kind(google) != _kind(emulator):
        out.append(Difference(step, path or "(body)", _kind(google), _kind(emulator)))
    return out


def compare_answers(step: str, google: Answer, emulator: Answer) -> list[Difference]:
    if google.error or emulator.error:
        g = f"HTTP {google.status}" + (f" {google.error}" if google.error else "")
        e = f"HTTP {emulator.status}" + (f" {emulator.error}" if emulator.error else "")
        if google.status == emulator.status and bool(google.error) == bool(emulator.error):
            return []
        return [Difference(step, "(status)", g, e)]
    return compare(step, shape(google.body), shape(emulator.body))


# --- the sequence ----------------------------------------------------------------------------------

@dataclass
class _Context:
    title: str
    parent: str | None = None  # folder or shared-drive id for the scratch file
    drive_id: str | None = None
    share_with: str | None = None
    sid: str | None = None
    sheet_id: int | None = None
    metadata_id: int | None = None
    deleted: bool = False
    trashed: bool = False


Step = tuple[str, Callable[[SheetsClient, _Context], Any]]


def _sid(ctx: _Context) -> str:
    if not ctx.sid:
        raise _Skip("no scratch spreadsheet")
    return quote(ctx.sid, safe="")


class _Skip(Exception):
    pass


def _create(c: SheetsClient, ctx: _Context) -> Any:
    if ctx.parent:  # placement in a shared drive / folder goes through Drive, as provisioning does
        body = c.request("POST", f"{DRIVE_API}/files", params={"supportsAllDrives": "true",
                                                               "fields": "id,name,mimeType,parents,driveId"},
                         json_body={"name": ctx.title, "mimeType": SPREADSHEET_MIME, "parents": [ctx.parent]},
                         what="the scratch spreadsheet")
        ctx.sid = body["id"]
        return body
    body = c.request("POST", SHEETS_API, json_body={
        "properties": {"title": ctx.title, "locale": "en_US", "timeZone": "Etc/UTC"},
        "sheets": [{"properties": {"title": "Tasks", "gridProperties": {"rowCount": 20, "columnCount": 6}}}]},
        what="the scratch spreadsheet")
    ctx.sid = body["spreadsheetId"]
    return body


def _get(c: SheetsClient, ctx: _Context) -> Any:
    body = c.request("GET", f"{SHEETS_API}/{_sid(ctx)}",
                     params={"fields": "spreadsheetId,properties(title,locale,timeZone),sheets.properties"})
    ctx.sheet_id = body["sheets"][0]["properties"]["sheetId"]
    return body


def _structure(c: SheetsClient, ctx: _Context) -> Any:
    sid = ctx.sheet_id if ctx.sheet_id is not None else 0
    rows = {"sheetId": sid, "startRowIndex": 1, "endRowIndex": 10, "startColumnIndex": 0, "endColumnIndex": 3}
    requests_ = [
        {"updateSheetProperties": {"properties": {"sheetId": sid, "title": "Tasks",
                                                  "gridProperties": {"frozenRowCount": 1}},
                                   "fields": "title,gridProperties.frozenRowCount"}},
        {"addSheet": {"properties": {"title": "Archive", "gridProperties": {"rowCount": 10, "columnCount": 4}}}},
        {"repeatCell": {"range": {**rows, "startRowIndex": 0, "endRowIndex": 1},
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat.textFormat.bold"}},
        {"updateDimensionProperties": {"range": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": 0,
                                                 "endIndex": 1},
                                       "properties": {"pixelSize": 240}, "fields": "pixelSize"}},
        {"setDataValidation": {"range": {**rows, "startColumnIndex": 2, "endColumnIndex": 3},
                               "rule": {"condition": {"type": "ONE_OF_LIST",
                                                      "values": [{"userEnteredValue": "todo"},
                                                                 {"userEnteredValue": "done"}]},
                                        "strict": True, "showCustomUi": True}}},
        {"addProtectedRange": {"protectedRange": {"range": {**rows, "startRowIndex": 0, "endRowIndex": 1},
                                                  "description": "header", "warningOnly": True}}},
        {"updateCells": {"range": {**rows, "endRowIndex": 2},
                         "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}},
                                              {"userEnteredValue": {"numberValue": 2}},
                                              {"userEnteredValue": {"stringValue": "todo"}}]}],
                         "fields": "userEnteredValue"}},
        {"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": META_KEY, "metadataValue": "row-1", "visibility": "DOCUMENT",
            "location": {"dimensionRange": {"sheetId": sid, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}}}},
    ]
    body = c.request("POST", f"{SHEETS_API}/{_sid(ctx)}:batchUpdate",
                     json_body={"requests": requests_, "includeSpreadsheetInResponse": False})
    for reply in body.get("replies") or []:
        meta = (reply.get("createDeveloperMetadata") or {}).get("developerMetadata")
        if meta:
            ctx.metadata_id = meta.get("metadataId")
    return body


def _values_write(c: SheetsClient, ctx: _Context) -> Any:
    return c.request("POST", f"{SHEETS_API}/{_sid(ctx)}/values:batchUpdate", json_body={
        "valueInputOption": "RAW", "includeValuesInResponse": False,
        "data": [{"range": "Tasks!A3:C4", "majorDimension": "ROWS",
                  "values": [["Write the brief", 1.5, "todo"], ["=not a formula", 0, "done"]]}]})


def _values_read(c: SheetsClient, ctx: _Context) -> Any:
    return c.request("GET", f"{SHEETS_API}/{_sid(ctx)}/values:batchGet", params={
        "ranges": ["Tasks!A1:C4", "Archive!A1:B2"], "majorDimension": "ROWS",
        "valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"})


def _by_data_filter(c: SheetsClient, ctx: _Context) -> Any:
    if ctx.metadata_id is None:
        raise _Skip("no developer metadata id (the structural batchUpdate did not create one)")
    return c.request("POST", f"{SHEETS_API}/{_sid(ctx)}/values:batchUpdateByDataFilter", json_body={
        "valueInputOption": "RAW", "includeValuesInResponse": False,
        "data": [{"dataFilter": {"developerMetadataLookup": {"metadataId": ctx.metadata_id}},
                  "majorDimension": "ROWS", "values": [["renamed", 3]]}]})


def _metadata_search(c: SheetsClient, ctx: _Context) -> Any:
    return c.request("POST", f"{SHEETS_API}/{_sid(ctx)}/developerMetadata:search", json_body={
        "dataFilters": [{"developerMetadataLookup": {"metadataKey": META_KEY}}]})


def _file_get(c: SheetsClient, ctx: _Context) -> Any:
    return c.request("GET", f"{DRIVE_API}/files/{_sid(ctx)}", params={
        "supportsAllDrives": "true", "fields": "id,name,mimeType,version,modifiedTime,trashed,capabilities(canEdit)"})


def _file_list(c: SheetsClient, ctx: _Context) -> Any:
    title = ctx.title.replace("\\", "\\\\").replace("'", "\\'")
    params: dict[str, Any] = {"q": f"name = '{title}' and mimeType = '{SPREADSHEET_MIME}' and trashed = false",
                              "pageSize": 10, "fields": LIST_FIELDS}
    if ctx.drive_id:
        params.update(corpora="drive", driveId=ctx.drive_id, includeItemsFromAllDrives="true",
                      supportsAllDrives="true")
    elif ctx.parent:
        params.update(corpora="allDrives", includeItemsFromAllDrives="true", supportsAllDrives="true")
    return c.request("GET", f"{DRIVE_API}/files", params=params)


def _permissions_list(c: SheetsClient, ctx: _Context) -> Any:
    return c.request("GET", f"{DRIVE_API}/files/{_sid(ctx)}/permissions", params={
        "supportsAllDrives": "true", "fields": "nextPageToken,permissions(id,type,role,emailAddress,domain)"})


def _permission_create(c: SheetsClient, ctx: _Context) -> Any:
    if not ctx.share_with:
        raise _Skip("no address to share with (pass --share-with)")
    return c.request("POST", f"{DRIVE_API}/files/{_sid(ctx)}/permissions", params={
        "supportsAllDrives": "true", "sendNotificationEmail": "false", "fields": "id,type,role,emailAddress"},
        json_body={"type": "user", "role": "reader", "emailAddress": ctx.share_with})


def _delete(c: SheetsClient, ctx: _Context) -> Any:
    if ctx.parent:
        # In a shared drive only an organizer (Manager) may delete permanently ("If the file belongs to a
        # shared drive, the user must be an organizer on the parent folder", Drive API files.delete); a
        # Content manager moves it to the drive's trash, which is what sheetsync's identity can count on.
        body = c.request("PATCH", f"{DRIVE_API}/files/{_sid(ctx)}", params={"supportsAllDrives": "true",
                                                                           "fields": "id,trashed"},
                         json_body={"trashed": True})
        ctx.trashed = True
        return body
    body = c.request("DELETE", f"{DRIVE_API}/files/{_sid(ctx)}", params={"supportsAllDrives": "true"})
    ctx.deleted = True
    return body


def _remove(client: SheetsClient, ctx: _Context, notes: list[str]) -> None:
    """Best effort, after the steps: delete the scratch file for good, or at least trash it."""
    url = f"{DRIVE_API}/files/{quote(ctx.sid or '', safe='')}"
    try:
        client.request("DELETE", url, params={"supportsAllDrives": "true"}, what="the scratch spreadsheet")
        ctx.deleted = True
        return
    except PermissionDenied:
        pass  # a Content manager of a shared drive: trash is the most it may do
    except Exception as e:  # noqa: BLE001 - reported: the person must remove it by hand
        notes.append(f"could not delete the scratch spreadsheet {ctx.sid} ({type(e).__name__}): "
                     f"delete “{ctx.title}” by hand")
        return
    try:
        if not ctx.trashed:
            client.request("PATCH", url, params={"supportsAllDrives": "true", "fields": "id,trashed"},
                           json_body={"trashed": True}, what="the scratch spreadsheet")
            ctx.trashed = True
        notes.append(f"the scratch spreadsheet “{ctx.title}” is in the shared drive's trash (only a Manager of the "
                     "drive may delete for good; Drive empties the trash after 30 days)")
    except Exception as e:  # noqa: BLE001 - reported: the person must remove it by hand
        notes.append(f"could not delete or trash the scratch spreadsheet {ctx.sid} ({type(e).__name__}): "
                     f"delete “{ctx.title}” by hand")


STEPS: tuple[Step, ...] = (
    ("create", _create),
    ("spreadsheets.get", _get),
    ("batchUpdate (provisioning's structure)", _structure),
    ("values.batchUpdate RAW", _values_write),
    ("values.batchGet UNFORMATTED_VALUE", _values_read),
    ("values.batchUpdateByDataFilter", _by_data_filter),
    ("developerMetadata.search", _metadata_search),
    ("drive files.get version/modifiedTime", _file_get),
    ("drive files.list", _file_list),
    ("drive permissions.list", _permissions_list),
    ("drive permissions.create", _permission_create),
    ("drive files.delete (trash in a shared drive)", _delete),
)


def run_sequence(client: SheetsClient, ctx: _Context, steps: tuple[Step, ...] = STEPS) -> tuple[dict[str, Answer],
                                                                                                 bool, list[str]]:
    """Every step on one side; the scratch file is deleted in ``finally`` when a step failed before the
    delete. Returns the answers, whether the scratch file is gone, and notes."""
    answers: dict[str, Answer] = {}
    notes: list[str] = []
    try:
        for name, fn in steps:
            try:
                answers[name] = Answer(body=fn(client, ctx))
            except _Skip as e:
                notes.append(f"{name}: skipped ({e})")
            except SheetsError as e:
                answers[name] = Answer(status=e.status or 0, error=type(e).__name__)
            except (ValueError, KeyError, TypeError, IndexError) as e:  # an answer we could not read
                answers[name] = Answer(status=0, error=f"unreadable answer ({type(e).__name__})")
            if name == "create" and not ctx.sid:
                break  # nothing to work on
    finally:
        if ctx.sid and not ctx.deleted:
            _remove(client, ctx, notes)
    return answers, (ctx.deleted or ctx.trashed or not ctx.sid), notes


def _reference_client(backend: Backend) -> tuple[SheetsClient, str | None, str | None]:
    """An in-process emulator laid out like the configured placement (a shared drive / folder when asked)."""
    from gsheets_emulator import Emulator

    client = connect(Backend(emulator=Emulator(), user=REFERENCE_USER))
    parent = drive_id = None
    if backend.shared_drive_id:
        try:
            d = client.request("POST", f"{DRIVE_API}/drives", params={"requestId": uuid.uuid4().hex},
                               json_body={"name": "deep check"})
            parent = drive_id = d["id"]
        except SheetsError:
            parent = drive_id = None  # an emulator without shared drives: compare in My Drive
    if backend.folder_id:
        params = {"supportsAllDrives": "true"}
        body: dict[str, Any] = {"name": "deep check folder", "mimeType": FOLDER_MIME}
        if drive_id:
            body["parents"] = [drive_id]
        parent = client.request("POST", f"{DRIVE_API}/files", params=params, json_body=body)["id"]
    return client, parent, drive_id


def deep_check(target: SheetsClient, backend: Backend, *, share_with: str | None = None,
               reference: SheetsClient | None = None, steps: tuple[Step, ...] = STEPS) -> DeepReport:
    """Run the sequence on ``target`` (Google) and on an in-process emulator; compare the shapes."""
    title = f"{TITLE_PREFIX} {uuid.uuid4().hex[:12]}"
    report = DeepReport(steps=[name for name, _ in steps])
    g_ctx = _Context(title=title, parent=backend.folder_id or backend.shared_drive_id,
                     drive_id=backend.shared_drive_id if not backend.folder_id else None, share_with=share_with)
    report.google, report.scratch_removed, notes = run_sequence(target, g_ctx, steps)
    report.notes += [f"Google: {n}" for n in notes]
    if reference is None:
        reference, parent, drive_id = _reference_client(backend)
    else:
        parent = drive_id = None
    e_ctx = _Context(title=title, parent=parent, drive_id=drive_id if not backend.folder_id else None,
                     share_with=share_with and "someone@sheetsync.test")
    report.emulator, _, notes = run_sequence(reference, e_ctx, steps)
    report.notes += [f"emulator: {n}" for n in notes]
    stopped = "create" in report.google and report.google["create"].error is not None
    if stopped:
        report.notes.append("Google: the scratch spreadsheet could not be created, so no other request ran "
                            "(see the doctor rows above for the set-up)")
    for name in report.steps:
        g, e = report.google.get(name), report.emulator.get(name)
        if (g is None and e is None) or (g is None and stopped):
            continue
        if g is None or e is None:
            report.differences.append(Difference(name, "(step)", "not run" if g is None else "answered",
                                                 "not run" if e is None else "answered"))
            continue
        report.differences += compare_answers(name, g, e)
    return report


__all__ = ["STEPS", "Answer", "DeepReport", "Difference", "compare", "deep_check", "run_sequence", "shape"]
