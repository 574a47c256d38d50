"""Batched reads and writes: each helper is exactly one API call (or one per Drive page).

These are what keep the budgets in docs/benchmarks.md "Budgets": a changed client costs one Sheets read,
one values write and, only when structure or formatting changes, one ``:batchUpdate``.
Empty work sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .a1 import a1_range
from .errors import InvalidRequest

if TYPE_CHECKING:
    from .client import SheetsClient

SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
INPUT_OPTIONS = ("RAW", "USER_ENTERED")
LIST_FIELDS = "nextPageToken,files(id,name,modifiedTime,version)"
PAGE_SIZE = 1000
# Drive answers 404 for a shared-drive file unless the call says it supports shared drives; harmless for
# My Drive files, so every Drive call on a file sends it (Drive v3 "Implement shared drive support").
ALL_DRIVES = {"supportsAllDrives": "true"}


@dataclass(frozen=True)
class DriveFile:
    id: str
    name: str
    modified_time: str  # RFC 3339, as Drive sent it (compare as strings: fixed format, UTC)
    version: int


def _sid(spreadsheet_id: str) -> str:
    return quote(spreadsheet_id, safe="")


def snapshot(client: SheetsClient, spreadsheet_id: str, ranges: Sequence[str]) -> dict[str, list[list[Any]]]:
    """One ``values:batchGet`` of ``ranges`` (unformatted values, serial-number dates) -> {range: rows}.

    Keys are the ranges as requested (Google echoes them normalised, which would not match).
    Trailing empty rows and cells are absent, as Google returns them.
    """
    ranges = list(dict.fromkeys(ranges))
    if not ranges:
        return {}
    params: dict[str, Any] = {"ranges": ranges, "majorDimension": "ROWS",
                              "valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}
    data = client.request("GET", f"{SHEETS_API}/{_sid(spreadsheet_id)}/values:batchGet", params=params,
                          what=f"spreadsheet {spreadsheet_id}") or {}
    got = data.get("valueRanges") or []
    if len(got) != len(ranges):
        raise InvalidRequest(f"values:batchGet returned {len(got)} ranges for {len(ranges)} requested")
    return {r: vr.get("values") or [] for r, vr in zip(ranges, got, strict=True)}


def write_values(client: SheetsClient, spreadsheet_id: str, updates: Iterable[tuple[str, Sequence[Sequence[Any]]]],
                 *, input_option: str = "RAW") -> dict[str, Any]:
    """One ``values:batchUpdate`` writing every ``(a1_range, rows)``; returns Google's answer ({} if nothing to do).

    ``RAW`` (the default) stores strings as typed text, so a store value like ``=cmd`` never runs;
    ``USER_ENTERED`` is for template formulas only. ``None`` in rows leaves a cell unchanged; write
    ``""`` to clear it.
    """
    if input_option not in INPUT_OPTIONS:
        raise InvalidRequest(f"valueInputOption {input_option!r} is not one of {', '.join(INPUT_OPTIONS)}",
                             hint="use RAW for values from the store, USER_ENTERED only for template formulas")
    data = [{"range": rng, "majorDimension": "ROWS", "values": [list(r) for r in rows]} for rng, rows in updates]
    if not data:
        return {}
    body = {"valueInputOption": input_option, "data": data, "includeValuesInResponse": False}
    return client.request("POST", f"{SHEETS_API}/{_sid(spreadsheet_id)}/values:batchUpdate", json_body=body,
                          what=f"spreadsheet {spreadsheet_id}") or {}


def batch_update(client: SheetsClient, spreadsheet_id: str, requests: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One ``spreadsheets:batchUpdate`` (structure, formatting, notes, metadata); returns the replies.

    Not idempotent, so never retried: after :class:`~.errors.WriteOutcomeUnknown`, re-read the
    metadata before sending it again.
    """
    if not requests:
        return []
    data = client.request("POST", f"{SHEETS_API}/{_sid(spreadsheet_id)}:batchUpdate",
                          json_body={"requests": list(requests)}, what=f"spreadsheet {spreadsheet_id}") or {}
    return data.get("replies") or []


def get_metadata(client: SheetsClient, spreadsheet_id: str, fields: str | None = None, *,
                 ranges: Sequence[str] = ()) -> dict[str, Any]:
    """``spreadsheets.get`` without grid data; pass ``fields`` to fetch only what you need."""
    params: dict[str, Any] = {"includeGridData": "false"}
    if fields:
        params["fields"] = fields
    if ranges:
        params["ranges"] = list(ranges)
    return client.request("GET", f"{SHEETS_API}/{_sid(spreadsheet_id)}", params=params,
                          what=f"spreadsheet {spreadsheet_id}") or {}


def create_spreadsheet(client: SheetsClient, body: dict[str, Any]) -> dict[str, Any]:
    """One ``spreadsheets.create`` with the whole initial body (properties, sheets). Never retried.

    With a shared drive or folder configured on the client, the spreadsheet is made there instead
    (Drive ``files.create``, then one ``batchUpdate`` giving it ``body``'s properties and sheets) and
    the answer has the same shape. A service account with neither gets Google's 403
    storageQuotaExceeded, which :mod:`.errors` turns into a :class:`PermissionDenied` saying what to do.
    """
    parent = getattr(client, "folder_id", None) or getattr(client, "shared_drive_id", None)
    if parent:
        return _create_placed(client, body, parent)
    return client.request("POST", SHEETS_API, json_body=body, what="a new spreadsheet") or {}


def _create_placed(client: SheetsClient, body: dict[str, Any], parent: str) -> dict[str, Any]:
    props = dict(body.get("properties") or {})
    sid = create_spreadsheet_file(client, props.get("title") or "Untitled spreadsheet", parent)
    requests: list[dict[str, Any]] = []
    if props:
        requests.append({"updateSpreadsheetProperties": {"properties": props, "fields": ",".join(props)}})
    wanted = [dict(sh.get("properties") or {}) for sh in body.get("sheets") or []]
    for p in wanted:  # Drive's new spreadsheet has one default sheet, id 0: reshape it or add beside it
        if p.get("sheetId") == 0:
            fields = ",".join(k for k in p if k != "sheetId")
            if fields:
                requests.append({"updateSheetProperties": {"properties": p, "fields": fields}})
        else:
            requests.append({"addSheet": {"properties": p}})
    if wanted and not any(p.get("sheetId") == 0 for p in wanted):
        requests.append({"deleteSheet": {"sheetId": 0}})
    if not requests:
        return get_metadata(client, sid)
    data = client.request("POST", f"{SHEETS_API}/{_sid(sid)}:batchUpdate",
                          json_body={"requests": requests, "includeSpreadsheetInResponse": True,
                                     "responseIncludeGridData": False}, what=f"spreadsheet {sid}") or {}
    return data.get("updatedSpreadsheet") or {"spreadsheetId": sid}


def create_spreadsheet_file(client: SheetsClient, name: str, parent: str) -> str:
    """One Drive ``files.create`` of an empty spreadsheet in ``parent`` (a shared drive or a folder); its id.

    The Sheets API cannot place a new spreadsheet anywhere but the caller's My Drive, which a service
    account does not have; Drive can. Never retried (not idempotent).
    """
    data = client.request("POST", DRIVE_FILES, params={**ALL_DRIVES, "fields": "id"},
                          json_body={"name": name, "mimeType": SPREADSHEET_MIME, "parents": [parent]},
                          what=f"a new spreadsheet in Drive folder {parent}") or {}
    return str(data["id"])


def _rfc3339(since: datetime | str) -> str:
    if isinstance(since, str):
        return since
    if since.tzinfo is None:
        raise InvalidRequest("list_modified(since=...) needs a timezone-aware datetime (or an RFC 3339 string)")
    return since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{since.microsecond // 1000:03d}Z"


def _q_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def list_modified(client: SheetsClient, mime: str = SPREADSHEET_MIME, since: datetime | str | None = None, *,
                  query: str | None = None, drive_id: str | None = None) -> list[DriveFile]:
    """Every non-trashed file of ``mime`` the account can see, modified after ``since``.

    One ``files.list`` call per page of 1,000 files; this is the whole change-detection cost of a
    sync cycle for unchanged clients. Without ``drive_id``: the account's own corpus (``user``: its
    files, those shared with it, and shared-drive files it created). With ``drive_id`` (a shared drive
    is configured): ``corpora=allDrives``, so spreadsheets adopted from outside the drive are seen as
    well as every file of the drives the account is a member of. Should Google answer that such a
    search was incomplete (``incompleteSearch``, which the files.list reference says can happen with
    allDrives), the listing is redone as the two complete ones it covers: the drive, then the user corpus.
    """
    q = f"mimeType = {_q_literal(mime)} and trashed = false"
    if since is not None:
        q += f" and modifiedTime > {_q_literal(_rfc3339(since))}"
    if query:
        q += f" and ({query})"
    if not drive_id:
        return _list_files(client, q, {})[0]
    out, incomplete = _list_files(client, q, {"corpora": "allDrives"})
    if not incomplete:
        return out
    seen: dict[str, DriveFile] = {}
    for corpus in ({"corpora": "drive", "driveId": drive_id}, {"corpora": "user"}):
        for f in _list_files(client, q, corpus)[0]:
            seen.setdefault(f.id, f)
    return list(seen.values())


def _list_files(client: SheetsClient, q: str, corpus: dict[str, str]) -> tuple[list[DriveFile], bool]:
    """Every page of one listing, and whether Google said any page's search was incomplete."""
    out: list[DriveFile] = []
    incomplete = False
    token: str | None = None
    while True:
        fields = LIST_FIELDS if not corpus else LIST_FIELDS.replace("nextPageToken,", "nextPageToken,incompleteSearch,")
        params: dict[str, Any] = {"q": q, "pageSize": PAGE_SIZE, "fields": fields, **ALL_DRIVES,
                                  "includeItemsFromAllDrives": "true", **corpus}
        if token:
            params["pageToken"] = token
        data = client.request("GET", DRIVE_FILES, params=params, what="the Drive file listing") or {}
        incomplete = incomplete or bool(data.get("incompleteSearch"))
        for f in data.get("files") or []:
            out.append(DriveFile(f["id"], f.get("name", ""), f.get("modifiedTime", ""), int(f.get("version", 0))))
        token = data.get("nextPageToken")
        if not token:
            return out, incomplete


def file_version(client: SheetsClient, file_id: str) -> tuple[str, int]:
    """(modifiedTime, version) of one file as Drive shows it now: one ``files.get`` on Drive's quota."""
    data = client.request("GET", f"{DRIVE_FILES}/{quote(file_id, safe='')}",
                          params={"fields": "modifiedTime,version", **ALL_DRIVES},
                          what=f"file {file_id}") or {}
    return data.get("modifiedTime", ""), int(data.get("version", 0))


def share(client: SheetsClient, file_id: str, email: str, role: str, *, notify: bool = False) -> dict[str, Any]:
    """Give ``email`` ``role`` (reader/commenter/writer) on a file; one ``permissions.create``."""
    if role not in ("reader", "commenter", "writer"):
        raise InvalidRequest(f"role {role!r} is not reader, commenter or writer")
    params = {"sendNotificationEmail": "true" if notify else "false", "fields": "id,type,role,emailAddress",
              **ALL_DRIVES}
    return client.request("POST", f"{DRIVE_FILES}/{quote(file_id, safe='')}/permissions", params=params,
                          json_body={"type": "user", "role": role, "emailAddress": email},
                          what=f"sharing file {file_id}") or {}


def list_permissions(client: SheetsClient, file_id: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"fields": "nextPageToken,permissions(id,type,role,emailAddress,domain,"
                                            "permissionDetails(inherited,role))", **ALL_DRIVES}
        if token:
            params["pageToken"] = token
        data = client.request("GET", f"{DRIVE_FILES}/{quote(file_id, safe='')}/permissions", params=params,
                              what=f"the permissions of file {file_id}") or {}
        out.extend(data.get("permissions") or [])
        token = data.get("nextPageToken")
        if not token:
            return out


def remove_permission(client: SheetsClient, file_id: str, permission_id: str) -> None:
    client.request("DELETE", f"{DRIVE_FILES}/{quote(file_id, safe='')}/permissions/{quote(permission_id, safe='')}",
                   params=ALL_DRIVES, what=f"removing a permission of file {file_id}")


__all__ = ["DriveFile", "a1_range", "batch_update", "create_spreadsheet", "create_spreadsheet_file", "get_metadata",
           "list_modified",
           "list_permissions", "remove_permission", "share", "snapshot", "write_values"]
