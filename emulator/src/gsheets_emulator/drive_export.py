"""Drive ``files.export`` of a spreadsheet: CSV/TSV of the first sheet, and xlsx (see xlsx.py)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from .cellvalues import error_text
from .drive import XLSX_MIME, check_params
from .errors import ApiError, unsupported
from .rest import Response
from .table_import import CSV_MIME, TSV_MIME

if TYPE_CHECKING:
    from .model import FileState
    from .rest import Request

EXPORT_LIMIT = 10 * 1024 * 1024  # Drive refuses exports larger than 10 MB
# What Google can export a spreadsheet as; the emulator writes CSV, TSV and xlsx.
SHEET_EXPORTS = {CSV_MIME, TSV_MIME, XLSX_MIME, "application/pdf", "application/x-vnd.oasis.opendocument.spreadsheet",
                 "application/vnd.oasis.opendocument.spreadsheet", "application/zip"}


def files_export(req: Request, file_id: str) -> Any:
    check_params(req, {"mimeType"})
    f = req.emulator.files[file_id]
    mime = req.param("mimeType")
    if not mime:
        raise ApiError(400, "Required parameter: mimeType", reason="required")
    if f.spreadsheet is None:
        raise ApiError(403, "Export only supports Docs Editors files.", reason="fileNotExportable")
    if mime not in SHEET_EXPORTS:
        raise ApiError(400, "The requested conversion is not supported.", reason="badRequest")
    if mime in (CSV_MIME, TSV_MIME):
        data = sheet_as_text(f, "\t" if mime == TSV_MIME else ",").encode("utf-8")
    elif mime == XLSX_MIME:
        from .xlsx import to_xlsx

        data = to_xlsx(f.spreadsheet)
    else:
        raise unsupported(f"export as {mime} (supported: text/csv, text/tab-separated-values, xlsx)")
    if len(data) > EXPORT_LIMIT:
        raise ApiError(403, "This file is too large to be exported.", reason="exportSizeLimitExceeded")
    return Response(200, data, {"Content-Type": mime if mime != CSV_MIME else "text/csv; charset=utf-8"})


def sheet_as_text(f: FileState, delimiter: str) -> str:
    """The first sheet's formatted values, trimmed to the last non-empty row and column."""
    ss = f.spreadsheet
    assert ss is not None
    sheet = ss.sheets[0]
    rows: list[list[str]] = []
    for row in sheet.rows[:sheet.row_count]:
        rows.append([display_text(c) for c in row[:sheet.col_count]])
    while rows and not any(rows[-1]):
        rows.pop()
    width = max((max((i + 1 for i, v in enumerate(r) if v), default=0) for r in rows), default=0)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for r in rows:
        w.writerow(r + [""] * (width - len(r)) if len(r) < width else r[:width])
    # no line end after the last row: Google's export of one row is exactly "a1,B2"
    # (ClientTest.test_client_export_spreadsheet.json in burnash/gspread)
    return buf.getvalue().removesuffix("\r\n")


def display_text(cell: dict[str, Any] | None) -> str:
    """What the cell shows: formattedValue, else its effective value as text."""
    if not cell:
        return ""
    if "formattedValue" in cell:
        return str(cell["formattedValue"])
    ev = cell.get("effectiveValue") or cell.get("userEnteredValue") or {}
    if "stringValue" in ev:
        return ev["stringValue"]
    if "boolValue" in ev:
        return "TRUE" if ev["boolValue"] else "FALSE"
    if "numberValue" in ev:
        n = ev["numberValue"]
        return str(int(n)) if float(n).is_integer() else repr(n)
    if "errorValue" in ev:
        return error_text(ev["errorValue"])
    return ""
