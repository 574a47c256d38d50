"""Drive v3 permissions and the roles they grant, through gspread and raw HTTP.

Checked against the Drive v3 "permissions.create" reference and "Share files, folders and
drives": writers may share (writersCanShare), readers/commenters may not; role=owner needs
transferOwnership=true (403 otherwise, the message gspread issue #1108 quotes); the pending-owner
flow gspread's transfer_ownership/accept_ownership use; an unknown file is 404 "File not found".
"""

from __future__ import annotations

import gspread
import pytest

FILES = "https://www.googleapis.com/drive/v3/files"
OWNER = "owner@agency.test"


@pytest.fixture
def sh(owner_gc):
    return owner_gc.create("Acme")


def _perms(s, fid):
    r = s.get(f"{FILES}/{fid}/permissions", params={"fields": "permissions(id,type,role,emailAddress,domain)"})
    assert r.status_code == 200, r.text
    return r.json()["permissions"]


def test_share_list_remove_with_gspread(emu, sh):
    sh.share("mgr@agency.test", perm_type="user", role="writer", email_message="Welcome")
    sh.share("client@acme.test", perm_type="user", role="reader", notify=False)
    sh.share("agency.test", perm_type="domain", role="commenter")
    sh.share(None, perm_type="anyone", role="reader")
    got = {(p["type"], p.get("emailAddress") or p.get("domain") or "", p["role"]) for p in sh.list_permissions()}
    assert got == {("user", OWNER, "owner"), ("user", "mgr@agency.test", "writer"),
                   ("user", "client@acme.test", "reader"), ("domain", "agency.test", "commenter"),
                   ("anyone", "", "reader")}
    assert [(m["to"], m["message"]) for m in emu.outbox] == [("mgr@agency.test", "Welcome")]  # notify=False: none
    removed = sh.remove_permissions("client@acme.test")
    assert len(removed) == 1
    assert "client@acme.test" not in {p.get("emailAddress") for p in sh.list_permissions()}


def test_roles_are_enforced_on_sheets_and_drive(emu, sh):
    sh.share("reader@x.test", perm_type="user", role="reader", notify=False)
    sh.share("writer@x.test", perm_type="user", role="writer", notify=False)
    reader = emu.gspread_client("reader@x.test").open_by_key(sh.id)
    assert reader.sheet1.acell("A1").value is None
    with pytest.raises(gspread.exceptions.APIError) as e:
        reader.sheet1.update_acell("A1", "x")
    assert e.value.response.status_code == 403
    assert e.value.response.json()["error"]["status"] == "PERMISSION_DENIED"
    writer = emu.gspread_client("writer@x.test").open_by_key(sh.id)
    writer.sheet1.update_acell("A1", "ok")
    assert sh.sheet1.acell("A1").value == "ok"
    stranger = emu.gspread_client("stranger@x.test")
    with pytest.raises(PermissionError):  # gspread's name for Sheets' 403 (Drive would say 404)
        stranger.open_by_key(sh.id)


def test_domain_and_anyone_grant_access(emu, sh):
    sh.share("acme.test", perm_type="domain", role="reader", notify=False)
    assert emu.gspread_client("boss@acme.test").open_by_key(sh.id).title == "Acme"
    with pytest.raises(PermissionError):
        emu.gspread_client("boss@other.test").open_by_key(sh.id)
    sh.share(None, perm_type="anyone", role="reader")
    assert emu.gspread_client("boss@other.test").open_by_key(sh.id).title == "Acme"


def test_who_may_share(emu, sh):
    sh.share("reader@x.test", perm_type="user", role="reader", notify=False)
    sh.share("writer@x.test", perm_type="user", role="writer", notify=False)
    body = {"type": "user", "role": "reader", "emailAddress": "new@x.test"}
    r = emu.session("reader@x.test").post(f"{FILES}/{sh.id}/permissions", json=body)
    assert r.status_code == 403
    assert r.json()["error"]["errors"][0]["reason"] == "insufficientFilePermissions"
    assert emu.session("reader@x.test").get(f"{FILES}/{sh.id}/permissions").status_code == 403
    r = emu.session("writer@x.test").post(f"{FILES}/{sh.id}/permissions", json=body)
    assert r.status_code == 200
    assert set(r.json()) == {"kind", "id", "type", "role"}  # Drive's default partial response
    r = emu.session("stranger@x.test").post(f"{FILES}/{sh.id}/permissions", json=body)
    assert r.status_code == 404


def test_owner_role_needs_transfer_ownership(emu, sh):
    with pytest.raises(gspread.exceptions.APIError) as e:
        sh.share("boss@agency.test", perm_type="user", role="owner")
    assert e.value.response.status_code == 403
    assert e.value.response.json()["error"]["message"] == \
        "The transferOwnership parameter must be enabled when the permission role is 'owner'."
    s = emu.session(OWNER)
    r = s.post(f"{FILES}/{sh.id}/permissions", params={"transferOwnership": "true"},
               json={"type": "user", "role": "owner", "emailAddress": "boss@agency.test"})
    assert r.status_code == 200
    roles = {p["emailAddress"]: p["role"] for p in _perms(s, sh.id)}
    assert roles == {OWNER: "writer", "boss@agency.test": "owner"}
    meta = s.get(f"{FILES}/{sh.id}", params={"fields": "owners(emailAddress)"}).json()
    assert meta == {"owners": [{"emailAddress": "boss@agency.test"}]}
    assert s.delete(f"{FILES}/{sh.id}").status_code == 403  # no longer the owner


def test_pending_owner_flow_as_gspread_does_it(emu, sh):
    sh.share("boss@agency.test", perm_type="user", role="writer", notify=False)
    pid = next(p["id"] for p in sh.list_permissions() if p.get("emailAddress") == "boss@agency.test")
    sh.transfer_ownership(pid)
    boss = emu.gspread_client("boss@agency.test").open_by_key(sh.id)
    boss.accept_ownership(pid)
    assert emu.files[sh.id].owner == "boss@agency.test"
    roles = {p["emailAddress"]: p["role"] for p in boss.list_permissions()}
    assert roles == {OWNER: "writer", "boss@agency.test": "owner"}


def test_owner_cannot_be_removed_or_downgraded(emu, sh):
    s = emu.session(OWNER)
    owner_id = _perms(s, sh.id)[0]["id"]
    r = s.delete(f"{FILES}/{sh.id}/permissions/{owner_id}")
    assert r.status_code == 403
    r = s.patch(f"{FILES}/{sh.id}/permissions/{owner_id}", json={"role": "reader"})
    assert r.status_code == 403


def test_get_update_and_unknown_permission(emu, sh):
    s = emu.session(OWNER)
    pid = s.post(f"{FILES}/{sh.id}/permissions",
                 json={"type": "user", "role": "reader", "emailAddress": "c@x.test"}).json()["id"]
    r = s.patch(f"{FILES}/{sh.id}/permissions/{pid}", json={"role": "writer"}, params={"fields": "id,role"})
    assert r.json() == {"id": pid, "role": "writer"}
    assert s.get(f"{FILES}/{sh.id}/permissions/{pid}", params={"fields": "emailAddress"}).json() == \
        {"emailAddress": "c@x.test"}
    r = s.get(f"{FILES}/{sh.id}/permissions/nope")
    assert r.status_code == 404 and r.json()["error"]["message"] == "Permission not found: nope."
    # the same user shared twice keeps one permission (same id), now with the new role
    again = s.post(f"{FILES}/{sh.id}/permissions",
                   json={"type": "user", "role": "commenter", "emailAddress": "c@x.test"}).json()
    assert again["id"] == pid and again["role"] == "commenter"
    assert len(_perms(s, sh.id)) == 2


def test_permission_ids_are_stable_per_user(emu, owner_gc):
    a, b = owner_gc.create("A"), owner_gc.create("B")
    for x in (a, b):
        x.share("m@x.test", perm_type="user", role="reader", notify=False)
    ids = [next(p["id"] for p in x.list_permissions() if p.get("emailAddress") == "m@x.test") for x in (a, b)]
    assert ids[0] == ids[1]


def test_user_may_remove_own_access(emu, sh):
    sh.share("leaver@x.test", perm_type="user", role="reader", notify=False)
    pid = next(p["id"] for p in sh.list_permissions() if p.get("emailAddress") == "leaver@x.test")
    assert emu.session("leaver@x.test").delete(f"{FILES}/{sh.id}/permissions/{pid}").status_code == 204
    assert emu.session("leaver@x.test").get(f"{FILES}/{sh.id}").status_code == 404


@pytest.mark.parametrize("body,status,fragment", [
    ({"role": "reader", "emailAddress": "a@x.test"}, 400, "type field is required"),
    ({"type": "user", "emailAddress": "a@x.test"}, 400, "role field is required"),
    ({"type": "user", "role": "reader"}, 400, "emailAddress"),
    ({"type": "robot", "role": "reader"}, 400, "robot"),
    ({"type": "user", "role": "editor", "emailAddress": "a@x.test"}, 400, "editor"),
    ({"type": "domain", "role": "reader"}, 400, "domain field is required"),
    ({"type": "user", "role": "reader", "emailAddress": "a@x.test", "colour": "red"}, 400, "colour"),
    ({"type": "user", "role": "reader", "emailAddress": "a@x.test", "id": "1"}, 403, "not directly writable"),
    ({"type": "user", "role": "writer", "emailAddress": "a@x.test", "pendingOwner": True}, 403, "pending owner"),
])
def test_create_validation(emu, sh, body, status, fragment, allow_invalid_requests):
    r = emu.session(OWNER).post(f"{FILES}/{sh.id}/permissions", json=body)
    assert r.status_code == status
    assert fragment in r.json()["error"]["message"]


def test_sharing_bumps_version_not_modified_time(emu, owner_gc, sh):
    before = emu.session(OWNER).get(f"{FILES}/{sh.id}", params={"fields": "version,modifiedTime"}).json()
    sh.share("x@x.test", perm_type="user", role="reader", notify=False)
    after = emu.session(OWNER).get(f"{FILES}/{sh.id}", params={"fields": "version,modifiedTime"}).json()
    assert int(after["version"]) > int(before["version"])
    assert after["modifiedTime"] == before["modifiedTime"]


def test_permissions_listing_pages(emu, sh):
    s = emu.session(OWNER)
    for i in range(5):
        s.post(f"{FILES}/{sh.id}/permissions", json={"type": "user", "role": "reader", "emailAddress": f"u{i}@x.test"})
    first = s.get(f"{FILES}/{sh.id}/permissions", params={"pageSize": 4}).json()
    assert len(first["permissions"]) == 4 and "nextPageToken" in first
    rest = s.get(f"{FILES}/{sh.id}/permissions", params={"pageSize": 4, "pageToken": first["nextPageToken"]}).json()
    assert len(rest["permissions"]) == 2 and "nextPageToken" not in rest
    assert len(sh.list_permissions()) == 6  # gspread follows the pages
