"""Which API method a request is, whether it counts as a read or a write, and whether it is safe to retry.

Classified from the HTTP method and URL alone, so the retry layer, the quota budget and the call
counters agree for every request gspread (or anything else on the session) sends. Idempotent means
"sending it twice leaves the same state as sending it once": reads, absolute value writes and
setting a permission's role are; appends, creates, copies, sharing/unsharing, file updates and
structural ``:batchUpdate`` are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Endpoint:
    name: str  # discovery method id, e.g. "sheets.spreadsheets.values.batchGet"
    api: str  # "sheets" | "drive" | "other"
    kind: str  # "read" | "write"
    idempotent: bool


_SHEETS = "/v4/spreadsheets"
# (HTTP method, regex on the path after /v4/spreadsheets, name, kind, idempotent); first match wins
_SHEETS_RULES: list[tuple[str, re.Pattern[str], str, str, bool]] = [
    (m, re.compile(p), n, k, i)
    for m, p, n, k, i in [
        ("POST", r"", "sheets.spreadsheets.create", "write", False),
        ("GET", r"/[^/:]+", "sheets.spreadsheets.get", "read", True),
        ("POST", r"/[^/:]+:batchUpdate", "sheets.spreadsheets.batchUpdate", "write", False),
        ("POST", r"/[^/:]+:getByDataFilter", "sheets.spreadsheets.getByDataFilter", "read", True),
        ("GET", r"/[^/:]+/values:batchGet", "sheets.spreadsheets.values.batchGet", "read", True),
        ("POST", r"/[^/:]+/values:batchGetByDataFilter", "sheets.spreadsheets.values.batchGetByDataFilter",
         "read", True),
        ("POST", r"/[^/:]+/values:batchUpdate", "sheets.spreadsheets.values.batchUpdate", "write", True),
        ("POST", r"/[^/:]+/values:batchUpdateByDataFilter",
         "sheets.spreadsheets.values.batchUpdateByDataFilter", "write", True),
        ("POST", r"/[^/:]+/values:batchClear", "sheets.spreadsheets.values.batchClear", "write", True),
        ("POST", r"/[^/:]+/values:batchClearByDataFilter", "sheets.spreadsheets.values.batchClearByDataFilter",
         "write", True),
        ("POST", r"/[^/:]+/values/.+:append", "sheets.spreadsheets.values.append", "write", False),
        ("POST", r"/[^/:]+/values/.+:clear", "sheets.spreadsheets.values.clear", "write", True),
        ("GET", r"/[^/:]+/values/.+", "sheets.spreadsheets.values.get", "read", True),
        ("PUT", r"/[^/:]+/values/.+", "sheets.spreadsheets.values.update", "write", True),
        ("GET", r"/[^/:]+/developerMetadata/\d+", "sheets.spreadsheets.developerMetadata.get", "read", True),
        ("POST", r"/[^/:]+/developerMetadata:search", "sheets.spreadsheets.developerMetadata.search", "read", True),
        ("POST", r"/[^/:]+/sheets/\d+:copyTo", "sheets.spreadsheets.sheets.copyTo", "write", False),
    ]
]

_DRIVE_RULES: list[tuple[str, re.Pattern[str], str, str, bool]] = [
    (m, re.compile(p), n, k, i)
    for m, p, n, k, i in [
        ("GET", r"/drive/v3/files", "drive.files.list", "read", True),
        ("POST", r"(/upload)?/drive/v3/files", "drive.files.create", "write", False),
        ("GET", r"/drive/v3/files/[^/]+/export", "drive.files.export", "read", True),
        ("GET", r"/drive/v3/files/[^/]+/permissions", "drive.permissions.list", "read", True),
        ("GET", r"/drive/v3/files/[^/]+/permissions/[^/]+", "drive.permissions.get", "read", True),
        ("POST", r"/drive/v3/files/[^/]+/permissions", "drive.permissions.create", "write", False),
        ("PATCH", r"/drive/v3/files/[^/]+/permissions/[^/]+", "drive.permissions.update", "write", True),
        ("DELETE", r"/drive/v3/files/[^/]+/permissions/[^/]+", "drive.permissions.delete", "write", False),
        ("POST", r"/drive/v3/files/[^/]+/copy", "drive.files.copy", "write", False),
        ("GET", r"/drive/v3/files/[^/]+/comments", "drive.comments.list", "read", True),
        ("GET", r"/drive/v3/files/[^/]+", "drive.files.get", "read", True),
        ("PATCH", r"(/upload)?/drive/v3/files/[^/]+", "drive.files.update", "write", False),
        ("DELETE", r"/drive/v3/files/[^/]+", "drive.files.delete", "write", False),
        ("GET", r"/drive/v3/about", "drive.about.get", "read", True),
    ]
]


def classify(method: str, url: str) -> Endpoint:
    """Name and classify one request. Unknown requests are never considered idempotent unless GET."""
    method = method.upper()
    path = urlsplit(url).path
    if path.startswith(_SHEETS) and (len(path) == len(_SHEETS) or path[len(_SHEETS)] in "/:"):
        rest = path[len(_SHEETS):]
        for m, pat, name, kind, idem in _SHEETS_RULES:
            if m == method and pat.fullmatch(rest):
                return Endpoint(name, "sheets", kind, idem)
        return Endpoint(f"sheets.{method} {path}", "sheets", "read" if method == "GET" else "write",
                        method == "GET")
    if "/drive/" in path:
        for m, pat, name, kind, idem in _DRIVE_RULES:
            if m == method and pat.fullmatch(path):
                return Endpoint(name, "drive", kind, idem)
        return Endpoint(f"drive.{method} {path}", "drive", "read" if method == "GET" else "write", method == "GET")
    return Endpoint(f"{method} {path}", "other", "read" if method == "GET" else "write", method == "GET")
