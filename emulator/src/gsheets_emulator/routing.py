"""The route table: every REST method the emulator serves, as (HTTP method, path pattern) -> handler.

Listed here, explicitly, rather than registered by decorators as modules are imported: the table
is the one place to read what the emulator answers, and importing it cannot half-succeed.
A handler is called as ``handler(request, **path_params)``. No path matches two patterns of one
HTTP method (a test checks), so the order below is for the reader: Sheets, then Drive.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import (
    drive,
    drive_export,
    drive_permissions,
    drive_shared,
    drive_upload,
    metadata,
    sheets_batch,
    sheets_get,
    sheets_values,
    structure,
)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    api: str  # "sheets" | "drive"
    name: str  # the discovery method id, e.g. "sheets.spreadsheets.values.get"
    access: str  # minimum role on the file: "reader" | "commenter" | "writer" | "owner" | "none"
    quota: str  # "read" | "write"
    handler: Callable[..., Any]
    id_param: str | None  # path parameter naming the file, checked for existence and role


def _route(method: str, path: str, name: str, handler: Callable[..., Any], *, access: str, quota: str,
           id_param: str | None = None) -> Route:
    """``path`` is a regex over the URL path; the API ("sheets" | "drive") is the method id's first part."""
    return Route(method, re.compile("^" + path + "$"), name.split(".")[0], name, access, quota, handler, id_param)


SPREADSHEET = r"/v4/spreadsheets/(?P<spreadsheet_id>[^/:]+)"
FILE = r"/drive/v3/files/(?P<file_id>[^/]+)"

ROUTES: list[Route] = [
    # sheets_batch.py
    _route("POST", SPREADSHEET + r":batchUpdate", "sheets.spreadsheets.batchUpdate",
           sheets_batch.batch_update, access="writer", quota="write", id_param="spreadsheet_id"),
    # sheets_get.py
    _route("POST", r"/v4/spreadsheets", "sheets.spreadsheets.create",
           sheets_get.create, access="none", quota="write"),
    _route("GET", SPREADSHEET, "sheets.spreadsheets.get",
           sheets_get.get, access="reader", quota="read", id_param="spreadsheet_id"),
    # structure.py
    _route("POST", SPREADSHEET + r"/sheets/(?P<sheet_id>[^/:]+):copyTo", "sheets.spreadsheets.sheets.copyTo",
           structure.copy_to, access="reader", quota="write", id_param="spreadsheet_id"),
    # metadata.py
    _route("GET", SPREADSHEET + r"/developerMetadata/(?P<metadata_id>[^/:]+)", "sheets.spreadsheets.developerMetadata.get",
           metadata.get_metadata, access="reader", quota="read", id_param="spreadsheet_id"),
    _route("POST", SPREADSHEET + r"/developerMetadata:search", "sheets.spreadsheets.developerMetadata.search",
           metadata.search_metadata, access="reader", quota="read", id_param="spreadsheet_id"),
    _route("POST", SPREADSHEET + r":getByDataFilter", "sheets.spreadsheets.getByDataFilter",
           metadata.get_by_data_filter, access="reader", quota="read", id_param="spreadsheet_id"),
    # sheets_values.py
    _route("GET", SPREADSHEET + r"/values/(?P<rng>.+)", "sheets.spreadsheets.values.get",
           sheets_values.values_get, access="reader", quota="read", id_param="spreadsheet_id"),
    _route("GET", SPREADSHEET + r"/values:batchGet", "sheets.spreadsheets.values.batchGet",
           sheets_values.values_batch_get, access="reader", quota="read", id_param="spreadsheet_id"),
    _route("PUT", SPREADSHEET + r"/values/(?P<rng>.+)", "sheets.spreadsheets.values.update",
           sheets_values.values_update, access="writer", quota="write", id_param="spreadsheet_id"),
    _route("POST", SPREADSHEET + r"/values:batchUpdate", "sheets.spreadsheets.values.batchUpdate",
           sheets_values.values_batch_update, access="writer", quota="write", id_param="spreadsheet_id"),
    _route("POST", SPREADSHEET + r"/values/(?P<rng>.+):append", "sheets.spreadsheets.values.append",
           sheets_values.values_append, access="writer", quota="write", id_param="spreadsheet_id"),
    _route("POST", SPREADSHEET + r"/values/(?P<rng>.+):clear", "sheets.spreadsheets.values.clear",
           sheets_values.values_clear, access="writer", quota="write", id_param="spreadsheet_id"),
    _route("POST", SPREADSHEET + r"/values:batchClear", "sheets.spreadsheets.values.batchClear",
           sheets_values.values_batch_clear, access="writer", quota="write", id_param="spreadsheet_id"),
    _route("POST", SPREADSHEET + r"/values:batchGetByDataFilter", "sheets.spreadsheets.values.batchGetByDataFilter",
           sheets_values.values_batch_get_by_data_filter, access="reader", quota="read", id_param="spreadsheet_id"),
    _route("POST", SPREADSHEET + r"/values:batchUpdateByDataFilter", "sheets.spreadsheets.values.batchUpdateByDataFilter",
           sheets_values.values_batch_update_by_data_filter, access="writer", quota="write", id_param="spreadsheet_id"),
    _route("POST", SPREADSHEET + r"/values:batchClearByDataFilter", "sheets.spreadsheets.values.batchClearByDataFilter",
           sheets_values.values_batch_clear_by_data_filter, access="writer", quota="write", id_param="spreadsheet_id"),
    # drive.py
    _route("POST", r"/drive/v3/files", "drive.files.create",
           drive.files_create, access="none", quota="write"),
    _route("GET", r"/drive/v3/files", "drive.files.list", drive.files_list, access="none", quota="read"),
    _route("GET", FILE, "drive.files.get",
           drive.files_get, access="reader", quota="read", id_param="file_id"),
    _route("PATCH", FILE, "drive.files.update",
           drive.files_update, access="writer", quota="write", id_param="file_id"),
    _route("DELETE", FILE, "drive.files.delete",
           drive.files_delete, access="reader", quota="write", id_param="file_id"),
    _route("POST", FILE + r"/copy", "drive.files.copy",
           drive.files_copy, access="reader", quota="write", id_param="file_id"),
    # drive_export.py
    _route("GET", FILE + r"/export", "drive.files.export",
           drive_export.files_export, access="reader", quota="read", id_param="file_id"),
    # drive_permissions.py
    _route("POST", FILE + r"/permissions", "drive.permissions.create",
           drive_permissions.permissions_create, access="reader", quota="write", id_param="file_id"),
    _route("GET", FILE + r"/permissions", "drive.permissions.list",
           drive_permissions.permissions_list, access="reader", quota="read", id_param="file_id"),
    _route("GET", FILE + r"/permissions/(?P<permission_id>[^/]+)", "drive.permissions.get",
           drive_permissions.permissions_get, access="reader", quota="read", id_param="file_id"),
    _route("PATCH", FILE + r"/permissions/(?P<permission_id>[^/]+)", "drive.permissions.update",
           drive_permissions.permissions_update, access="reader", quota="write", id_param="file_id"),
    _route("DELETE", FILE + r"/permissions/(?P<permission_id>[^/]+)", "drive.permissions.delete",
           drive_permissions.permissions_delete, access="reader", quota="write", id_param="file_id"),
    _route("GET", FILE + r"/comments", "drive.comments.list",
           drive_permissions.comments_list, access="reader", quota="read", id_param="file_id"),
    _route("POST", FILE + r"/comments", "drive.comments.create",
           drive_permissions.comments_create, access="commenter", quota="write", id_param="file_id"),
    # drive_shared.py
    _route("POST", r"/drive/v3/drives", "drive.drives.create",
           drive_shared.drives_create, access="none", quota="write"),
    _route("GET", r"/drive/v3/drives/(?P<drive_id>[^/]+)", "drive.drives.get",
           drive_shared.drives_get, access="none", quota="read"),
    _route("GET", r"/drive/v3/drives", "drive.drives.list",
           drive_shared.drives_list, access="none", quota="read"),
    _route("PATCH", r"/drive/v3/drives/(?P<drive_id>[^/]+)", "drive.drives.update",
           drive_shared.drives_update, access="none", quota="write"),
    _route("DELETE", r"/drive/v3/drives/(?P<drive_id>[^/]+)", "drive.drives.delete",
           drive_shared.drives_delete, access="none", quota="write"),
    # drive_upload.py
    _route("POST", r"/upload/drive/v3/files", "drive.files.create",
           drive_upload.files_create_upload, access="none", quota="write"),
    _route("PATCH", r"/upload/drive/v3/files/(?P<file_id>[^/]+)", "drive.files.update",
           drive_upload.files_update_upload, access="writer", quota="write", id_param="file_id"),
    _route("PUT", r"/upload/drive/v2/files/(?P<file_id>[^/]+)", "drive.v2.files.update",
           drive_upload.files_update_upload_v2, access="writer", quota="write", id_param="file_id"),
]


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route serving ``method path`` and its path parameters; None when nothing does."""
    for r in ROUTES:
        if r.method == method:
            m = r.pattern.match(path)
            if m:
                return r, m.groupdict()
    return None
