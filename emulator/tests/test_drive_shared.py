"""Shared drives and service accounts, through real gspread and raw HTTP.

Google: a service account owns no Drive storage, so a file it creates outside a shared drive is
refused with 403 storageQuotaExceeded (Drive guide "Shared drives overview"; n8n-io/n8n#26050,
xing5/mcp-google-sheets#40, burnash/gspread#1592). Shared-drive items need ``supportsAllDrives``
and are listed only with ``includeItemsFromAllDrives`` (files.list reference; pygsheets#437,
google-api-php-client#1825 for the errors).
"""

from __future__ import annotations

import gspread
import pytest

from gsheets_emulator import Emulator

DRIVE = "https://www.googleapis.com/drive/v3"
SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
SPREADSHEET = "application/vnd.google-apps.spreadsheet"
FOLDER = "application/vnd.google-apps.folder"
ADMIN = "admin@agency.test"
SA = "sheetsync@agency-prod.iam.gserviceaccount.com"
ALL = {"supportsAllDrives": "true"}
LISTALL = {"supportsAllDrives": "true", "includeItemsFromAllDrives": "true"}


def new_drive(emu, name="Clients", user=ADMIN, request_id="r-1") -> str:
    r = emu.session(user).post(f"{DRIVE}/drives", params={"requestId": request_id}, json={"name": name})
    assert r.status_code == 200, r.text
    return r.json()["id"]


def add_member(emu, drive_id, email, role, by=ADMIN):
    r = emu.session(by).post(f"{DRIVE}/files/{drive_id}/permissions", params=ALL,
                             json={"type": "user", "role": role, "emailAddress": email})
    assert r.status_code == 200, r.text
    return r.json()


def create(emu, user, parents=None, params=ALL, mime=SPREADSHEET, name="Acme"):
    body = {"name": name, "mimeType": mime}
    if parents is not None:
        body["parents"] = parents
    return emu.session(user).post(f"{DRIVE}/files", params={**params, "fields": "id,driveId,parents,owners,ownedByMe"},
                                  json=body)


def names(resp) -> set[str]:
    assert resp.status_code == 200, resp.text
    return {f["name"] for f in resp.json()["files"]}


# --- service accounts own no storage ---------------------------------------------------------

def test_a_service_account_creating_in_my_drive_gets_googles_403(emu):
    for r in (create(emu, SA), create(emu, SA, params={}), create(emu, SA, mime=FOLDER)):
        assert r.status_code == 403
        err = r.json()["error"]
        assert err["errors"][0] == {"domain": "usageLimits", "reason": "storageQuotaExceeded",
                                    "message": err["message"]}
        assert err["message"].startswith("Service Accounts do not have storage quota. Leverage shared drives")
    assert emu.files == {}


def test_gspread_create_as_a_service_account_fails_outside_a_shared_drive(emu):
    gc = emu.gspread_client(SA)
    with pytest.raises(gspread.exceptions.APIError) as e:
        gc.create("Acme")
    assert e.value.response.status_code == 403 and "storageQuotaExceeded" in e.value.response.text


def test_sheets_spreadsheets_create_as_a_service_account_is_refused(emu):
    r = emu.session(SA).post(SHEETS, json={"properties": {"title": "Acme"}})
    assert r.status_code == 403
    assert r.json()["error"]["status"] == "PERMISSION_DENIED" and "storage quota" in r.json()["error"]["message"]
    assert emu.files == {}


def test_copy_and_upload_by_a_service_account_are_refused_outside_a_shared_drive(emu, owner_gc):
    src = owner_gc.create("Template")
    src.share(SA, perm_type="user", role="writer", notify=False)
    r = emu.session(SA).post(f"{DRIVE}/files/{src.id}/copy", params=ALL, json={"name": "Mine"})
    assert r.status_code == 403 and r.json()["error"]["errors"][0]["reason"] == "storageQuotaExceeded"
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Type: application/json\r\n\r\n"
            '{"name": "up", "mimeType": "application/vnd.google-apps.spreadsheet"}\r\n'
            f"--{boundary}\r\nContent-Type: text/csv\r\n\r\na,b\r\n--{boundary}--\r\n")
    r = emu.session(SA).post("https://www.googleapis.com/upload/drive/v3/files", params={"uploadType": "multipart"},
                             data=body.encode(), headers={"Content-Type": f"multipart/related; boundary={boundary}"})
    assert r.status_code == 403 and "storageQuotaExceeded" in r.text
    # a shared folder in someone's My Drive does not help (gspread#1568, xing5/mcp-google-sheets#40)
    folder = create(emu, "owner@agency.test", mime=FOLDER, name="Shared folder").json()["id"]
    emu.session("owner@agency.test").post(f"{DRIVE}/files/{folder}/permissions",
                                          json={"type": "user", "role": "writer", "emailAddress": SA})
    assert create(emu, SA, parents=[folder]).status_code == 403
    # editing what others own stays allowed
    assert emu.gspread_client(SA).open_by_key(src.id).sheet1.update([[1]], "A1")


def test_an_emulator_api_can_mark_any_identity_a_service_account(emu):
    assert create(emu, "robot@agency.test").status_code == 200
    emu.mark_service_account("robot@agency.test")
    assert create(emu, "robot@agency.test").status_code == 403


def test_a_service_account_creates_freely_inside_a_shared_drive(emu):
    drive = new_drive(emu)
    add_member(emu, drive, SA, "fileOrganizer")
    gc = emu.gspread_client(SA)
    sh = gc.create("Acme", folder_id=drive)  # gspread sends parents + supportsAllDrives=true
    meta = emu.session(SA).get(f"{DRIVE}/files/{sh.id}", params={**ALL, "fields": "driveId,parents,owners,ownedByMe"})
    assert meta.json() == {"driveId": drive, "parents": [drive], "ownedByMe": False}  # shared-drive items have no owner
    sh.sheet1.update([["a", 1]], "A1")
    assert sh.sheet1.get_all_values() == [["a", "1"]]
    folder = create(emu, SA, parents=[drive], mime=FOLDER, name="2026").json()
    inner = create(emu, SA, parents=[folder["id"]]).json()
    assert inner["driveId"] == drive
    copy = emu.session(SA).post(f"{DRIVE}/files/{sh.id}/copy", params={**ALL, "fields": "driveId,parents"}, json={})
    assert copy.json() == {"driveId": drive, "parents": [drive]}  # the copy inherits the source's parents


# --- supportsAllDrives -----------------------------------------------------------------------

def test_a_shared_drive_file_is_not_found_without_supports_all_drives(emu):
    drive = new_drive(emu)
    fid = create(emu, ADMIN, parents=[drive]).json()["id"]
    s = emu.session(ADMIN)
    assert create(emu, ADMIN, parents=[drive], params={}).status_code == 404  # the parent is not found either
    for method, url, kw in [("GET", f"{DRIVE}/files/{fid}", {}), ("PATCH", f"{DRIVE}/files/{fid}", {"json": {}}),
                            ("POST", f"{DRIVE}/files/{fid}/copy", {"json": {}}),
                            ("GET", f"{DRIVE}/files/{fid}/permissions", {}),
                            ("POST", f"{DRIVE}/files/{fid}/permissions",
                             {"json": {"type": "user", "role": "reader", "emailAddress": "x@y.test"}}),
                            ("GET", f"{DRIVE}/files/{drive}/permissions", {}),
                            ("DELETE", f"{DRIVE}/files/{fid}", {})]:
        r = s.request(method, url, **kw)
        assert r.status_code == 404, (method, url, r.text)
        assert r.json()["error"]["errors"][0]["reason"] == "notFound"
        assert s.request(method, url, params=ALL, **kw).status_code in (200, 204), (method, url)
    # the Sheets API needs no flag
    assert s.get(f"{SHEETS}/{create(emu, ADMIN, parents=[drive]).json()['id']}").status_code == 200


# --- listing ---------------------------------------------------------------------------------

def test_listing_shows_shared_drive_files_only_when_asked(emu, owner_gc):
    drive = new_drive(emu)
    add_member(emu, drive, "owner@agency.test", "writer")
    create(emu, ADMIN, parents=[drive], name="In drive")
    owner_gc.create("My own")
    s = emu.session("owner@agency.test")
    assert names(s.get(f"{DRIVE}/files")) == {"My own"}  # default: no shared-drive items
    assert names(s.get(f"{DRIVE}/files", params=LISTALL)) == {"My own"}  # user corpus: not created or shared directly
    assert names(s.get(f"{DRIVE}/files", params={**LISTALL, "corpora": "allDrives"})) == {"My own", "In drive"}
    assert names(s.get(f"{DRIVE}/files", params={**LISTALL, "corpora": "drive", "driveId": drive})) == {"In drive"}
    assert names(emu.session(ADMIN).get(f"{DRIVE}/files", params=LISTALL)) == {"In drive"}  # its creator
    # gspread's listing sends includeItemsFromAllDrives with the user corpus
    assert {f["name"] for f in emu.gspread_client(ADMIN).list_spreadsheet_files()} == {"In drive"}
    assert owner_gc.list_spreadsheet_files(folder_id=drive) == []


def test_listing_a_drive_pages_like_any_listing(emu):
    drive = new_drive(emu)
    for i in range(5):
        create(emu, ADMIN, parents=[drive], name=f"f{i}")
    s, seen, token, pages = emu.session(ADMIN), [], None, 0
    while True:
        params = {**LISTALL, "corpora": "drive", "driveId": drive, "pageSize": 2, **({"pageToken": token} if token else {})}
        data = s.get(f"{DRIVE}/files", params=params).json()
        seen += [f["name"] for f in data["files"]]
        pages += 1
        token = data.get("nextPageToken")
        if not token:
            break
    assert sorted(seen) == [f"f{i}" for i in range(5)] and pages == 3


@pytest.mark.parametrize("params, status, text", [
    ({"driveId": "D"}, 400, "The driveId parameter must be specified if and only if corpora is set to drive."),
    ({"corpora": "drive", "includeItemsFromAllDrives": "true", "supportsAllDrives": "true"}, 400,
     "The driveId parameter must be specified if and only if corpora is set to drive."),
    ({"corpora": "drive", "driveId": "D", "supportsAllDrives": "true"}, 403,
     "The includeItemsFromAllDrives parameter must be set to true when driveId is specified or corpora contains "
     "drive or allDrives."),
    ({"corpora": "allDrives"}, 403, "The includeItemsFromAllDrives parameter must be set to true"),
    ({"corpora": "drive", "driveId": "0Anope", **LISTALL}, 404, "Shared drive not found: 0Anope"),
    ({"corpora": "user", "corpus": "user"}, 400, "Corpus and corpora are mutually exclusive options."),
])
def test_invalid_listing_combinations_get_googles_errors(emu, params, status, text):
    drive = new_drive(emu)
    params = {k: (drive if v == "D" else v) for k, v in params.items()}
    r = emu.session(ADMIN).get(f"{DRIVE}/files", params=params)
    assert r.status_code == status and text in r.json()["error"]["message"], r.text


def test_a_non_member_cannot_list_a_drive(emu):
    drive = new_drive(emu)
    r = emu.session("stranger@x.test").get(f"{DRIVE}/files", params={**LISTALL, "corpora": "drive", "driveId": drive})
    assert r.status_code == 404 and r.json()["error"]["errors"][0]["reason"] == "notFound"


# --- drives.* ----------------------------------------------------------------------------------

def test_drives_create_get_list_update_delete(emu):
    s = emu.session(ADMIN)
    drive = new_drive(emu)
    assert drive.startswith("0A")
    again = s.post(f"{DRIVE}/drives", params={"requestId": "r-1"}, json={"name": "Clients"})
    assert again.status_code == 409  # "If the shared drive already exists a 409 error will be returned."
    assert s.get(f"{DRIVE}/drives/{drive}").json() == {"kind": "drive#drive", "id": drive, "name": "Clients"}
    full = s.get(f"{DRIVE}/drives/{drive}", params={"fields": "*"}).json()
    assert full["capabilities"]["canManageMembers"] and "createdTime" in full
    assert s.get(f"{DRIVE}/drives").json() == {"kind": "drive#driveList",
                                              "drives": [{"kind": "drive#drive", "id": drive, "name": "Clients"}]}
    assert emu.session("stranger@x.test").get(f"{DRIVE}/drives").json()["drives"] == []
    assert emu.session("stranger@x.test").get(f"{DRIVE}/drives/{drive}").status_code == 404
    assert s.patch(f"{DRIVE}/drives/{drive}", json={"name": "Clients 2026"}).json()["name"] == "Clients 2026"
    fid = create(emu, ADMIN, parents=[drive]).json()["id"]
    r = s.delete(f"{DRIVE}/drives/{drive}")
    assert r.status_code == 403 and r.json()["error"]["errors"][0]["reason"] == "cannotDeleteResourceWithChildren"
    assert s.delete(f"{DRIVE}/files/{fid}", params=ALL).status_code == 204
    assert s.delete(f"{DRIVE}/drives/{drive}").status_code == 204
    assert s.get(f"{DRIVE}/drives/{drive}").status_code == 404


def test_drives_create_needs_a_request_id(emu, allow_invalid_requests):
    r = emu.session(ADMIN).post(f"{DRIVE}/drives", json={"name": "x"})
    assert r.status_code == 400 and "requestId" in r.text


def test_drives_list_pages(emu):
    for i in range(3):
        new_drive(emu, name=f"d{i}", request_id=f"r{i}")
    s = emu.session(ADMIN)
    first = s.get(f"{DRIVE}/drives", params={"pageSize": 2}).json()
    second = s.get(f"{DRIVE}/drives", params={"pageSize": 2, "pageToken": first["nextPageToken"]}).json()
    assert [d["name"] for d in first["drives"] + second["drives"]] == ["d0", "d1", "d2"]
    assert "nextPageToken" not in second


# --- membership ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role, can_read, can_write, can_share, can_trash, can_delete", [
    ("reader", True, False, False, False, False),
    ("commenter", True, False, False, False, False),
    ("writer", True, True, True, False, False),
    ("fileOrganizer", True, True, True, True, False),
    ("organizer", True, True, True, True, True),
    (None, False, False, False, False, False),
])
def test_a_members_role_reaches_every_file_in_the_drive(emu, role, can_read, can_write, can_share, can_trash,
                                                       can_delete):
    drive = new_drive(emu)
    who = "member@agency.test"
    if role:
        add_member(emu, drive, who, role)
    folder = create(emu, ADMIN, parents=[drive], mime=FOLDER, name="Folder").json()["id"]
    fid = create(emu, ADMIN, parents=[folder]).json()["id"]
    s = emu.session(who)
    read = s.get(f"{SHEETS}/{fid}/values/A1")
    assert (read.status_code == 200) is can_read, read.text
    write = s.put(f"{SHEETS}/{fid}/values/A1", params={"valueInputOption": "RAW"}, json={"values": [["x"]]})
    assert (write.status_code == 200) is can_write, write.text
    share = s.post(f"{DRIVE}/files/{fid}/permissions", params=ALL,
                   json={"type": "user", "role": "reader", "emailAddress": "client@acme.test"})
    assert (share.status_code == 200) is can_share, share.text
    trash = s.patch(f"{DRIVE}/files/{fid}", params=ALL, json={"trashed": True})
    assert (trash.status_code == 200) is can_trash, trash.text
    delete = s.delete(f"{DRIVE}/files/{fid}", params=ALL)
    assert (delete.status_code == 204) is can_delete, delete.text
    if not can_read:
        assert read.status_code == 403 and s.get(f"{DRIVE}/files/{fid}", params=ALL).status_code == 404


def test_only_organizers_manage_members_and_roles_are_checked(emu):
    drive = new_drive(emu)
    add_member(emu, drive, SA, "fileOrganizer")
    r = emu.session(SA).post(f"{DRIVE}/files/{drive}/permissions", params=ALL,
                             json={"type": "user", "role": "reader", "emailAddress": "x@y.test"})
    assert r.status_code == 403
    r = emu.session(ADMIN).post(f"{DRIVE}/files/{drive}/permissions", params=ALL,
                                json={"type": "user", "role": "owner", "emailAddress": "x@y.test"})
    assert r.status_code == 400
    members = emu.session(SA).get(f"{DRIVE}/files/{drive}/permissions", params={**ALL, "fields": "*"}).json()
    assert {(p["emailAddress"], p["role"]) for p in members["permissions"]} == {(ADMIN, "organizer"),
                                                                                (SA, "fileOrganizer")}
    pid = next(p["id"] for p in members["permissions"] if p["emailAddress"] == SA)
    s = emu.session(ADMIN)
    assert s.patch(f"{DRIVE}/files/{drive}/permissions/{pid}", params=ALL, json={"role": "writer"}).json()["role"] == \
        "writer"
    assert s.delete(f"{DRIVE}/files/{drive}/permissions/{pid}", params=ALL).status_code == 204
    assert create(emu, SA, parents=[drive]).status_code == 404  # no longer a member


def test_a_drive_files_permissions_show_the_inherited_members(emu):
    drive = new_drive(emu)
    add_member(emu, drive, SA, "fileOrganizer")
    fid = create(emu, SA, parents=[drive]).json()["id"]
    s = emu.session(SA)
    s.post(f"{DRIVE}/files/{fid}/permissions", params=ALL,
           json={"type": "user", "role": "reader", "emailAddress": "client@acme.test"})
    perms = s.get(f"{DRIVE}/files/{fid}/permissions",
                  params={**ALL, "fields": "permissions(id,emailAddress,role,permissionDetails)"}).json()["permissions"]
    by = {p["emailAddress"]: p for p in perms}
    assert by[ADMIN]["permissionDetails"] == [{"permissionType": "member", "role": "organizer", "inherited": True,
                                               "inheritedFrom": drive}]
    assert by["client@acme.test"]["permissionDetails"] == [{"permissionType": "file", "role": "reader",
                                                            "inherited": False}]
    r = s.delete(f"{DRIVE}/files/{fid}/permissions/{by[ADMIN]['id']}", params=ALL)
    assert r.status_code == 403  # inherited: removed from the drive, not the file
    assert s.delete(f"{DRIVE}/files/{fid}/permissions/{by['client@acme.test']['id']}", params=ALL).status_code == 204
    # the file's reader sees it (the Sheets API needs no flag), a stranger does not
    assert emu.session("client@acme.test").get(f"{SHEETS}/{fid}").status_code == 403


# --- persistence ---------------------------------------------------------------------------------

def test_drives_and_membership_survive_a_restart(tmp_path):
    emu = Emulator(tmp_path / "emu")
    drive = new_drive(emu)
    add_member(emu, drive, SA, "fileOrganizer")
    fid = create(emu, SA, parents=[drive]).json()["id"]
    emu._store.close()
    again = Emulator(tmp_path / "emu")
    assert again.session(SA).get(f"{DRIVE}/drives/{drive}").json()["name"] == "Clients"
    assert again.session(SA).get(f"{DRIVE}/files/{fid}", params={**ALL, "fields": "driveId"}).json() == {
        "driveId": drive}
    again.session(ADMIN).delete(f"{DRIVE}/files/{fid}", params=ALL)
    again.session(ADMIN).delete(f"{DRIVE}/drives/{drive}")
    again._store.close()
    assert Emulator(tmp_path / "emu").drives == {}


def test_a_former_member_no_longer_lists_what_it_created(emu):
    drive = new_drive(emu)
    pid = add_member(emu, drive, SA, "fileOrganizer")["id"]
    create(emu, SA, parents=[drive], name="Mine")
    assert names(emu.session(SA).get(f"{DRIVE}/files", params=LISTALL)) == {"Mine"}
    emu.session(ADMIN).delete(f"{DRIVE}/files/{drive}/permissions/{pid}", params=ALL)
    assert names(emu.session(SA).get(f"{DRIVE}/files", params=LISTALL)) == set()
