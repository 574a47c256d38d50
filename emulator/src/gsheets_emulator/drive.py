"""Drive v3 ``files``: create, list, get, copy, update, delete (uploads and export live next door).

Shapes follow the Drive v3 reference: a File resource (``drive#file``), ``drive#fileList`` with
``nextPageToken``, default partial responses (``kind,id,name,mimeType``) unless ``fields`` asks
for more, and Drive's error envelope (``errors[].reason``). A user sees a file only through a
permission: no permission is a 404 ``File not found``, as Drive says it.

Shared drives (``drive_shared``): a file whose parent is a shared drive, or a folder in one, carries
``driveId``; the drive's members have their role on it; it is reached only with
``supportsAllDrives=true`` and listed only with ``includeItemsFromAllDrives=true``. A service
account owns no storage: it may create files only inside a shared drive (403 storageQuotaExceeded
elsewhere).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import TYPE_CHECKING, Any

from . import fields as fieldmask
from .drive_query import compile_query, order_key
from .errors import ApiError, unsupported
from .model import FOLDER_MIME, SPREADSHEET_MIME, DriveState, FileState, rfc3339
from .recalc import recalc
from .rest import SYSTEM_PARAMS, Response
from .roles import ROLE_RANK, best_role, owner_permission, permission_id
from .sheets_get import create_spreadsheet
from .table_import import CSV_MIME, TSV_MIME, import_table

if TYPE_CHECKING:
    from .core import Emulator
    from .rest import Request

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
WRITABLE_FILE_FIELDS = {"name", "mimeType", "parents", "description", "appProperties", "starred", "trashed",
                        "writersCanShare"}


# Google's answer to a service account creating a file outside a shared drive (see docs/emulator.md, "Shared
# drives and service accounts", for the public reports that quote it).
STORAGE_QUOTA_MESSAGE = ("Service Accounts do not have storage quota. Leverage shared drives "
                         "(https://developers.google.com/workspace/drive/api/guides/about-shareddrives), or use OAuth "
                         "delegation (http://support.google.com/a/answer/7281227) instead.")


def refuse_service_account_storage(emu: Emulator, user: str, drive_id: str | None) -> None:
    """A service account may own nothing: a new file must go into a shared drive."""
    if drive_id is None and emu.is_service_account(user):
        raise ApiError(403, STORAGE_QUOTA_MESSAGE, reason="storageQuotaExceeded", domain="usageLimits")


def all_drives(req: Request) -> bool:
    """Whether the caller says it supports shared drives (``supportsAllDrives`` or its deprecated twin)."""
    return req.bool_param("supportsAllDrives") or req.bool_param("supportsTeamDrives")


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
    return {"kind": "drive#user", "displayName": email.split("@")[0], "emailAddress": email,
            "me": email.lower() == me.lower(), "permissionId": permission_id(email)}


def _capabilities(rank: int) -> dict[str, bool]:
    return {"canEdit": rank >= 3, "canComment": rank >= 2, "canShare": rank >= 3, "canCopy": True,
            "canDelete": rank >= 4, "canTrash": rank >= 4, "canRename": rank >= 3, "canDownload": True,
            "canReadRevisions": rank >= 3}


def file_resource(emu: Emulator, f: FileState, user: str, wanted: set[str] | None = None) -> dict[str, Any]:
    """The File resource as ``user`` sees it; ``wanted`` limits it to those top-level fields (None: all)."""
    def want(k: str) -> bool:
        return wanted is None or k in wanted

    res: dict[str, Any] = {"kind": "drive#file", "id": f.id, "name": f.name, "mimeType": f.mime_type,
                           "starred": False, "trashed": f.trashed, "explicitlyTrashed": f.trashed,
                           "version": str(f.drive_version), "createdTime": f.created_time,
                           "modifiedTime": f.drive_modified_time,
                           "ownedByMe": f.drive_id is None and f.owner.lower() == user.lower(),
                           "shared": len(f.permissions) > 1,
                           "copyRequiresWriterPermission": False,
                           "viewersCanCopyContent": True, "quotaBytesUsed": "0"}
    if f.drive_id is None:  # "Not populated for items in shared drives" (writersCanShare, drive.v3 Discovery)
        res["writersCanShare"] = f.writers_can_share
    if want("parents"):
        res["parents"] = list(f.parents)
    if want("spaces"):
        res["spaces"] = ["drive"]
    if f.drive_id is not None:  # shared-drive items have no owner
        res["driveId"] = f.drive_id
    elif want("owners"):
        res["owners"] = [user_ref(f.owner, user)]
    if want("lastModifyingUser"):
        res["lastModifyingUser"] = user_ref(f.owner, user)
    if f.description is not None:
        res["description"] = f.description
    if f.app_properties and want("appProperties"):
        res["appProperties"] = dict(f.app_properties)
    if want("capabilities") or want("permissions") or want("permissionIds"):
        rank = ROLE_RANK[emu.role_of(f, user) or "reader"]
        res["capabilities"] = _capabilities(rank)
        if rank < 4 and not f.writers_can_share:
            res["capabilities"]["canShare"] = False  # writersCanShare off: only the owner shares
        if rank >= 3:  # Drive shows the sharing list only to those who can share
            res["permissions"] = [dict(p) for p in f.permissions]
            res["permissionIds"] = [p["id"] for p in f.permissions]
    if f.mime_type == SPREADSHEET_MIME:
        res["webViewLink"] = f"https://docs.google.com/spreadsheets/d/{f.id}/edit?usp=drivesdk"
        res["iconLink"] = "https://drive-thirdparty.googleusercontent.com/16/type/" + SPREADSHEET_MIME
        if want("exportLinks"):
            res["exportLinks"] = {m: f"https://docs.google.com/spreadsheets/export?id={f.id}&exportFormat={m}"
                                  for m in (CSV_MIME, TSV_MIME, XLSX_MIME)}
    elif f.mime_type == FOLDER_MIME:
        res["webViewLink"] = f"https://drive.google.com/drive/folders/{f.id}"
    else:
        res["size"] = "0"
    return res


def wanted_fields(req: Request, default_mask: str, key: str | None = None) -> set[str] | None:
    """The top-level File fields a request's mask selects (under ``key`` for a list), None for all."""
    mask: fieldmask.Mask | None = fieldmask.parse(req.param("fields") or default_mask)
    if key is not None:
        mask = mask.get(key) if mask is not None and "*" not in mask else None
    if mask is None or "*" in mask:
        return None
    return set(mask)


def bump_version(f: FileState | DriveState) -> None:
    """A metadata-only change (sharing, trashing): Drive's ``version`` moves, ``modifiedTime`` does not."""
    f.version += 1


def content_changed(req: Request, f: FileState) -> None:
    """Bump ``modifiedTime``/``version`` now (the core would do it after the handler, too late for our reply)."""
    req.emulator.touch(f)
    if f.spreadsheet is not None:
        recalc(f.spreadsheet, req.emulator)


def stamp_now(emu: Emulator) -> str:
    return rfc3339(emu.now())


def check_file_body(body: dict[str, Any], allowed: set[str]) -> None:
    if body.get("starred"):
        raise unsupported("starring files (the emulator keeps no per-user stars)")
    for k in body:
        if k not in allowed:
            if k in FILE_FIELDS:
                raise ApiError(403, f"The resource body includes fields which are not directly writable: {k}.",
                               reason="fieldNotWritable")
            raise ApiError(400, f'Invalid JSON payload received. Unknown name "{k}" at \'file\': Cannot find field '
                                "(or not supported by the sheetsync emulator).", reason="invalid")


def _check_parents(emu: Emulator, user: str, parents: Any, req: Request | None = None) -> list[str]:
    return _place(emu, user, parents, req)[0]


def _place(emu: Emulator, user: str, parents: Any, req: Request | None = None) -> tuple[list[str], str | None]:
    """The checked parents and the shared drive they are in (None: My Drive).

    A parent in a shared drive (the drive itself, or a folder in it) is found only with
    ``supportsAllDrives=true``; adding to it needs a member role of writer (Contributor) or more.
    """
    if parents is None:
        return [], None
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ApiError(400, "Invalid Value: parents must be a list of folder ids.", reason="invalid")
    if len(parents) > 1:
        raise ApiError(403, "Increasing the number of parents is not allowed.", reason="cannotAddParent")
    drive_id: str | None = None
    supports = req is not None and all_drives(req)
    for pid in parents:
        if pid == "root":
            continue
        drive = emu.drives.get(pid)
        if drive is not None:
            role = emu.drive_role(drive, user)
            if not supports or role is None:
                raise ApiError(404, f"File not found: {pid}.", reason="notFound")
            if role not in ("organizer", "fileOrganizer", "writer"):
                raise ApiError(403, f"The user does not have sufficient permissions for file {pid}.",
                               reason="insufficientFilePermissions")
            drive_id = pid
            continue
        p = emu.files.get(pid)
        if p is None or emu.role_of(p, user) is None or (p.drive_id and not supports):
            raise ApiError(404, f"File not found: {pid}.", reason="notFound")
        if p.mime_type != FOLDER_MIME:
            raise ApiError(400, f"The parent {pid} is not a folder.", reason="invalidParent")
        emu.require_role(p, user, "writer", "drive")
        drive_id = p.drive_id
    return [p for p in parents if p != "root"], drive_id


def into_drive(f: FileState, drive_id: str | None) -> None:
    """Place a new file: in a shared drive it has no owner permission (the drive's members reach it)."""
    f.drive_id = drive_id
    if drive_id is not None:
        f.permissions = [p for p in f.permissions if p.get("role") != "owner"]


# --- files.create -----------------------------------------------------------------------

def files_create(req: Request) -> dict[str, Any]:
    check_params(req, {"ignoreDefaultVisibility", "keepRevisionForever", "ocrLanguage", "useContentAsIndexableText"})
    f = create_file(req, req.json(), None, None)
    return respond(req, file_resource(req.emulator, f, req.user), DEFAULT_FILE_MASK, FILE_FIELDS)


def create_file(req: Request, body: dict[str, Any], media: bytes | None, media_type: str | None) -> FileState:
    emu = req.emulator
    check_file_body(body, WRITABLE_FILE_FIELDS - {"trashed"})
    parents, drive_id = _place(emu, req.user, body.get("parents"), req)
    refuse_service_account_storage(emu, req.user, drive_id)
    mime = body.get("mimeType")
    name = body.get("name")
    if mime == SPREADSHEET_MIME:
        f = create_spreadsheet(emu, req.user, {"properties": {"title": name or "Untitled spreadsheet"}})
        f.name = name or "Untitled spreadsheet"
        if media is not None:
            import_table(f, media, media_type or "")
            recalc(f.spreadsheet, emu)  # type: ignore[arg-type]
    elif media is not None:
        raise unsupported(f"uploading content of type {media_type or mime!r} without converting it to a Google "
                          f"spreadsheet (set mimeType to {SPREADSHEET_MIME!r} and send text/csv)")
    else:
        stamp = stamp_now(emu)
        f = FileState(id=emu.new_file_id(), name=name or "Untitled", mime_type=mime or "application/octet-stream",
                      owner=req.user, created_time=stamp, modified_time=stamp,
                      permissions=[owner_permission(req.user)])
        emu.files[f.id] = f
    f.parents = parents
    into_drive(f, drive_id)
    if "description" in body:
        f.description = body["description"]
    if "appProperties" in body:
        f.app_properties = {k: str(v) for k, v in (body["appProperties"] or {}).items() if v is not None}
    return f


# --- files.list -------------------------------------------------------------------------

def files_list(req: Request) -> dict[str, Any]:
    check_params(req, {"q", "pageSize", "pageToken", "orderBy", "corpora", "corpus", "spaces", "driveId",
                       "teamDriveId"})
    emu = req.emulator
    corpora = req.param("corpora")
    if corpora is not None and req.param("corpus") is not None:
        raise ApiError(400, "Corpus and corpora are mutually exclusive options.", reason="invalid")
    corpora = corpora or req.param("corpus") or "user"
    include = req.bool_param("includeItemsFromAllDrives") or req.bool_param("includeTeamDriveItems")
    drive_id = req.param("driveId") or req.param("teamDriveId")
    in_view = _corpus(emu, req.user, corpora, drive_id, include)
    spaces = req.param("spaces", "drive")
    if spaces != "drive":
        raise unsupported(f"spaces={spaces!r} (only 'drive')")
    size = page_size(req.param("pageSize"), 100, 1000)
    q = req.param("q")
    pred = compile_query(q, emu, req.user)
    sorter = order_key(req.param("orderBy"))
    visible = [f for f in emu.files.values() if in_view(f) and pred(f)]
    if sorter is not None:
        visible = sorter(visible)
    key = token_key(q, req.param("orderBy"), req.user, corpora, drive_id, str(include))
    start = read_token(req.param("pageToken"), key)
    page = visible[start:start + size]
    wanted = wanted_fields(req, DEFAULT_LIST_MASK, "files")
    out: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False,
                           "files": [file_resource(emu, f, req.user, wanted) for f in page]}
    if start + size < len(visible):
        out["nextPageToken"] = make_token(start + size, key)
    return respond(req, out, DEFAULT_LIST_MASK, LIST_FIELDS)


def _corpus(emu: Emulator, user: str, corpora: str, drive_id: str | None, include: bool) -> Any:
    """Which files a listing covers (Drive v3 files.list: ``corpora``, ``driveId``, ``includeItemsFromAllDrives``).

    ``user`` (the default): My Drive files the user can open, plus, only with includeItemsFromAllDrives,
    shared-drive files they created or were given directly; ``drive``: every file of one shared drive
    (``driveId``) the user is a member of; ``allDrives``: ``user`` plus every file of every shared drive
    the user is a member of. ``domain`` is treated as ``user`` (the emulator has no domains).
    """
    if corpora not in ("user", "drive", "allDrives", "domain"):
        raise ApiError(400, f"Invalid value for corpora: {corpora!r}; use user, drive, allDrives or domain.",
                       reason="invalid")
    if (corpora == "drive") != bool(drive_id):
        raise ApiError(400, "The driveId parameter must be specified if and only if corpora is set to drive.",
                       reason="teamDriveIdRequiresTeamDriveCorpora")
    if (corpora in ("drive", "allDrives") or drive_id) and not include:
        raise ApiError(403, "The includeItemsFromAllDrives parameter must be set to true when driveId is specified "
                            "or corpora contains drive or allDrives.", reason="invalid")
    if drive_id is not None:
        drive = emu.drives.get(drive_id)
        if drive is None or emu.drive_role(drive, user) is None:
            raise ApiError(404, f"Shared drive not found: {drive_id}", reason="notFound")
        return lambda f: f.drive_id == drive_id

    def direct(f: FileState) -> bool:  # the user corpus: created by, or shared directly with, the user
        if f.drive_id is None:
            return emu.role_of(f, user) is not None
        if not include or emu.role_of(f, user) is None:
            return False
        return f.owner.lower() == user.lower() or best_role(f.permissions, user) is not None

    if corpora != "allDrives":
        return direct
    member_of = {d.id for d in emu.drives.values() if emu.drive_role(d, user) is not None}
    return lambda f: (f.drive_id in member_of) if f.drive_id is not None else direct(f)


# --- paging, shared by every Drive listing (files, permissions, shared drives) ----------------------

def page_size(text: str | None, default: int, maximum: int) -> int:
    """The ``pageSize`` parameter, checked against Drive's range for the listing."""
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


def token_key(*parts: str | None) -> str:
    """What a page token is bound to (query, order, caller...): a token from another listing is refused."""
    return hashlib.sha1(json.dumps(parts).encode()).hexdigest()[:12]


def make_token(offset: int, key: str) -> str:
    """An opaque ``nextPageToken`` for the page starting at ``offset``."""
    return base64.urlsafe_b64encode(json.dumps([offset, key]).encode()).decode().rstrip("=")


def read_token(token: str | None, key: str) -> int:
    """The offset a ``pageToken`` stands for (0 without one); 400 for a token of another listing."""
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

def files_get(req: Request, file_id: str) -> Any:
    check_params(req, {"acknowledgeAbuse"})
    f = req.emulator.files[file_id]
    if req.param("alt") == "media":
        if f.mime_type.startswith("application/vnd.google-apps."):
            raise ApiError(403, "Only files with binary content can be downloaded. Use Export with Docs Editors "
                                "files.", reason="fileNotDownloadable")
        return Response(200, b"", {"Content-Type": f.mime_type})
    return respond(req, file_resource(req.emulator, f, req.user), DEFAULT_FILE_MASK, FILE_FIELDS)


def files_update(req: Request, file_id: str) -> dict[str, Any]:
    check_params(req, {"addParents", "removeParents", "keepRevisionForever", "ocrLanguage",
                       "useContentAsIndexableText"})
    emu = req.emulator
    f = emu.files[file_id]
    body = req.json()
    if "parents" in body:
        raise ApiError(403, "The parents field is not directly writable in update requests. Use the addParents and "
                            "removeParents parameters instead.", reason="fieldNotWritable")
    check_file_body(body, WRITABLE_FILE_FIELDS - {"parents"})
    if "mimeType" in body and body["mimeType"] != f.mime_type:
        raise unsupported("changing a file's mimeType")
    apply_update(req, f, body)
    return respond(req, file_resource(emu, f, req.user), DEFAULT_FILE_MASK, FILE_FIELDS)


def apply_update(req: Request, f: FileState, body: dict[str, Any]) -> None:
    emu = req.emulator
    if "trashed" in body and bool(body["trashed"]) != f.trashed:
        require_organizer(emu, f, req.user, ("organizer", "fileOrganizer"))
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
    if "writersCanShare" in body:  # who may re-share is the owner's setting (docs/emulator.md)
        if not isinstance(body["writersCanShare"], bool):
            raise ApiError(400, "Invalid Value: writersCanShare must be true or false.", reason="invalid")
        if body["writersCanShare"] != f.writers_can_share:
            emu.require_role(f, req.user, "owner", "drive")
            f.writers_can_share = body["writersCanShare"]
            bump_version(f)
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
        placed, drive_id = _place(emu, req.user, add, req)
        if add and drive_id != f.drive_id:
            raise unsupported("moving a file between My Drive and a shared drive, or between shared drives")
        for p in placed:
            if p not in parents:
                parents.append(p)
        if len(parents) > 1:
            raise ApiError(403, "Increasing the number of parents is not allowed.", reason="cannotAddParent")
        f.parents = parents
        bump_version(f)


def require_organizer(emu: Emulator, f: FileState, user: str, roles: tuple[str, ...]) -> None:
    """Deleting or trashing: the owner of a My Drive file; in a shared drive, one of ``roles`` (files.delete:
    "the user must be an organizer"; trashing is a Content manager's right too)."""
    if f.drive_id is None:
        emu.require_role(f, user, "owner", "drive")
        return
    have = emu.role_of(f, user)
    if have is None:
        raise ApiError(404, f"File not found: {f.id}.", reason="notFound")
    if have not in roles:
        raise ApiError(403, f"The user does not have sufficient permissions for file {f.id}.",
                       reason="insufficientFilePermissions")


def files_delete(req: Request, file_id: str) -> Any:
    check_params(req, set())
    emu = req.emulator
    f = emu.files[file_id]
    require_organizer(emu, f, req.user, ("organizer",))
    doomed = [f.id]
    i = 0
    while i < len(doomed):  # a folder takes what its owner keeps in it along (in a shared drive: everything)
        doomed.extend(c.id for c in emu.files.values()
                      if doomed[i] in c.parents and (c.owner == f.owner or f.drive_id is not None))
        i += 1
    for fid in doomed:
        emu.files.pop(fid, None)
    return Response(204, b"", {})


def files_copy(req: Request, file_id: str) -> dict[str, Any]:
    check_params(req, {"copyComments", "ignoreDefaultVisibility", "keepRevisionForever", "ocrLanguage"})
    emu = req.emulator
    src = emu.files[file_id]
    body = req.json()
    check_file_body(body, WRITABLE_FILE_FIELDS - {"trashed"})
    if src.mime_type == FOLDER_MIME:
        raise ApiError(403, "This file cannot be copied by the user.", reason="cannotCopyFile")
    if body.get("mimeType") not in (None, src.mime_type):
        raise ApiError(400, f"Copying cannot convert {src.mime_type} to {body['mimeType']}.", reason="badRequest")
    if "parents" in body:
        parents, drive_id = _place(emu, req.user, body["parents"], req)
    elif src.drive_id is not None:  # "the copy inherits any discoverable parents of the source file"
        parents, drive_id = _place(emu, req.user, list(src.parents) or [src.drive_id], req)
    else:
        parents, drive_id = [], None
    refuse_service_account_storage(emu, req.user, drive_id)
    new = src.clone()
    new.id = emu.new_file_id()
    new.name = body.get("name") or f"Copy of {src.name}"
    new.owner = req.user
    new.created_time = new.modified_time = stamp_now(emu)
    new.version = 1
    new.shown = new.refresh_at = None  # a copy is a new file: Drive shows it as it is
    new.trashed = False
    new.parents = parents
    new.permissions = [owner_permission(req.user)]
    into_drive(new, drive_id)
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

