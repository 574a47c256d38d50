"""Drive uploads: multipart/media ``files.create`` and ``files.update``, and the v2 media upload gspread uses.

Uploaded CSV/TSV is converted into the spreadsheet the way Drive converts it (the first sheet
refilled, values typed as if a person typed them); other content types are refused by name.
"""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any

from .drive import (
    DEFAULT_FILE_MASK,
    FILE_FIELDS,
    WRITABLE_FILE_FIELDS,
    apply_update,
    check_file_body,
    check_params,
    content_changed,
    create_file,
    file_resource,
    respond,
)
from .errors import ApiError, unsupported
from .table_import import import_table

if TYPE_CHECKING:
    from .rest import Request


def files_create_upload(req: Request) -> dict[str, Any]:
    check_params(req, {"ignoreDefaultVisibility", "keepRevisionForever", "ocrLanguage", "useContentAsIndexableText"})
    meta, media, media_type = _read_upload(req)
    f = create_file(req, meta, media, media_type)
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
            raw = parts[0].get_payload(decode=True)
            meta = json.loads(raw if isinstance(raw, bytes) and raw else b"{}")
        except ValueError as e:
            raise ApiError(400, f"Invalid JSON payload received in the metadata part. {e}") from None
        media = parts[1].get_payload(decode=True)
        return meta, media if isinstance(media, bytes) else b"", parts[1].get_content_type()
    if kind == "media":
        return {}, req.body, ctype.split(";")[0].strip()
    if kind == "resumable":
        raise unsupported("uploadType=resumable (use multipart or media)")
    raise ApiError(400, f"Invalid upload type {kind!r}: use media or multipart.", reason="invalid")


# --- content uploads to an existing file (import_csv) ------------------------------------

def files_update_upload(req: Request, file_id: str) -> dict[str, Any]:
    check_params(req, {"addParents", "removeParents", "keepRevisionForever", "ocrLanguage",
                       "useContentAsIndexableText"})
    f = req.emulator.files[file_id]
    meta, media, media_type = _read_upload(req)
    check_file_body(meta, WRITABLE_FILE_FIELDS - {"parents"})
    if f.spreadsheet is None:
        raise unsupported("uploading content to a file that is not a Google spreadsheet")
    import_table(f, media or b"", media_type or "")
    content_changed(req, f)
    apply_update(req, f, meta)
    return respond(req, file_resource(req.emulator, f, req.user), DEFAULT_FILE_MASK, FILE_FIELDS)


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
