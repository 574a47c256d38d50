"""Drive v3 files: create, list (q grammar, paging, ordering, fields), get, update, copy, delete, export.

Through real gspread 6 calls where gspread has one, raw HTTP (``emu.session``) elsewhere.
Expected behaviour is Drive v3's reference: files.list "Search query terms and operators",
default partial responses, "File not found" 404s for files the caller cannot see.
"""

from __future__ import annotations

import json

import gspread
import pytest
from gspread.utils import ExportFormat

from gsheets_emulator import Emulator

SHEET = "application/vnd.google-apps.spreadsheet"
FOLDER = "application/vnd.google-apps.folder"
FILES = "https://www.googleapis.com/drive/v3/files"


class Clock:
    def __init__(self, t: float = 1_790_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cemu(clock) -> Emulator:
    return Emulator(clock=clock)


def _list(s, **params):
    r = s.get(FILES, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_create_list_open_with_gspread(owner_gc):
    a = owner_gc.create("Acme backlog")
    owner_gc.create("Globex backlog")
    files = owner_gc.list_spreadsheet_files()
    assert {f["name"] for f in files} == {"Acme backlog", "Globex backlog"}
    assert set(files[0]) == {"id", "name", "createdTime", "modifiedTime"}
    assert owner_gc.open("Acme backlog").id == a.id
    assert [f["id"] for f in owner_gc.list_spreadsheet_files(title="Acme backlog")] == [a.id]
    with pytest.raises(gspread.SpreadsheetNotFound):
        owner_gc.open("Nope")


def test_default_and_explicit_fields(emu, owner_gc):
    sh = owner_gc.create("X")
    s = emu.session("owner@agency.test")
    got = _list(s)
    assert set(got) == {"kind", "incompleteSearch", "files"}
    assert got["kind"] == "drive#fileList"
    assert got["files"] == [{"kind": "drive#file", "id": sh.id, "name": "X", "mimeType": SHEET}]
    one = s.get(f"{FILES}/{sh.id}").json()
    assert one == {"kind": "drive#file", "id": sh.id, "name": "X", "mimeType": SHEET}
    meta = s.get(f"{FILES}/{sh.id}", params={"fields": "id,version,owners(emailAddress),capabilities/canEdit"}).json()
    assert meta == {"id": sh.id, "version": meta["version"], "owners": [{"emailAddress": "owner@agency.test"}],
                    "capabilities": {"canEdit": True}}
    full = s.get(f"{FILES}/{sh.id}", params={"fields": "*"}).json()
    assert full["webViewLink"].startswith(f"https://docs.google.com/spreadsheets/d/{sh.id}")
    assert full["ownedByMe"] is True and full["trashed"] is False


def test_unknown_field_selection_is_400(emu, owner_gc):
    sh = owner_gc.create("X")
    r = emu.session("owner@agency.test").get(f"{FILES}/{sh.id}", params={"fields": "id,bogus"})
    assert r.status_code == 400
    assert "bogus" in r.json()["error"]["message"]


def test_q_grammar(emu, owner_gc):
    s = emu.session("owner@agency.test")
    folder = s.post(FILES, json={"name": "Clients", "mimeType": FOLDER}).json()
    a = owner_gc.create("Acme Backlog", folder_id=folder["id"])
    b = owner_gc.create("HelloWorld")
    c = owner_gc.create("it's quoted")

    def names(q):
        return sorted(f["name"] for f in _list(s, q=q)["files"])

    assert names(f"mimeType = '{SHEET}'") == ["Acme Backlog", "HelloWorld", "it's quoted"]
    assert names(f"mimeType != '{SHEET}'") == ["Clients"]
    assert names(f"'{folder['id']}' in parents") == ["Acme Backlog"]
    assert names(f'mimeType="{SHEET}" and parents in "{folder["id"]}"') == ["Acme Backlog"]  # gspread's form
    assert names("name contains 'backlog'") == ["Acme Backlog"]  # word prefix, any case
    assert names("name contains 'Hello'") == ["HelloWorld"]
    assert names("name contains 'World'") == []  # Drive's contains is a prefix match on names
    assert names(r"name = 'it\'s quoted'") == ["it's quoted"]
    assert names("name = 'Acme Backlog' or (name = 'HelloWorld' and not trashed = true)") == \
        ["Acme Backlog", "HelloWorld"]
    assert names("not name contains 'Acme' and mimeType contains 'spreadsheet'") == ["HelloWorld", "it's quoted"]
    assert names("'owner@agency.test' in owners and 'root' in parents") == ["Clients", "HelloWorld", "it's quoted"]
    assert {a.id, b.id, c.id} <= {f["id"] for f in _list(s, q="trashed = false")["files"]}


@pytest.mark.parametrize("q,fragment", [
    ("fullText contains 'x'", "fullText"),
    ("name = ", "ends too early"),
    ("name = 'x' and", "ends too early"),
    ("(name = 'x'", "expected ')'"),
    ("name > 'x'", "supports =, != and contains"),
    ("trashed = 'yes'", "true or false"),
    ("modifiedTime > 'yesterday'", "RFC 3339"),
    ("properties has { key='a' and value='b' }", "properties"),
    ("appProperties has { key='a' }", "appProperties has { key="),
    ("sharedWithMe = 'yes'", "sharedWithMe"),
    ("'x' in children", "not a collection"),
    ("name = 'x' @", "unexpected character"),
])
def test_q_errors_name_the_problem(emu, owner_gc, q, fragment):
    owner_gc.create("X")
    r = emu.session("owner@agency.test").get(FILES, params={"q": q})
    assert r.status_code == 400
    body = r.json()["error"]
    assert fragment in body["message"]
    assert body["errors"][0]["reason"] == "invalid"


def test_modified_time_filter_and_ordering(cemu, clock):
    gc = cemu.gspread_client("owner@agency.test")
    s = cemu.session("owner@agency.test")
    old = gc.create("b-old")
    clock.t += 3600
    new = gc.create("a-new")
    clock.t += 3600
    old.sheet1.update_acell("A1", "edited")  # a content change moves modifiedTime
    meta = {f["id"]: f for f in gc.list_spreadsheet_files()}
    assert meta[old.id]["modifiedTime"] > meta[new.id]["modifiedTime"]
    since = meta[new.id]["modifiedTime"]
    got = _list(s, q=f"modifiedTime > '{since}'")["files"]
    assert [f["id"] for f in got] == [old.id]
    assert [f["name"] for f in _list(s, orderBy="name")["files"]] == ["a-new", "b-old"]
    assert [f["name"] for f in _list(s, orderBy="modifiedTime desc")["files"]] == ["b-old", "a-new"]
    assert [f["name"] for f in _list(s, orderBy="createdTime desc,name")["files"]] == ["a-new", "b-old"]
    r = s.get(FILES, params={"orderBy": "quotaBytesUsed"})
    assert r.status_code == 400 and "quotaBytesUsed" in r.json()["error"]["message"]


def test_paging(emu, owner_gc):
    s = emu.session("owner@agency.test")
    for i in range(7):
        owner_gc.create(f"f{i}")
    seen, token, pages = [], None, 0
    while True:
        params = {"pageSize": 3, "orderBy": "name", "fields": "nextPageToken,files(name)"}
        if token:
            params["pageToken"] = token
        got = _list(s, **params)
        pages += 1
        seen += [f["name"] for f in got["files"]]
        token = got.get("nextPageToken")
        if not token:
            break
    assert pages == 3 and seen == [f"f{i}" for i in range(7)]
    assert s.get(FILES, params={"pageSize": 0}).status_code == 400
    assert s.get(FILES, params={"pageSize": 1001}).status_code == 400
    assert s.get(FILES, params={"pageToken": "garbage"}).status_code == 400


def test_list_shows_only_what_the_user_can_see(emu, owner_gc):
    a = owner_gc.create("shared")
    owner_gc.create("private")
    a.share("client@acme.test", perm_type="user", role="reader", notify=False)
    client = emu.gspread_client("client@acme.test")
    assert [f["name"] for f in client.list_spreadsheet_files()] == ["shared"]


def test_unknown_file_and_no_access_are_404_file_not_found(emu, owner_gc):
    sh = owner_gc.create("secret")
    for user, fid in (("owner@agency.test", "nope"), ("stranger@x.test", sh.id)):
        r = emu.session(user).get(f"{FILES}/{fid}")
        assert r.status_code == 404
        err = r.json()["error"]
        assert err["message"] == f"File not found: {fid}."
        assert err["errors"][0] == {"domain": "global", "reason": "notFound", "message": f"File not found: {fid}."}


def test_rename_moves_modified_time_and_version_and_spreadsheet_title(cemu, clock):
    gc = cemu.gspread_client("owner@agency.test")
    s = cemu.session("owner@agency.test")
    sh = gc.create("Old")
    before = s.get(f"{FILES}/{sh.id}", params={"fields": "modifiedTime,version"}).json()
    clock.t += 5
    r = s.patch(f"{FILES}/{sh.id}", json={"name": "New"}, params={"fields": "name,modifiedTime,version"})
    assert r.status_code == 200
    after = r.json()
    assert after["name"] == "New"
    assert after["modifiedTime"] > before["modifiedTime"]
    assert int(after["version"]) > int(before["version"])
    assert gc.open_by_key(sh.id).title == "New"


def test_every_content_change_moves_modified_time(cemu, clock):
    gc = cemu.gspread_client("owner@agency.test")
    sh = gc.create("T")
    stamps = [gc.get_file_drive_metadata(sh.id)["modifiedTime"]]
    for v in ("a", "b", "c"):
        sh.sheet1.update_acell("A1", v)  # same millisecond: still strictly increasing
        stamps.append(gc.get_file_drive_metadata(sh.id)["modifiedTime"])
    assert stamps == sorted(stamps) and len(set(stamps)) == 4
    stamp = stamps[-1]
    sh.sheet1.acell("A1")  # a read changes nothing
    assert gc.get_file_drive_metadata(sh.id)["modifiedTime"] == stamp


def test_trash_and_delete(emu, owner_gc):
    s = emu.session("owner@agency.test")
    sh = owner_gc.create("T")
    sh.share("ed@agency.test", perm_type="user", role="writer", notify=False)
    ed = emu.session("ed@agency.test")
    r = ed.patch(f"{FILES}/{sh.id}", json={"trashed": True})
    assert r.status_code == 403
    assert r.json()["error"]["errors"][0]["reason"] == "insufficientFilePermissions"
    assert s.patch(f"{FILES}/{sh.id}", json={"trashed": True}).status_code == 200
    assert [f["name"] for f in _list(s, q="trashed = true")["files"]] == ["T"]
    assert _list(s, q="trashed = false")["files"] == []
    assert ed.delete(f"{FILES}/{sh.id}").status_code == 403  # only the owner deletes
    owner_gc.del_spreadsheet(sh.id)
    assert sh.id not in emu.files
    with pytest.raises(gspread.SpreadsheetNotFound):
        owner_gc.open_by_key(sh.id)


def test_update_rejects_what_it_cannot_write(emu, owner_gc, allow_invalid_requests):
    s = emu.session("owner@agency.test")
    sh = owner_gc.create("T")
    r = s.patch(f"{FILES}/{sh.id}", json={"id": "other"})
    assert r.status_code == 403 and r.json()["error"]["errors"][0]["reason"] == "fieldNotWritable"
    r = s.patch(f"{FILES}/{sh.id}", json={"parents": ["x"]})
    assert r.status_code == 403 and "addParents" in r.json()["error"]["message"]
    r = s.patch(f"{FILES}/{sh.id}", json={"colour": "red"})
    assert r.status_code == 400 and "colour" in r.json()["error"]["message"]
    r = s.get(FILES, params={"bogusParam": "1"})
    assert r.status_code == 400 and "bogusParam" in r.json()["error"]["message"]


def test_move_between_folders(emu, owner_gc):
    s = emu.session("owner@agency.test")
    f1 = s.post(FILES, json={"name": "A", "mimeType": FOLDER}).json()["id"]
    f2 = s.post(FILES, json={"name": "B", "mimeType": FOLDER}).json()["id"]
    sh = owner_gc.create("T", folder_id=f1)
    r = s.patch(f"{FILES}/{sh.id}", params={"addParents": f2, "removeParents": f1, "fields": "parents"})
    assert r.json() == {"parents": [f2]}
    assert [f["id"] for f in owner_gc.list_spreadsheet_files(folder_id=f2)] == [sh.id]
    # deleting a folder deletes what its owner keeps in it
    assert s.delete(f"{FILES}/{f2}").status_code == 204
    assert sh.id not in emu.files


def test_copy_is_a_deep_copy(emu, owner_gc):
    sh = owner_gc.create("Template")
    sh.sheet1.update([["a", "b"], [1, 2]])
    sh.share("mgr@agency.test", perm_type="user", role="writer", notify=False)
    cp = owner_gc.copy(sh.id, title="Acme")  # gspread also reads the comments
    assert cp.id != sh.id and cp.title == "Acme"
    assert cp.sheet1.get_all_values() == [["a", "b"], ["1", "2"]]
    cp.sheet1.update_acell("A1", "changed")
    assert sh.sheet1.acell("A1").value == "a"
    assert [p["role"] for p in cp.list_permissions()] == ["owner"]  # sharing is not copied
    default = emu.session("owner@agency.test").post(f"{FILES}/{sh.id}/copy", json={}).json()
    assert default["name"] == "Copy of Template"
    # gspread 6 re-shares the owner's permission as role=owner without transferOwnership; Google
    # answers 403 (gspread issue #1544) and so do we
    with pytest.raises(gspread.exceptions.APIError) as e:
        owner_gc.copy(sh.id, title="Acme 2", copy_permissions=True)
    assert "transferOwnership" in str(e.value)


def test_reader_can_copy_into_own_drive(emu, owner_gc):
    sh = owner_gc.create("T")
    sh.share("client@acme.test", perm_type="user", role="reader", notify=False)
    mine = emu.session("client@acme.test").post(f"{FILES}/{sh.id}/copy", json={"name": "mine"},
                                                params={"fields": "id,owners(emailAddress)"}).json()
    assert mine["owners"] == [{"emailAddress": "client@acme.test"}]


def test_export_csv_tsv_and_errors(emu, owner_gc, allow_invalid_requests):
    sh = owner_gc.create("T")
    sh.sheet1.update([["name", "note"], ["Café, Ltd", 'say "hi"'], [3, ""]])
    sh.add_worksheet("second", 5, 5).update_acell("A1", "not exported")
    # no line end after the last row, as Google (ClientTest.test_client_export_spreadsheet.json)
    assert sh.export(ExportFormat.CSV).decode() == 'name,note\r\n"Café, Ltd","say ""hi"""\r\n3,'
    tsv = emu.session("owner@agency.test").get(f"{FILES}/{sh.id}/export",
                                               params={"mimeType": "text/tab-separated-values"})
    assert tsv.text.splitlines()[0] == "name\tnote"
    s = emu.session("owner@agency.test")
    r = s.get(f"{FILES}/{sh.id}/export", params={"mimeType": "application/msword"})
    assert r.status_code == 400 and r.json()["error"]["message"] == "The requested conversion is not supported."
    r = s.get(f"{FILES}/{sh.id}/export", params={"mimeType": "application/pdf"})
    assert r.status_code == 400 and "sheetsync emulator" in r.json()["error"]["message"]
    r = s.get(f"{FILES}/{sh.id}", params={"alt": "media"})
    assert r.status_code == 403 and r.json()["error"]["errors"][0]["reason"] == "fileNotDownloadable"


def test_import_csv_replaces_first_sheet(owner_gc):
    sh = owner_gc.create("T")
    sh.add_worksheet("extra", 5, 5)
    owner_gc.import_csv(sh.id, "id,title\nT-1,Write brief\nT-2,\"Quote, with comma\"\n")
    sh = owner_gc.open_by_key(sh.id)
    # one new sheet named after the file, with a new id (ClientTest.test_import_csv.json in burnash/gspread)
    assert [w.title for w in sh.worksheets()] == ["T"] and sh.sheet1.id != 0
    assert sh.sheet1.get_all_values() == [["id", "title"], ["T-1", "Write brief"], ["T-2", "Quote, with comma"]]


def test_multipart_upload_converts_csv(emu):
    s = emu.session("owner@agency.test")
    boundary = "BOUNDARY"
    meta = json.dumps({"name": "Imported", "mimeType": SHEET})
    body = (f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{meta}\r\n"
            f"--{boundary}\r\nContent-Type: text/csv\r\n\r\na,b\r\n1,2\r\n--{boundary}--\r\n")
    r = s.post("https://www.googleapis.com/upload/drive/v3/files", params={"uploadType": "multipart"},
               data=body.encode(), headers={"Content-Type": f"multipart/related; boundary={boundary}"})
    assert r.status_code == 200, r.text
    fid = r.json()["id"]
    gc = emu.gspread_client("owner@agency.test")
    assert gc.open_by_key(fid).sheet1.get_all_values() == [["a", "b"], ["1", "2"]]
    r = s.post("https://www.googleapis.com/upload/drive/v3/files", params={"uploadType": "resumable"},
               json={"name": "x"})
    assert r.status_code == 400 and "resumable" in r.json()["error"]["message"]


def test_create_in_folder_needs_write_access_to_folder(emu):
    owner = emu.session("owner@agency.test")
    folder = owner.post(FILES, json={"name": "F", "mimeType": FOLDER}).json()["id"]
    other = emu.session("other@x.test")
    r = other.post(FILES, json={"name": "S", "mimeType": SHEET, "parents": [folder]})
    assert r.status_code == 404  # the folder is invisible to them
    owner.post(f"{FILES}/{folder}/permissions", json={"type": "user", "role": "reader",
                                                      "emailAddress": "other@x.test"})
    r = other.post(FILES, json={"name": "S", "mimeType": SHEET, "parents": [folder]})
    assert r.status_code == 403


def test_missing_token_is_401(emu):
    import requests as rq

    s = rq.Session()
    from gsheets_emulator.adapter import EmulatorAdapter

    s.mount("https://www.googleapis.com/", EmulatorAdapter(emu))
    r = s.get(FILES)
    assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"


def test_import_csv_types_values_like_typing(owner_gc):
    sh = owner_gc.create("T")
    owner_gc.import_csv(sh.id, "n,flag,when,f,text\n1.5,TRUE,2026-11-22,=A2*2,007\n")
    got = sh.sheet1.get("A2:E2", value_render_option="UNFORMATTED_VALUE")
    assert got == [[1.5, True, 46348, 3, 7]]  # the sheet reads "007" as a number, as Sheets' import does


def test_fields_slash_syntax_on_lists(emu, owner_gc):
    sh = owner_gc.create("X")
    got = _list(emu.session("owner@agency.test"), fields="files/id,files/owners/emailAddress")
    assert got == {"files": [{"id": sh.id, "owners": [{"emailAddress": "owner@agency.test"}]}]}


def test_usage_counts_reads_writes_and_bytes_per_user(emu, owner_gc):
    sh = owner_gc.create("U")
    sh.share("m@x.test", perm_type="user", role="writer", notify=False)
    mark = emu.mark()
    m = emu.gspread_client("m@x.test").open_by_key(sh.id).sheet1
    m.update_acell("A1", "x")
    m.acell("A1")
    owner_gc.list_spreadsheet_files()
    usage = emu.usage(mark)
    assert usage["m@x.test"]["writes"] == 1 and usage["m@x.test"]["reads"] == 3  # open, sheet1, acell
    assert usage["owner@agency.test"] == {**usage["owner@agency.test"], "calls": 1, "reads": 1, "writes": 0}
    assert usage["m@x.test"]["bytes_in"] > 0 and usage["m@x.test"]["bytes_out"] > 0
    assert emu.calls(mark, user="m@x.test")["sheets.spreadsheets.values.update"] == 1


def test_shared_with_me_and_app_properties(emu, owner_gc):
    s = emu.session("owner@agency.test")
    tagged = s.post(FILES, json={"name": "Acme", "mimeType": SHEET, "appProperties": {"client": "acme"}}).json()
    owner_gc.create("Globex")
    theirs = emu.session("mgr@agency.test").post(FILES, json={"name": "Mine", "mimeType": SHEET}).json()
    s2 = emu.session("mgr@agency.test")
    s2.post(f"{FILES}/{theirs['id']}/permissions", json={"type": "user", "role": "writer",
                                                          "emailAddress": "owner@agency.test"})
    names = lambda q: sorted(f["name"] for f in _list(s, q=q)["files"])  # noqa: E731
    assert names("appProperties has { key='client' and value='acme' }") == ["Acme"]
    assert names("sharedWithMe") == ["Mine"]
    assert names("not sharedWithMe") == ["Acme", "Globex"]
    assert names("sharedWithMe = false and name != 'Globex'") == ["Acme"]
    got = s.get(f"{FILES}/{tagged['id']}", params={"fields": "appProperties"}).json()
    assert got == {"appProperties": {"client": "acme"}}
