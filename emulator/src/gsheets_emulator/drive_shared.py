"""Drive v3 ``drives``: create, get, list, update, delete shared drives.

A shared drive is a ``DriveState``; its members are Permission dicts (managed through
``permissions.*`` with the drive's id as ``fileId`` and ``supportsAllDrives=true``). The creator
becomes an organizer. Files whose parent is the drive (or a folder in it) belong to it: see
``drive.py``. A caller who is not a member gets 404 ``Shared drive not found``, as Drive answers.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from .drive import (
    check_params,
    make_token,
    page_size,
    read_token,
    respond,
    stamp_now,
    token_key,
)
from .errors import ApiError, unsupported
from .model import DriveState
from .rest import Response
from .roles import owner_permission

if TYPE_CHECKING:
    from .rest import Request

DRIVES = r"/drive/v3/drives"
DRIVE = DRIVES + r"/(?P<drive_id>[^/]+)"
DRIVE_FIELDS = {"kind", "id", "name", "createdTime", "hidden", "capabilities", "restrictions", "colorRgb",
                "backgroundImageLink", "themeId", "orgUnitId", "backgroundImageFile"}
DRIVE_LIST_FIELDS = {"kind", "nextPageToken", "drives"}
DEFAULT_DRIVE_MASK = "kind,id,name"
DEFAULT_DRIVE_LIST_MASK = "kind,nextPageToken,drives(kind,id,name)"
WRITABLE_DRIVE_FIELDS = {"name", "colorRgb", "hidden"}
# What each member role may do (Drive "Roles and permissions": organizer = Manager, fileOrganizer =
# Content manager, writer = Contributor, commenter, reader = Viewer).
_RANK = {"reader": 1, "commenter": 2, "writer": 3, "fileOrganizer": 4, "organizer": 5}


def member(req: Request, drive_id: str) -> tuple[DriveState, str]:
    """The drive and the caller's role in it; 404 for a drive that does not exist or a non-member."""
    emu = req.emulator
    drive = emu.drives.get(drive_id)
    role = emu.drive_role(drive, req.user) if drive is not None else None
    if drive is None or role is None:
        raise ApiError(404, f"Shared drive not found: {drive_id}", reason="notFound")
    return drive, role


def require_organizer(drive: DriveState, role: str) -> None:
    if role != "organizer":
        raise ApiError(403, f"The user does not have sufficient permissions for this shared drive: {drive.id}.",
                       reason="insufficientFilePermissions")


def drive_resource(drive: DriveState, role: str) -> dict[str, Any]:
    rank = _RANK[role]
    caps = {"canAddChildren": rank >= 3, "canComment": rank >= 2, "canCopy": True, "canDeleteDrive": rank >= 5,
            "canDownload": True, "canEdit": rank >= 3, "canListChildren": True, "canManageMembers": rank >= 5,
            "canReadRevisions": rank >= 2, "canRename": rank >= 3, "canRenameDrive": rank >= 5,
            "canShare": rank >= 3, "canTrashChildren": rank >= 4, "canDeleteChildren": rank >= 5,
            "canChangeDriveBackground": rank >= 5, "canResetDriveRestrictions": rank >= 5}
    return {"kind": "drive#drive", "id": drive.id, "name": drive.name, "createdTime": drive.created_time,
            "hidden": False, "colorRgb": drive.color_rgb, "capabilities": caps,
            "restrictions": {"adminManagedRestrictions": False, "copyRequiresWriterPermission": False,
                             "domainUsersOnly": False, "driveMembersOnly": False,
                             "sharingFoldersRequiresOrganizerPermission": False}}


def check_file_body(body: dict[str, Any]) -> None:
    for k, v in body.items():
        if k in ("kind", "id", "createdTime", "capabilities", "backgroundImageLink"):
            raise ApiError(403, f"The resource body includes fields which are not directly writable: {k}.",
                           reason="fieldNotWritable")
        if k not in DRIVE_FIELDS:
            raise ApiError(400, f'Invalid JSON payload received. Unknown name "{k}" at \'drive\': Cannot find field.',
                           reason="invalid")
        if k not in WRITABLE_DRIVE_FIELDS:
            raise unsupported(f"shared drive field {k!r} (the emulator keeps name and colorRgb)")
        if k == "hidden" and v:
            raise unsupported("hidden shared drives")
        if k == "name" and (not isinstance(v, str) or not v.strip()):
            raise ApiError(400, "Invalid Value: the shared drive's name must be a non-empty string.", reason="invalid")


def drives_create(req: Request) -> dict[str, Any]:
    check_params(req, {"requestId"})
    emu = req.emulator
    body = req.json()
    check_file_body(body)
    request_id = req.param("requestId")
    if not request_id:
        raise ApiError(400, "Required parameter: requestId", reason="required")
    if not body.get("name"):
        raise ApiError(400, "The shared drive's name is required.", reason="required")
    for d in emu.drives.values():
        if d.request_id == request_id and d.creator.lower() == req.user.lower():
            raise ApiError(409, "A shared drive with this requestId already exists.", reason="duplicate")
    drive_id = "0A" + uuid.uuid4().hex[:13].upper() + "Uk9PVA"
    perm = owner_permission(req.user)
    perm["role"] = "organizer"
    drive = DriveState(id=drive_id, name=body["name"], created_time=stamp_now(emu), creator=req.user,
                       permissions=[perm], request_id=request_id, color_rgb=body.get("colorRgb") or "#4986e7")
    emu.drives[drive_id] = drive
    return respond(req, drive_resource(drive, "organizer"), DEFAULT_DRIVE_MASK, DRIVE_FIELDS)


def drives_get(req: Request, drive_id: str) -> dict[str, Any]:
    check_params(req, {"useDomainAdminAccess"})
    _no_admin(req)
    drive, role = member(req, drive_id)
    return respond(req, drive_resource(drive, role), DEFAULT_DRIVE_MASK, DRIVE_FIELDS)


def drives_list(req: Request) -> dict[str, Any]:
    check_params(req, {"pageSize", "pageToken", "q", "useDomainAdminAccess"})
    _no_admin(req)
    if req.param("q"):
        raise unsupported("drives.list q (list every shared drive the caller is a member of)")
    emu = req.emulator
    text = req.param("pageSize")
    if text is not None and text.isdigit() and int(text) > 100:
        text = "100"  # "values above 100 will be coerced to 100"
    size = page_size(text, 10, 100)
    mine = [(d, r) for d in emu.drives.values() if (r := emu.drive_role(d, req.user)) is not None]
    key = token_key("drives", req.user)
    start = read_token(req.param("pageToken"), key)
    out: dict[str, Any] = {"kind": "drive#driveList",
                           "drives": [drive_resource(d, r) for d, r in mine[start:start + size]]}
    if start + size < len(mine):
        out["nextPageToken"] = make_token(start + size, key)
    return respond(req, out, DEFAULT_DRIVE_LIST_MASK, DRIVE_LIST_FIELDS)


def drives_update(req: Request, drive_id: str) -> dict[str, Any]:
    check_params(req, {"useDomainAdminAccess"})
    _no_admin(req)
    drive, role = member(req, drive_id)
    require_organizer(drive, role)
    body = req.json()
    check_file_body(body)
    if "name" in body:
        drive.name = body["name"]
    if "colorRgb" in body:
        drive.color_rgb = body["colorRgb"]
    drive.version += 1
    return respond(req, drive_resource(drive, role), DEFAULT_DRIVE_MASK, DRIVE_FIELDS)


def drives_delete(req: Request, drive_id: str) -> Any:
    check_params(req, {"useDomainAdminAccess", "allowItemDeletion"})
    _no_admin(req)
    if req.bool_param("allowItemDeletion"):
        raise unsupported("allowItemDeletion (it needs useDomainAdminAccess, an administrator's right)")
    emu = req.emulator
    drive, role = member(req, drive_id)
    require_organizer(drive, role)
    if any(f.drive_id == drive_id and not f.trashed for f in emu.files.values()):
        raise ApiError(403, "The shared drive cannot be deleted because it contains one or more untrashed items.",
                       reason="cannotDeleteResourceWithChildren")
    for fid in [f.id for f in emu.files.values() if f.drive_id == drive_id]:
        del emu.files[fid]
    del emu.drives[drive_id]
    return Response(204, b"", {})


def _no_admin(req: Request) -> None:
    if req.bool_param("useDomainAdminAccess"):
        raise unsupported("useDomainAdminAccess (the emulator has no domain administrators)")
