"""Drive uploads: multipart/media ``files.create`` and ``files.update``, and the v2 media upload gspread uses.

Uploaded CSV/TSV is converted into the spreadsheet the way Drive converts it (the first sheet
refilled, values typed as if a person typed them); other content types are refused by name.
"""

from __future__ import annotations

import csv
import io
import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any

from .drive import (
    CSV_MIME,
    DEFAULT_FILE_MASK,
    FILE_FIELDS,
    TSV_MIME,
    WRITABLE_FILE_FIELDS,
    _apply_update,
    _check_body,
    _create,
    check_params,
    content_changed,
    file_resource,
    respond,
)
from .errors import ApiError, unsupported
from .routing import route

if TYPE_CHECKING:
    from .core import Request
    from .model import FileState


@route("POST", r"/upload/drive/v3/files", api="drive", name="drive.files.create", access="none", quota="write")
def files_create_upload(req: Request) -> dict[str, Any]:
    check_params(req, {"ignoreDefaultVisibility", "keepRevisionForever", "ocrLanguage", "useContentAsIndexableText"})
    meta, media, media_type = _read_upload(req)
    f = _create(req, meta, media, media_type)
    return respond(req, file_resource(req.emulator, f, req.user), DEFAULT_FILE_MASK, FILE_FIELDS)


def _read_upload(req: Request) -> tuple[dict[str, Any], bytes | None, str | None]:
    """(metadata, media, media content type) from a simple, multipart or media upload."""
    kind = req.param("uploadType")
    ctype = req.headers.get("content-type", "")
    if kind == "multipart":
        if not ctype.startswith("multipart/related"):
            raise ApiError(400, "Multipart upload needs Content-Type multipart/related with a boundary.",
                           reason="badContent")
        msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + req.body)
        parts = list(msg.iter_parts()) if msg.is_multipart() else []
        if len(parts) != 2:
            raise ApiError(400, f"Multipart upload must have exactly two parts (metadata, media); got {len(parts)}.",
                           reason="badContent")
        try:
            meta = json.loads(parts[0].get_payload(decode=True) or b"{}")
        except ValueError as e:
            raise ApiError(400, f"Invalid JSON payload received in the metadata part. {e}") from None
        return meta, parts[1].get_payload(decode=True) or b"", parts[1].get_content_type()
    if kind == "media":
        return {}, req.body, ctype.split(";")[0].strip()
    if kind == "resumable":
        raise unsupported("uploadType=resumable (use multipart or media)")
    raise ApiError(400, f"Invalid upload type {kind!r}: use media or multipart.", reason="invalid")


def import_table(f: FileState, data: bytes, media_type: str) -> None:
    """Replace the spreadsheet's content with a CSV/TSV upload, as Drive's conversion does.

    Like Google, every sheet goes and one new sheet holds the table: a new sheetId, the file's
    name as its title, at least 1000 x 26 cells (ClientTest.test_import_csv.json in
    burnash/gspread: after the upload the only sheet is "Test ClientTest test_import_csv" with
    sheetId 845285688, and reading the old "Sheet1" fails). Named ranges on the old sheets go with
    them. Values are typed the way a person typing them would get (numbers, TRUE/FALSE, formulas).
    """
    from .model import DEFAULT_COLS, DEFAULT_ROWS, SheetState
    from .sheets_get import _new_sheet_id

    ss = f.spreadsheet
    assert ss is not None
    base = media_type.split(";")[0].strip()
    if base not in (CSV_MIME, TSV_MIME, "text/plain"):
        raise unsupported(f"converting an upload of type {base!r} to a spreadsheet (send text/csv)")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter="\t" if base == TSV_MIME else ","))
    old_ids = {s.sheet_id for s in ss.sheets}
    first = SheetState(properties={"sheetId": _new_sheet_id(ss), "title": f.name, "index": 0, "sheetType": "GRID",
                                   "gridProperties": {}})
    ss.sheets = [first]
    ss.named_ranges = [nr for nr in ss.named_ranges if nr.get("range", {}).get("sheetId", 0) not in old_ids]
    ss.reindex()
    n_rows = max(len(rows), DEFAULT_ROWS)
    n_cols = max((len(r) for r in rows), default=0)
    first.set_size(n_rows, max(n_cols, DEFAULT_COLS))
    from .cellvalues import locale_of

    loc = locale_of(ss.properties)
    for r, row in enumerate(rows):
        for c, raw in enumerate(row):
            cell = typed_cell(raw, loc)
            if cell:
                first.set_cell(r, c, cell)


def typed_cell(raw: str, loc: Any) -> dict[str, Any]:
    """A CellData for text typed into a cell, parsed as USER_ENTERED input in the spreadsheet's locale."""
    from . import cellvalues as cv

    if raw == "":
        return {}
    ev, nf = cv.user_entered_value(raw, loc)
    cell: dict[str, Any] = {"userEnteredValue": ev}
    if nf is not None:
        cell["userEnteredFormat"] = {"numberFormat": nf}
    if "formulaValue" not in ev:  # formulas get their value from the recalculation that follows
        cell["effectiveValue"] = dict(ev)
        cell["formattedValue"] = cv.format_effective(ev, nf, loc)
    return cell


# --- content uploads to an existing file (import_csv) ------------------------------------

@route("PATCH", r"/upload/drive/v3/files/(?P<file_id>[^/]+)", api="drive", name="drive.files.update",
       access="writer", quota="write", id_param="file_id")
def files_update_upload(req: Request, file_id: str) -> dict[str, Any]:
    check_params(req, {"addParents", "removeParents", "keepRevisionForever", "ocrLanguage",
                       "useContentAsIndexableText"})
    f = req.emulator.files[file_id]
    meta, media, media_type = _read_upload(req)
    _check_body(meta, WRITABLE_FILE_FIELDS - {"parents"})
    if f.spreadsheet is None:
        raise unsupported("uploading content to a file that is not a Google spreadsheet")
    import_table(f, media or b"", media_type or "")
    content_changed(req, f)
    _apply_update(req, f, meta)
    return respond(req, file_resource(req.emulator, f, req.user), DEFAULT_FILE_MASK, FILE_FIELDS)


@route("PUT", r"/upload/drive/v2/files/(?P<file_id>[^/]+)", api="drive", name="drive.v2.files.update",
       access="writer", quota="write", id_param="file_id")
def files_update_upload_v2(req: Request, file_id: str) -> dict[str, Any]:
    """Drive v2's media upload, which gspread's ``Client.import_csv`` still uses."""
    for name in req.query:
        if name not in ("uploadType", "convert", "supportsAllDrives", "supportsTeamDrives", "fields"):
            raise ApiError(400, f"Invalid query parameter {name!r} for a v2 media upload.", reason="invalidParameter")
    if req.param("uploadType") != "media":
        raise unsupported("v2 uploads other than uploadType=media")
    f = req.emulator.files[file_id]
    if f.spreadsheet is None:
        raise unsupported("uploading content to a file that is not a Google spreadsheet")
    import_table(f, req.body, req.headers.get("content-type", ""))
    content_changed(req, f)
    return {"kind": "drive#file", "id": f.id, "title": f.name, "mimeType": f.mime_type}
