"""Every endpoint against every role: who is refused, and with which of Google's bodies.

Generated from the route table. Expected minimum roles follow Google's references: Sheets
reads need view access, Sheets writes edit access; Drive ``files.delete`` needs the owner,
sharing needs a writer (``writersCanShare``), comments need a commenter. A caller with no
access at all gets Sheets' 403 PERMISSION_DENIED, but Drive's 404 notFound (Drive does not
reveal that a file exists).
"""

from __future__ import annotations

import re

import pytest

from gsheets_emulator import Emulator
from gsheets_emulator.routing import ROUTES

Emulator()
RANK = {None: 0, "reader": 1, "commenter": 2, "writer": 3, "owner": 4}
NEEDS = {
    "drive.files.update": "writer", "drive.files.delete": "owner", "drive.v2.files.update": "writer",
    "drive.permissions.create": "writer", "drive.permissions.update": "writer",
    "drive.permissions.delete": "writer", "drive.comments.create": "commenter",
    # only someone who can share sees the sharing list (Drive's capabilities.canShare)
    "drive.permissions.list": "writer", "drive.permissions.get": "writer",
}
FILE_ROUTES = [r for r in ROUTES if r.id_param]
USERS = {None: "stranger@x.test", "reader": "reader@x.test", "commenter": "commenter@x.test",
         "writer": "writer@x.test", "owner": "owner@agency.test"}


def _needs(route) -> str:
    if route.name in NEEDS:
        return NEEDS[route.name]
    if route.api == "sheets":
        return "writer" if route.quota == "write" and not route.name.endswith("copyTo") else "reader"
    return "reader"


@pytest.mark.parametrize("role", list(USERS), ids=lambda r: r or "none")
@pytest.mark.parametrize("route", FILE_ROUTES, ids=lambda r: f"{r.method} {r.name}")
def test_role_matrix(emu, sh, route, role, allow_invalid_requests):
    for r in ("reader", "commenter", "writer"):
        sh.share(USERS[r], perm_type="user", role=r, notify=False)
    sh.share("target@x.test", perm_type="user", role="reader", notify=False)
    sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataId": 1, "metadataKey": "k", "visibility": "DOCUMENT", "location": {"spreadsheet": True}}}}]})
    target = next(p["id"] for p in sh.list_permissions() if p.get("emailAddress") == "target@x.test")
    vals = {"spreadsheet_id": sh.id, "file_id": sh.id, "sheet_id": "0", "metadata_id": "1",
            "permission_id": target, "rng": "A1"}
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: vals[m.group(1)], route.pattern.pattern.strip("^$"))
    host = "https://www.googleapis.com" if route.api == "drive" else "https://sheets.googleapis.com"
    body = b"{}" if route.method in ("POST", "PUT", "PATCH") else None
    r = emu.session(USERS[role]).request(route.method, host + path.replace("\\", ""), data=body,
                                         headers={"Content-Type": "application/json"})
    allowed = RANK[role] >= RANK[_needs(route)]
    if allowed:
        assert r.status_code not in (401, 403, 404), f"{role} refused: {r.status_code} {r.text}"
        return
    err = r.json()["error"]
    if route.api == "drive" and role is None:
        assert (r.status_code, err["errors"][0]["reason"]) == (404, "notFound"), r.text
    elif route.api == "drive":
        assert r.status_code == 403 and err["errors"][0]["reason"] in (
            "insufficientFilePermissions", "forbidden", "cannotShareTeamDriveTopFolderWithAnyoneOrDomains"), r.text
    else:
        assert (r.status_code, err["status"], err["message"]) == (403, "PERMISSION_DENIED",
                                                                  "The caller does not have permission"), r.text


@pytest.mark.parametrize("route", FILE_ROUTES, ids=lambda r: f"{r.method} {r.name}")
def test_unknown_file_id_is_404_everywhere(emu, route, allow_invalid_requests):
    vals = {"spreadsheet_id": "nope123", "file_id": "nope123", "sheet_id": "0", "metadata_id": "1",
            "permission_id": "p1", "rng": "A1"}
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: vals[m.group(1)], route.pattern.pattern.strip("^$"))
    host = "https://www.googleapis.com" if route.api == "drive" else "https://sheets.googleapis.com"
    body = b"{}" if route.method in ("POST", "PUT", "PATCH") else None
    r = emu.session("owner@agency.test").request(route.method, host + path.replace("\\", ""), data=body,
                                                 headers={"Content-Type": "application/json"})
    err = r.json()["error"]
    assert (r.status_code, err["status"]) == (404, "NOT_FOUND"), r.text
    if route.api == "drive":
        assert err["message"] == "File not found: nope123." and err["errors"][0]["reason"] == "notFound"
    else:
        assert err["message"] == "Requested entity was not found."
