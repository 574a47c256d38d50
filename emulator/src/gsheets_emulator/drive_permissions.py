"""Drive v3 ``permissions`` (create, list, get, update, delete) and the ``comments`` list gspread reads.

Sharing follows Drive's rules for My Drive files: owners may share, writers only while the file's
``writersCanShare`` is on (the default; ``files.update`` by the owner turns it off), readers and
commenters never; only the owner may hand
ownership over, and only with ``transferOwnership=true``; the owner's own permission cannot
be removed or downgraded. Permission ids are stable per user across files, as Drive's are.

A shared drive's id takes the place of a file id (with ``supportsAllDrives=true``) to manage its
members (organizer, fileOrganizer, writer, commenter, reader); only organizers change them. On a file
in a shared drive, ``permissions.list`` shows the drive's members too, marked
``permissionDetails[].inherited``; an inherited permission is removed from the drive, not the file.
Notification e-mails Drive would send are recorded in ``Emulator.outbox`` for tests to read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .drive import (
    all_drives,
    bump_version,
    check_params,
    make_token,
    page_size,
    read_token,
    respond,
    token_key,
)
from .errors import ApiError, unsupported
from .rest import Response
from .roles import permission_id

if TYPE_CHECKING:
    from typing_extensions import TypeIs  # type-checking only: the emulator does not depend on it

    from .model import DriveState, FileState
    from .rest import Request

PERMISSION_FIELDS = {"kind", "id", "type", "role", "emailAddress", "domain", "displayName", "deleted",
                     "pendingOwner", "allowFileDiscovery", "expirationTime", "photoLink", "permissionDetails",
                     "view", "inheritedPermissionsDisabled", "teamDrivePermissionDetails"}
DEFAULT_PERMISSION_MASK = "kind,id,type,role"
LIST_FIELDS = {"kind", "nextPageToken", "permissions"}
DEFAULT_LIST_MASK = "kind,nextPageToken,permissions(kind,id,type,role)"
ROLES = ("owner", "organizer", "fileOrganizer", "writer", "commenter", "reader")
TYPES = ("user", "group", "domain", "anyone")
# Permission fields a client may send; ``withLink`` is not in v3's schema but gspread sends it
# (always false) and Drive accepts it, so we accept it when false.
WRITABLE = {"type", "role", "emailAddress", "domain", "allowFileDiscovery", "pendingOwner", "withLink",
            "expirationTime", "view"}


DRIVE_ROLES = ("organizer", "fileOrganizer", "writer", "commenter", "reader")


def _target(req: Request, file_id: str, *, change: bool) -> FileState | DriveState:
    """The file, or the shared drive whose members are managed; checks the caller may see / change it."""
    emu = req.emulator
    f = emu.files.get(file_id)
    if f is not None:
        if change:
            _perm_check(req, f)
        else:  # seeing the list is not changing it: writers may list while writersCanShare is off
            emu.require_role(f, req.user, "writer", "drive")
        return f
    drive = emu.drives[file_id]  # the core let only a file or a drive id through
    role = emu.drive_role(drive, req.user)
    if not all_drives(req) or role is None:
        raise ApiError(404, f"File not found: {file_id}.", reason="notFound")
    if change and role != "organizer":
        raise ApiError(403, f"The user does not have sufficient permissions for file {file_id}.",
                       reason="insufficientFilePermissions")
    return drive


def _is_drive(t: FileState | DriveState) -> TypeIs[DriveState]:
    return not hasattr(t, "mime_type")


def _perm_check(req: Request, f: FileState) -> None:
    """Only someone who can share may change the sharing list (Drive's ``capabilities.canShare``):
    the owner, and writers while the file's ``writersCanShare`` is on."""
    emu = req.emulator
    emu.require_role(f, req.user, "writer", "drive")
    if not f.writers_can_share and emu.role_of(f, req.user) != "owner":
        raise ApiError(403, f"The user does not have sufficient permissions for file {f.id}.",
                       reason="insufficientFilePermissions")


def _listed(req: Request, t: FileState | DriveState) -> list[dict[str, Any]]:
    """The permissions as Drive lists them: on a shared-drive file, the drive's members come too (inherited)."""
    drive = None if _is_drive(t) else req.emulator.drives.get(t.drive_id) if t.drive_id else None
    if drive is None:
        return [dict(p) for p in t.permissions]
    out: dict[str, dict[str, Any]] = {}
    for p, inherited in [(p, True) for p in drive.permissions] + [(p, False) for p in t.permissions]:
        detail = {"permissionType": "member" if inherited else "file", "role": p["role"], "inherited": inherited}
        if inherited:
            detail["inheritedFrom"] = drive.id
        got = out.get(p["id"])
        if got is None:
            got = out[p["id"]] = {**p, "permissionDetails": []}
        elif _RANK_OF[p["role"]] > _RANK_OF[got["role"]]:
            got["role"] = p["role"]
        got["permissionDetails"].append(detail)
    return list(out.values())


_RANK_OF = {"reader": 1, "commenter": 2, "writer": 3, "fileOrganizer": 4, "organizer": 5, "owner": 6}


def _find(f: FileState | DriveState, permission_id: str) -> dict[str, Any]:
    for p in f.permissions:
        if p["id"] == permission_id:
            return p
    raise ApiError(404, f"Permission not found: {permission_id}.", reason="notFound")


def _find_own(req: Request, f: FileState | DriveState, permission_id: str) -> dict[str, Any]:
    """A permission on the file itself; one the file only inherits from its shared drive is refused."""
    if not any(p["id"] == permission_id for p in f.permissions) and not _is_drive(f) \
            and any(p["id"] == permission_id for p in _listed(req, f)):
        raise ApiError(403, "The permission is inherited from the shared drive; change it among the shared drive's "
                            "members.", reason="cannotModifyInheritedPermission")
    return _find(f, permission_id)


def _perm_id(kind: str, value: str | None, discoverable: bool) -> str:
    if kind == "anyone":
        return "anyone" if discoverable else "anyoneWithLink"
    if kind == "domain":
        return permission_id("domain:" + (value or "")) + "k"
    return permission_id(value or "")


def permissions_create(req: Request, file_id: str) -> dict[str, Any]:
    check_params(req, {"emailMessage", "sendNotificationEmail", "transferOwnership", "moveToNewOwnersRoot",
                       "useDomainAdminAccess", "enforceExpansiveAccess"})
    emu = req.emulator
    f = _target(req, file_id, change=True)
    body = req.json()
    for k in body:
        if k not in WRITABLE:
            if k in PERMISSION_FIELDS:
                raise ApiError(403, f"The resource body includes fields which are not directly writable: {k}.",
                               reason="fieldNotWritable")
            raise ApiError(400, f'Invalid JSON payload received. Unknown name "{k}" at \'permission\': Cannot find '
                                "field.", reason="invalid")
    if body.get("pendingOwner"):
        raise ApiError(403, "A new permission cannot be created as a pending owner; create it as a writer, then "
                            "update it with pendingOwner=true.", reason="pendingOwnerWriterRequired")
    if body.get("withLink"):
        raise unsupported("permission.withLink=true (a Drive v2 notion; v3 uses type=anyone)")
    if body.get("expirationTime") or body.get("view"):
        raise unsupported("permission.expirationTime and permission.view")
    kind, role = body.get("type"), body.get("role")
    if not kind:
        raise ApiError(400, "The permission type field is required.", reason="required")
    if not role:
        raise ApiError(400, "The permission role field is required.", reason="required")
    if kind not in TYPES:
        raise ApiError(400, f"The permission type {kind!r} is invalid; use one of {', '.join(TYPES)}.",
                       reason="invalid")
    if _is_drive(f):
        if role not in DRIVE_ROLES or kind == "anyone":
            raise ApiError(400, f"The permission role {role!r} (type {kind!r}) is invalid for a shared drive member; "
                                f"use a user, group or domain with one of {', '.join(DRIVE_ROLES)}.", reason="invalid")
    elif f.drive_id is not None and role in ("owner", "organizer"):
        raise ApiError(403, f"The role {role!r} cannot be given on a shared drive item: items in shared drives "
                            "have no owner; make the person a member of the shared drive instead.",
                       reason="invalidSharingRequest")
    elif f.drive_id is None and (role not in ROLES or role in ("organizer", "fileOrganizer")):
        raise ApiError(400, f"The permission role {role!r} is invalid for a My Drive file; use owner, writer, "
                            "commenter or reader.", reason="invalid")
    value: str | None = None
    if kind in ("user", "group"):
        value = body.get("emailAddress")
        if not value or "@" not in value:
            raise ApiError(400, "The permission emailAddress field is required for type user or group and must be "
                                "an e-mail address.", reason="required")
    elif kind == "domain":
        value = body.get("domain")
        if not value:
            raise ApiError(400, "The permission domain field is required for type domain.", reason="required")
    transfer = req.bool_param("transferOwnership")
    if role == "owner" and not _is_drive(f):  # a shared drive has no owner (refused above)
        if not transfer:
            raise ApiError(403, "The transferOwnership parameter must be enabled when the permission role is "
                                "'owner'.", reason="forbidden")
        if kind != "user":
            raise ApiError(403, "Ownership can only be transferred to a user.", reason="invalidSharingRequest")
        emu.require_role(f, req.user, "owner", "drive")
    notify = req.bool_param("sendNotificationEmail", default=True)
    if role == "owner" and not notify:
        raise ApiError(403, "Bad Request. User message: \"You must send a notification e-mail when transferring "
                            "ownership.\"", reason="forbidden")
    pid = _perm_id(kind, value, bool(body.get("allowFileDiscovery")))
    perm: dict[str, Any] = {"kind": "drive#permission", "id": pid, "type": kind, "role": role}
    if kind in ("user", "group"):
        perm.update(emailAddress=value, displayName=(value or "").split("@")[0], deleted=False, pendingOwner=False)
    elif kind == "domain":
        perm.update(domain=value, displayName=value, allowFileDiscovery=bool(body.get("allowFileDiscovery")))
    else:
        perm["allowFileDiscovery"] = bool(body.get("allowFileDiscovery"))
    existing = next((p for p in f.permissions if p["id"] == pid), None)
    if existing is not None and existing["role"] == role:
        return respond(req, dict(existing), DEFAULT_PERMISSION_MASK, PERMISSION_FIELDS)  # nothing to change
    if existing is not None and existing["role"] == "owner" and role != "owner":
        raise ApiError(403, "The owner's permission cannot be downgraded; transfer ownership first.",
                       reason="forbidden")
    if role == "owner" and not _is_drive(f):
        for p in f.permissions:
            if p["role"] == "owner":
                p["role"] = "writer"  # the previous owner stays an editor, as in Drive
        f.owner = value or f.owner
    if existing is not None:
        existing.update(perm)
        perm = existing
    else:
        f.permissions.append(perm)
    if kind in ("user", "group") and (notify or role == "owner") and not _is_drive(f):
        emu.outbox.append({"to": value, "file_id": f.id, "role": role, "from": req.user,
                           "message": req.param("emailMessage") or ""})
    bump_version(f)
    return respond(req, dict(perm), DEFAULT_PERMISSION_MASK, PERMISSION_FIELDS)


def permissions_list(req: Request, file_id: str) -> dict[str, Any]:
    check_params(req, {"pageSize", "pageToken", "useDomainAdminAccess", "includePermissionsForView"})
    f = _target(req, file_id, change=False)
    size = page_size(req.param("pageSize"), 100, 100)
    key = token_key(file_id, req.user)
    start = read_token(req.param("pageToken"), key)
    listed = _listed(req, f)
    page = listed[start:start + size]
    out: dict[str, Any] = {"kind": "drive#permissionList", "permissions": page}
    if start + size < len(listed):
        out["nextPageToken"] = make_token(start + size, key)
    return respond(req, out, DEFAULT_LIST_MASK, LIST_FIELDS)


def permissions_get(req: Request, file_id: str, permission_id: str) -> dict[str, Any]:
    check_params(req, {"useDomainAdminAccess"})
    f = _target(req, file_id, change=False)
    for p in _listed(req, f):
        if p["id"] == permission_id:
            return respond(req, p, DEFAULT_PERMISSION_MASK, PERMISSION_FIELDS)
    raise ApiError(404, f"Permission not found: {permission_id}.", reason="notFound")


def permissions_update(req: Request, file_id: str, permission_id: str) -> dict[str, Any]:
    check_params(req, {"transferOwnership", "removeExpiration", "useDomainAdminAccess", "enforceExpansiveAccess"})
    emu = req.emulator
    f = _target(req, file_id, change=True)
    perm = _find_own(req, f, permission_id)
    body = req.json()
    for k in body:
        if k not in ("role", "pendingOwner", "expirationTime"):
            if k not in PERMISSION_FIELDS:
                raise ApiError(400, f'Invalid JSON payload received. Unknown name "{k}" at \'permission\': Cannot '
                                    "find field.", reason="invalid")
            raise ApiError(403, f"The resource body includes fields which are not directly writable: {k}.",
                           reason="fieldNotWritable")
    if body.get("expirationTime"):
        raise unsupported("permission.expirationTime")
    role = body.get("role", perm["role"])
    if _is_drive(f):
        if role not in DRIVE_ROLES:
            raise ApiError(400, f"The permission role {role!r} is invalid for a shared drive member.", reason="invalid")
        perm["role"] = role
        bump_version(f)
        return respond(req, dict(perm), DEFAULT_PERMISSION_MASK, PERMISSION_FIELDS)
    if role not in ("owner", "writer", "commenter", "reader") or (f.drive_id and role == "owner"):
        raise ApiError(400, f"The permission role {role!r} is invalid.", reason="invalid")
    if perm["role"] == "owner" and role != "owner":
        raise ApiError(403, "The owner of a file cannot be downgraded; transfer ownership to someone else first.",
                       reason="forbidden")
    if role == "owner" and perm["role"] != "owner":
        if not req.bool_param("transferOwnership"):
            raise ApiError(403, "The transferOwnership parameter must be enabled when the permission role is "
                                "'owner'.", reason="forbidden")
        accepting = perm.get("pendingOwner") and perm.get("emailAddress", "").lower() == req.user.lower()
        if not accepting:  # the pending owner accepts; anyone else must be the owner
            emu.require_role(f, req.user, "owner", "drive")
        if perm["type"] != "user":
            raise ApiError(403, "Ownership can only be transferred to a user.", reason="invalidSharingRequest")
        for p in f.permissions:
            if p["role"] == "owner":
                p["role"] = "writer"
        f.owner = perm["emailAddress"]
        perm["pendingOwner"] = False
    elif "pendingOwner" in body:
        if body["pendingOwner"] and perm["type"] != "user":
            raise ApiError(403, "Only a user can be a pending owner.", reason="invalidSharingRequest")
        emu.require_role(f, req.user, "owner", "drive")
        perm["pendingOwner"] = bool(body["pendingOwner"])
    perm["role"] = role
    bump_version(f)
    return respond(req, dict(perm), DEFAULT_PERMISSION_MASK, PERMISSION_FIELDS)


def permissions_delete(req: Request, file_id: str, permission_id: str) -> Any:
    check_params(req, {"useDomainAdminAccess", "enforceExpansiveAccess"})
    f = req.emulator.files.get(file_id)
    if f is None:  # a shared drive's member
        t = _target(req, file_id, change=True)
        t.permissions.remove(_find(t, permission_id))
        bump_version(t)
        return Response(204, b"", {})
    perm = next((p for p in f.permissions if p["id"] == permission_id), None)
    mine = perm is not None and perm.get("emailAddress", "").lower() == req.user.lower()
    if not mine:  # anyone may remove their own access; removing others' needs sharing rights
        _perm_check(req, f)
    perm = _find_own(req, f, permission_id)
    if perm["role"] == "owner":
        raise ApiError(403, "The owner of a file cannot be removed.", reason="cannotRemoveOwner")
    f.permissions.remove(perm)
    bump_version(f)
    return Response(204, b"", {})


# --- comments: gspread's Client.copy reads them; the emulator keeps none -------------------

def comments_list(req: Request, file_id: str) -> dict[str, Any]:
    check_params(req, {"includeDeleted", "pageSize", "pageToken", "startModifiedTime"})
    if not req.param("fields"):
        raise ApiError(400, "The 'fields' parameter is required for this method.", reason="required")
    return respond(req, {"kind": "drive#commentList", "comments": []}, "comments", {"kind", "comments",
                                                                                      "nextPageToken"})


def comments_create(req: Request, file_id: str) -> dict[str, Any]:
    raise unsupported("Drive comments (the emulator keeps cell notes, which Sheets exposes as CellData.note)")
