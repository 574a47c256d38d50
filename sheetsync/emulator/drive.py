"""Drive v3 ``files``: create (metadata and multipart upload), list, get, copy, update, delete, export.

Shapes follow the Drive v3 reference: a File resource (``drive#file``), ``drive#fileList`` with
``nextPageToken``, default partial responses (``kind,id,name,mimeType``) unless ``fields`` asks
for more, and Drive's error envelope (``errors[].reason``). A user sees a file only through a
permission: no permission is a 404 ``File not found``, as Drive says it.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any

from . import fields as fieldmask
from .drive_query import compile_query, order_key
from .errors import ApiError, unsupported
from .model import FOLDER_MIME, SPREADSHEET_MIME, FileState
from .routing import route

if TYPE_CHECKING:
    from .core import Emulator, Request

FILES = r"/drive/v3/files"
FILE = FILES + r"/(?P<file_id>[^/]+)"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
TSV_MIME = "text/tab-separated-values"
EXPORT_LIMIT = 10 * 1024 * 1024  # Drive refuses exports larger than 10 MB
# What Google can export a spreadsheet as; the emulator writes the first three.
SHEET_EXPORTS = {CSV_MIME, TSV_MIME, XLSX_MIME, "application/pdf", "application/x-vnd.oasis.opendocument.spreadsheet",
                 "application/vnd.oasis.opendocument.spreadsheet", "application/zip"}

SYSTEM_PARAMS = frozenset({"fields", "key", "prettyPrint", "alt", "$.xgafv", "quotaUser", "access_token",
                           "callback", "upload_protocol", "uploadType", "oauth_token"})
_SHARED_DRIVE_FLAGS = {"supportsAllDrives", "supportsTeamDrives", "includeItemsFromAllDrives",
                       "includeTeamDriveItems", "enforceSingleParent", "includePermissionsForView", "includeLabels"}

# File fields the emulator keeps; a fields mask naming anything else is a 400 naming it.
FILE_FIELDS = {"kind", "id", "name", "mimeType", "description", "parents", "trashed", "explicitlyTrashed",
               "createdTime", "modifiedTime", "version", "owners", "ownedByMe", "permissions", "permissionIds",
               "shared", "starred", "webViewLink", "iconLink", "appProperties", "capabilities", "spaces",
               "writersCanShare", "copyRequiresWriterPermission", "viewersCanCopyContent", "quotaBytesUsed",
               "lastModifyingUser", "exportLinks", "resourceKey", "driveId", "size"}
LIST_FIELDS = {"kind", "nextPageToken", "incompleteSearch", "files"}
DEFAULT_FILE_MASK = "kind,id,name,mimeType"
DEFAULT_LIST_MASK = "kind,nextPageToken,incompleteSearch,files(kind,id,name,mimeType)"
WRITABLE_FILE_FIELDS = {"name", "mimeType", "parents", "description", "appProperties", "starred", "trashed"}


# --- helpers shared with drive_permissions ---------------------------------------------

def check_params(req: Request, allowed: set[str]) -> None:
    """Drive answers 400 for a parameter it does not know; we also say so for ones we do not model."""
    for name in req.query:
        if name not in allowed and name not in SYSTEM_PARAMS and name not in _SHARED_DRIVE_FLAGS:
            raise ApiError(400, f"Invalid query parameter {name!r}: not a parameter of {req.name} "
                                "(or not supported by the sheetsync emulator).", reason="invalidParameter")
    alt = req.param("alt")
    if alt not in (None, "json") and not (alt == "media" and req.name == "drive.files.get"):
        raise ApiError(400, f"Invalid value for the 'alt' parameter: {alt!r}; use 'json'.", reason="invalid")


def respond(req: Request, resource: dict[str, Any], default_mask: str, known: set[str]) -> dict[str, Any]:
    """The partial response ``fields`` asks for (Drive's default subset when absent)."""
    text = req.param("fields")
    mask = fieldmask.parse(text if text else default_mask)
    _check_mask(mask, known, req.name)
    return fieldmask.project(resource, mask)


def _check_mask(mask: fieldmask.Mask, known: set[str], method: str) -> None:
    for k, sub in mask.items():
        if k == "*":
            continue
        if k not in known:
            raise ApiError(400, f"Invalid field selection {k}", reason="invalidParameter")
        if sub is not None and k in ("files",):
            _check_mask(sub, FILE_FIELDS, method)


def user_ref(email: str, me: str) -> dict[str, Any]:
    from .sheets_get import permission_id

    return {"kind": "drive#user", "displayName": email.split("@")[0], "emailAddress": email, "me": email.lower() == me.lower(),
            "permissionId": permission_id(email)}


def file_resource(emu: Emulator, f: FileState, user: str) -> dict[str, Any]:
    """The whole File resource as ``user`` sees it (before the fields mask)."""
    from .core import ROLE_RANK

    role = emu.role_of(f, user) or "reader"
    rank = ROLE_RANK[role]
    res: dict[str, Any] = {
        "kind": "drive#file", "id": f.id, "name": f.name, "mimeType": f.mime_type, "starred": False,
        "trashed": f.trashed, "explicitlyTrashed": f.trashed, "parents": list(f.parents), "spaces": ["drive"],
        "version": str(f.version), "createdTime": f.created_time, "modifiedTime": f.modified_time,
        "owners": [user_ref(f.owner, user)], "ownedByMe": f.owner.lower() == user.lower(),
        "shared": len(f.permissions) > 1, "writersCanShare": True, "copyRequiresWriterPermission": False,
        "viewersCanCopyContent": True, "quotaBytesUsed": "0",
        "lastModifyingUser": user_ref(f.owner, user),
        "capabilities": {"canEdit": rank >= 3, "canComment": rank >= 2, "canShare": rank >= 3, "canCopy": True,
                         "canDelete": rank >= 4, "canTrash": rank >= 4, "canRename": rank >= 3,
                         "canDownload": True, "canReadRevisions": rank >= 3},
    }
    if f.description is not None:
        res["description"] = f.description
    if f.app_properties:
        res["appProperties"] = dict(f.app_properties)
    if rank >= 3:
        res["permissions"] = [dict(p) for p in f.permissions]
        res["permissionIds"] = [p["id"] for p in f.permissions]
    if f.mime_type == SPREADSHEET_MIME:
        res["webViewLink"] = f"https://docs.google.com/spreadsheets/d/{f.id}/edit?usp=drivesdk"
        res["iconLink"] = "https://drive-thirdparty.googleusercontent.com/16/type/" + SPREADSHEET_MIME
        res["exportLinks"] = {m: f"https://docs.google.com/spreadsheets/export?id={f.id}&exportFormat={m}"
                              for m in (CSV_MIME, TSV_MIME, XLSX_MIME)}
    elif f.mime_type == FOLDER_MIME:
        res["webViewLink"] = f"https://drive.google.com/drive/folders/{f.id}"
    else:
        res["size"] = "0"
    return res


def bump_version(f: FileState) -> None:
    """A metadata-only change (sharing, trashing): Drive's ``version`` moves, ``modifiedTime`` does not."""
    f.version += 1


def content_changed(req: Request, f: FileState) -> None:
    """Bump ``modifiedTime``/``version`` now (the core would do it after the handler, too late for our reply)."""
    req.emulator.touch(f)
    if f.spreadsheet is not None:
        from .recalc import recalc

        recalc(f.spreadsheet, req.emulator)


def _stamp(emu: Emulator) -> str:
    from .core import rfc3339

    return rfc3339(emu.now())


def _check_body(body: dict[str, Any], allowed: set[str]) -> None:
    for k in body:
        if k not in allowed:
            if k in FILE_FIELDS:
                raise ApiError(403, f"The resource body includes fields which are not directly writable: {k}.",
                               reason="fieldNotWritable")
            raise ApiError(400, f'Invalid JSON payload received. Unknown name "{k}" at \'file\': Cannot find field '
                                "(or not supported by the sheetsync emulator).", reason="invalid")


def _check_parents(emu: Emulator, user: str, parents: Any) -> list[str]:
    if parents is None:
        return []
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ApiError(400, "Invalid Value: parents must be a list of folder ids.", reason="invalid")
    if len(parents) > 1:
        raise ApiError(403, "Increasing the number of parents is not allowed.", reason="cannotAddParent")
    for pid in parents:
        if pid == "root":
            continue
        p = emu.files.get(pid)
        if p is None or emu.role_of(p, user) is None:
            raise ApiError(404, f"File not found: {pid}.", reason="notFound")
        if p.mime_type != FOLDER_MIME:
            raise ApiError(400, f"The parent {pid} is not a folder.", reason="invalidParent")
        emu.require_role(p, user, "writer", "drive")
    return [p for p in parents if p != "root"]


# --- files.create -----------------------------------------------------------------------

@route("POST", FILES, api="drive", name="drive.files.create", access="none", quota="write")
def files_create(req: Request) -> dict[str, Any]:
    check_params(req, {"ignoreDefaultVisibility", "keepRevisionForever", "ocrLanguage", "useContentAsIndexableText"})
    f = _create(req, req.json(), None, None)
    return respond(req, file_resource(req.emulator, f, req.user), DEFAULT_FILE_MASK, FILE_FIELDS)


@route("POST", r"/upload/drive/v3/files", api="drive", name="drive.files.create", access="none", quota="write")
def files_create_upload(req: Request) -> dict[str, Any]:
    check_params(req, {"ignoreDefaultVisibility", "keepRevisionForever", "ocrLanguage", "useContentAsIndexableText"})
    meta, media, media_type = _read_upload(req)
    f = _create(req, meta, media, media_type)
    return respond(req, file_resource(req.emulator, f, req.user), DEFAULT_FILE_MASK, FILE_FIELDS)


def _create(req: Request, body: dict[str, Any], media: bytes | None, media_type: str | None) -> FileState:
    emu = req.emulator
    _check_body(body, WRITABLE_FILE_FIELDS - {"trashed"})
    parents = _check_parents(emu, req.user, body.get("parents"))
    mime = body.get("mimeType")
    name = body.get("name")
    if mime == SPREADSHEET_MIME:
        from .sheets_get import new_spreadsheet_file

        f = new_spreadsheet_file(emu, req.user, {"properties": {"title": name or "Untitled spreadsheet"}})
        f.name = name or "Untitled spreadsheet"
        if media is not None:
            import_table(f, media, media_type or "")
            from .recalc import recalc

            recalc(f.spreadsheet, emu)  # type: ignore[arg-type]
    elif media is not None:
        raise unsupported(f"uploading content of type {media_type or mime!r} without converting it to a Google "
                          f"spreadsheet (set mimeType to {SPREADSHEET_MIME!r} and send text/csv)")
    else:
        stamp = _stamp(emu)
        f = FileState(id=emu.new_file_id(), name=name or "Untitled", mime_type=mime or "application/octet-stream",
                      owner=req.user, created_time=stamp, modified_time=stamp,
                      permissions=[owner_permission(req.user)])
        emu.files[f.id] = f
    f.parents = parents
    if "description" in body:
        f.description = body["description"]
    if "appProperties" in body:
        f.app_properties = {k: str(v) for k, v in (body["appProperties"] or {}).items() if v is not None}
    return f


def owner_permission(email: str) -> dict[str, Any]:
    from .sheets_get import permission_id

    return {"kind": "drive#permission", "id": permission_id(email), "type": "user", "emailAddress": email,
            "role": "owner", "displayName": email.split("@")[0], "deleted": False, "pendingOwner": False}


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

    Like Google, the first sheet keeps its id and is refilled; the other sheets go.
    Values are typed the way a person typing them would get (numbers, TRUE/FALSE, formulas).
    """
    ss = f.spreadsheet
    assert ss is not None
    base = media_type.split(";")[0].strip()
    if base not in (CSV_MIME, TSV_MIME, "text/plain"):
        raise unsupported(f"converting an upload of type {base!r} to a spreadsheet (send text/csv)")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter="\t" if base == TSV_MIME else ","))
    first = ss.sheets[0]
    ss.sheets = [first]
    ss.reindex()
    first.rows = []
    first.merges = []
    first.basic_filter = None
    n_rows = max(len(rows), first.row_count)
    n_cols = max((len(r) for r in rows), default=0)
    first.set_size(n_rows, max(n_cols, first.col_count))
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


# --- files.list -------------------------------------------------------------------------

@route("GET", FILES, api="drive", name="drive.files.list", access="none", quota="read")
def files_list(req: Request) -> dict[str, Any]:
    check_params(req, {"q", "pageSize", "pageToken", "orderBy", "corpora", "corpus", "spaces", "driveId",
                       "teamDriveId"})
    emu = req.emulator
    corpora = req.param("corpora", "user")
    if corpora not in ("user", "allDrives", "domain"):
        raise unsupported(f"corpora={corpora!r}: the emulator has no shared drives (use 'user' or 'allDrives')")
    if req.param("driveId") or req.param("teamDriveId"):
        raise unsupported("driveId: the emulator has no shared drives")
    spaces = req.param("spaces", "drive")
    if spaces != "drive":
        raise unsupported(f"spaces={spaces!r} (only 'drive')")
    size = _page_size(req.param("pageSize"), 100, 1000)
    q = req.param("q")
    pred = compile_query(q, emu, req.user)
    sorter = order_key(req.param("orderBy"))
    visible = [f for f in emu.files.values() if emu.role_of(f, req.user) is not None and pred(f)]
    if sorter is not None:
        visible = sorter(visible)
    token_key = _token_key(q, req.param("orderBy"), req.user)
    start = _read_token(req.param("pageToken"), token_key)
    page = visible[start:start + size]
    out: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False,
                           "files": [file_resource(emu, f, req.user) for f in page]}
    if start + size < len(visible):
        out["nextPageToken"] = _make_token(start + size, token_key)
    return respond(req, out, DEFAULT_LIST_MASK, LIST_FIELDS)


def _page_size(text: str | None, default: int, maximum: int) -> int:
    if text is None:
        return default
    try:
        n = int(text)
    except ValueError:
        raise ApiError(400, f"Invalid value '{text}'. Values must be within the range: [1, {maximum}]",
                       reason="invalid") from None
    if not 1 <= n <= maximum:
        raise ApiError(400, f"Invalid value '{text}'. Values must be within the range: [1, {maximum}]",
                       reason="invalid")
    return n


def _token_key(*parts: str | None) -> str:
    return hashlib.sha1(json.dumps(parts).encode()).hexdigest()[:12]


def _make_token(offset: int, key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([offset, key]).encode()).decode().rstrip("=")


def _read_token(token: str | None, key: str) -> int:
    if not token:
        return 0
    try:
        offset, got = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if got == key and isinstance(offset, int) and offset >= 0:
            return offset
    except (ValueError, TypeError):
        pass
    raise ApiError(400, "Invalid Value: pageToken is not one this listing handed out (a token only works with the "
                        "same q, orderBy and user).", reason="invalid")


# --- files.get / update / delete / copy -----------------------------------------------

@route("GET", FILE, api="drive", name="drive.files.get", access="reader", quota="read", id_param="file_id")
def files_get(req: Request, file_id: str) -> Any:
    check_params(req, {"acknowledgeAbuse"})
    f = req.emulator.files[file_id]
    if req.param("alt") == "media":
        if f.mime_type.startswith("application/vnd.google-apps."):
            raise ApiError(403, "Only files with binary content can be downloaded. Use Export with Docs Editors "
                                "files.", reason="fileNotDownloadable")
        from .core import Response

        return Response(200, b"", {"Content-Type": f.mime_type})
    return respond(req, file_resource(req.emulator, f, req.user), DEFAULT_FILE_MASK, FILE_FIELDS)


@route("PATCH", FILE, api="drive", name="drive.files.update", access="writer", quota="write", id_param="file_id")
def files_update(req: Request, file_id: str) -> dict[str, Any]:
    check_params(req, {"addParents", "removeParents", "keepRevisionForever", "ocrLanguage",
                       "useContentAsIndexableText"})
    emu = req.emulator
    f = emu.files[file_id]
    body = req.json()
    if "parents" in body:
        raise ApiError(403, "The parents field is not directly writable in update requests. Use the addParents and "
                            "removeParents parameters instead.", reason="fieldNotWritable")
    _check_body(body, WRITABLE_FILE_FIELDS - {"parents"})
    if "mimeType" in body and body["mimeType"] != f.mime_type:
        raise unsupported("changing a file's mimeType")
    _apply_update(req, f, body)
    return respond(req, file_resource(emu, f, req.user), DEFAULT_FILE_MASK, FILE_FIELDS)


def _apply_update(req: Request, f: FileState, body: dict[str, Any]) -> None:
    emu = req.emulator
    if "trashed" in body and bool(body["trashed"]) != f.trashed:
        emu.require_role(f, req.user, "owner", "drive")
        f.trashed = bool(body["trashed"])
        bump_version(f)
    if "name" in body and body["name"] != f.name:
        if not isinstance(body["name"], str):
            raise ApiError(400, "Invalid Value: name must be a string.", reason="invalid")
        f.name = body["name"]
        if f.spreadsheet is not None:
            f.spreadsheet.properties["title"] = f.name  # one title, seen from Drive and from Sheets
        content_changed(req, f)
    if "description" in body and body["description"] != f.description:
        f.description = body["description"]
        content_changed(req, f)
    if "appProperties" in body:
        for k, v in (body["appProperties"] or {}).items():
            if v is None:
                f.app_properties.pop(k, None)
            else:
                f.app_properties[k] = str(v)
        bump_version(f)
    add = [p for p in (req.param("addParents") or "").split(",") if p]
    remove = [p for p in (req.param("removeParents") or "").split(",") if p]
    if add or remove:
        parents = [p for p in f.parents if p not in remove]
        for p in _check_parents(emu, req.user, add):
            if p not in parents:
                parents.append(p)
        if len(parents) > 1:
            raise ApiError(403, "Increasing the number of parents is not allowed.", reason="cannotAddParent")
        f.parents = parents
        bump_version(f)


@route("DELETE", FILE, api="drive", name="drive.files.delete", access="reader", quota="write", id_param="file_id")
def files_delete(req: Request, file_id: str) -> Any:
    from .core import Response

    check_params(req, set())
    emu = req.emulator
    f = emu.files[file_id]
    emu.require_role(f, req.user, "owner", "drive")
    doomed = [f.id]
    i = 0
    while i < len(doomed):  # a folder takes what its owner keeps in it along
        doomed.extend(c.id for c in emu.files.values() if doomed[i] in c.parents and c.owner == f.owner)
        i += 1
    for fid in doomed:
        emu.files.pop(fid, None)
    return Response(204, b"", {})


@route("POST", FILE + "/copy", api="drive", name="drive.files.copy", access="reader", quota="write",
       id_param="file_id")
def files_copy(req: Request, file_id: str) -> dict[str, Any]:
    check_params(req, {"copyComments", "ignoreDefaultVisibility", "keepRevisionForever", "ocrLanguage"})
    emu = req.emulator
    src = emu.files[file_id]
    body = req.json()
    _check_body(body, WRITABLE_FILE_FIELDS - {"trashed"})
    if src.mime_type == FOLDER_MIME:
        raise ApiError(403, "This file cannot be copied by the user.", reason="cannotCopyFile")
    if body.get("mimeType") not in (None, src.mime_type):
        raise ApiError(400, f"Copying cannot convert {src.mime_type} to {body['mimeType']}.", reason="badRequest")
    parents = _check_parents(emu, req.user, body["parents"]) if "parents" in body else []
    new = src.clone()
    new.id = emu.new_file_id()
    new.name = body.get("name") or f"Copy of {src.name}"
    new.owner = req.user
    new.created_time = new.modified_time = _stamp(emu)
    new.version = 1
    new.trashed = False
    new.parents = parents
    new.permissions = [owner_permission(req.user)]
    if "description" in body:
        new.description = body["description"]
    if new.spreadsheet is not None:
        new.spreadsheet.spreadsheet_id = new.id
        new.spreadsheet.properties["title"] = new.name
        for sheet in new.spreadsheet.sheets:  # editors of protections outside the new file keep nothing
            for pr in sheet.protected_ranges:
                pr.setdefault("editors", {})["users"] = [req.user]
    emu.files[new.id] = new
    return respond(req, file_resource(emu, new, req.user), DEFAULT_FILE_MASK, FILE_FIELDS)


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


# --- export -----------------------------------------------------------------------------

@route("GET", FILE + "/export", api="drive", name="drive.files.export", access="reader", quota="read",
       id_param="file_id")
def files_export(req: Request, file_id: str) -> Any:
    from .core import Response

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
    return buf.getvalue()


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
        return _err(ev["errorValue"])
    return ""


def _err(e: dict[str, Any]) -> str:
    return {"NAME": "#NAME?", "DIVIDE_BY_ZERO": "#DIV/0!", "VALUE": "#VALUE!", "REF": "#REF!", "N_A": "#N/A",
            "NUM": "#NUM!", "NULL_VALUE": "#NULL!"}.get(e.get("type", ""), "#ERROR!")


# the permissions and comments routes live next door
from . import drive_permissions  # noqa: E402,F401
