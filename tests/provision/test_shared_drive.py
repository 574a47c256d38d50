"""A service account provisions and syncs clients in a shared drive; without one it is told what to do.

Google gives service accounts no Drive storage (403 storageQuotaExceeded on any file they would
own), so sheetsync creates spreadsheets in the configured ``[backend] shared_drive_id`` /
``folder_id`` via Drive, shares them with ``supportsAllDrives``, and lists that drive for change
detection. All through the emulator, which models the refusal (emulator/tests/test_drive_shared.py).
"""

from __future__ import annotations

import pytest

from sheetsync.provision import ProvisionError, ProvisionSettings, provision_client
from sheetsync.sheets import Backend, connect

from .conftest import CLIENT_EDITOR, GRID_ROWS, MANAGER, VIEWER

DRIVE = "https://www.googleapis.com/drive/v3"
ADMIN = "admin@agency.test"
SA = "sheetsync@agency-prod.iam.gserviceaccount.com"
ALL = {"supportsAllDrives": "true"}
SETTINGS = ProvisionSettings(rows=GRID_ROWS)


def shared_drive(emu, *members: tuple[str, str]) -> str:
    s = emu.session(ADMIN)
    drive = s.post(f"{DRIVE}/drives", params={"requestId": "agency"}, json={"name": "Clients"}).json()["id"]
    for email, role in members:
        assert s.post(f"{DRIVE}/files/{drive}/permissions", params=ALL,
                      json={"type": "user", "role": role, "emailAddress": email}).status_code == 200
    return drive


def file_meta(emu, fid, fields="driveId,parents,name"):
    return emu.session(ADMIN).get(f"{DRIVE}/files/{fid}", params={**ALL, "fields": fields}).json()


def test_a_service_account_without_a_shared_drive_is_told_what_to_do(emu, store):
    sheets = connect(Backend(emulator=emu, user=SA))
    mark = emu.mark()
    with pytest.raises(ProvisionError) as e:
        provision_client(store=store, sheets=sheets, slug="acme", settings=SETTINGS)
    msg = str(e.value)
    assert "\n" not in msg and SA in msg and "service account" in msg
    assert "backend.shared_drive_id" in msg and "OAuth" in msg and "domain-wide delegation" in msg
    assert emu.calls(mark) == {}  # stopped before sending anything Google would refuse
    assert store.clients.get("acme").spreadsheet_id is None


def test_a_folder_in_someones_my_drive_does_not_help_a_service_account(emu, store):
    owner = emu.session(MANAGER)
    folder = owner.post(f"{DRIVE}/files", json={"name": "Clients", "mimeType": "application/vnd.google-apps.folder"})
    folder_id = folder.json()["id"]
    owner.post(f"{DRIVE}/files/{folder_id}/permissions", json={"type": "user", "role": "writer", "emailAddress": SA})
    sheets = connect(Backend(emulator=emu, user=SA, folder_id=folder_id))
    with pytest.raises(ProvisionError) as e:
        provision_client(store=store, sheets=sheets, slug="acme", settings=SETTINGS)
    assert "\n" not in str(e.value) and "backend.shared_drive_id" in str(e.value)
    assert store.clients.get("acme").spreadsheet_id is None


def test_a_drive_the_account_is_not_a_member_of_is_named(emu, store):
    drive = shared_drive(emu)  # SA not added
    sheets = connect(Backend(emulator=emu, user=SA, shared_drive_id=drive))
    with pytest.raises(ProvisionError) as e:
        provision_client(store=store, sheets=sheets, slug="acme", settings=SETTINGS)
    assert drive in str(e.value) and "Content manager" in str(e.value) and "\n" not in str(e.value)


def test_provisioning_into_a_shared_drive(emu, store):
    drive = shared_drive(emu, (SA, "fileOrganizer"), (MANAGER, "writer"))
    sheets = connect(Backend(emulator=emu, user=SA, shared_drive_id=drive))
    mark = emu.mark()
    res = provision_client(store=store, sheets=sheets, slug="acme", settings=SETTINGS)
    assert res.created and res.repairs == []
    calls = emu.calls(mark)
    assert calls["drive.files.create"] == 1 and "sheets.spreadsheets.create" not in calls
    assert calls["sheets.spreadsheets.batchUpdate"] == 1  # the whole template in one batch, as before
    meta = file_meta(emu, res.spreadsheet_id)
    assert meta["driveId"] == drive and meta["parents"] == [drive]
    # the template's sheets only: Drive's default sheet is gone
    plain = connect(Backend(emulator=emu, user=SA))
    titles = [s["properties"]["title"] for s in plain.get_metadata(res.spreadsheet_id, "sheets.properties")["sheets"]]
    assert "Sheet1" not in titles and "Бэклог" in titles
    # sharing as the config says, at the file; the drive's members are left to the drive
    perms = emu.session(SA).get(f"{DRIVE}/files/{res.spreadsheet_id}/permissions",
                                params={**ALL, "fields": "permissions(emailAddress,role,permissionDetails)"}).json()
    own = {p["emailAddress"]: p["role"] for p in perms["permissions"]
           if any(not d["inherited"] for d in p["permissionDetails"])}
    assert own == {VIEWER: "reader", CLIENT_EDITOR: "writer"}  # MANAGER already writes as a drive member
    # a second run: nothing to write, nothing to share
    mark = emu.mark()
    again = provision_client(store=store, sheets=sheets, slug="acme", settings=SETTINGS)
    assert not again.created and again.shared == [] and again.unshared == [] and again.requests_applied == 0
    assert not any(k.startswith(("drive.permissions.create", "drive.permissions.update", "drive.permissions.delete",
                                 "sheets.spreadsheets.batchUpdate")) for k in emu.calls(mark))


def test_provisioning_into_a_folder_of_the_shared_drive(emu, store):
    drive = shared_drive(emu, (SA, "fileOrganizer"))
    folder = emu.session(ADMIN).post(f"{DRIVE}/files", params=ALL, json={
        "name": "2026", "mimeType": "application/vnd.google-apps.folder", "parents": [drive]}).json()["id"]
    sheets = connect(Backend(emulator=emu, user=SA, shared_drive_id=drive, folder_id=folder))
    res = provision_client(store=store, sheets=sheets, slug="acme", settings=SETTINGS)
    assert file_meta(emu, res.spreadsheet_id) == {"driveId": drive, "parents": [folder], "name": res_title(emu, res)}


def res_title(emu, res):
    return emu.files[res.spreadsheet_id].name


def test_a_plain_user_still_creates_with_the_sheets_api(emu, store):
    """The embedded default: a user identity with storage; nothing configured, nothing changes."""
    sheets = connect(Backend(emulator=emu, user="sheetsync@agency.test"))
    mark = emu.mark()
    res = provision_client(store=store, sheets=sheets, slug="acme", settings=SETTINGS)
    assert emu.calls(mark)["sheets.spreadsheets.create"] == 1 and "drive.files.create" not in emu.calls(mark)
    assert "driveId" not in file_meta(emu, res.spreadsheet_id)


def test_a_service_account_syncs_a_client_in_a_shared_drive_end_to_end(emu, store):
    from sheetsync.sync.engine import SyncEngine

    drive = shared_drive(emu, (SA, "fileOrganizer"))
    sheets = connect(Backend(emulator=emu, user=SA, shared_drive_id=drive))
    sid = provision_client(store=store, sheets=sheets, slug="acme", settings=SETTINGS).spreadsheet_id
    engine = SyncEngine(store, sheets)
    key = store.tasks.create("acme", {"title": "Лендинг"}, origin="cli", actor="team").key
    first = engine.cycle()
    assert [c.failed for c in first.clients] == [None]
    ws = emu.gspread_client(MANAGER).open_by_key(sid).worksheet("Бэклог")
    assert ws.get_all_values()[1][:2] == [key, "Лендинг"]
    engine.cycle()  # our own write changed modifiedTime: one read to see nothing to do
    mark = emu.mark()
    idle = engine.cycle()  # unchanged: one Drive listing (of the drive), no Sheets call
    assert idle.clients[0].skipped
    assert emu.calls(mark) == {"drive.files.list": 1}
    ws.update([["Лендинг v2"]], "B2", raw=False)
    edited = engine.cycle()
    assert edited.clients[0].pulled == 1 and store.tasks.get(key).title == "Лендинг v2"


def test_the_change_listing_covers_the_drive_in_one_paged_call(emu, store, monkeypatch):
    """One listing per cycle (corpora=allDrives: the drive and what was adopted from outside it), paging
    counted like any listing."""
    from sheetsync.sheets import batch

    drive = shared_drive(emu, (SA, "fileOrganizer"))
    sheets = connect(Backend(emulator=emu, user=SA, shared_drive_id=drive))
    for i in range(4):
        sheets.create_spreadsheet_file(f"c{i}", drive)
    emu.session(ADMIN).post(f"{DRIVE}/files", params=ALL, json={  # made in the drive by a person
        "name": "by a person", "mimeType": "application/vnd.google-apps.spreadsheet", "parents": [drive]})
    adopted = emu.gspread_client(MANAGER).create("adopted from My Drive")
    adopted.share(SA, perm_type="user", role="writer", notify=False)
    sent = []
    real = sheets.request

    def spy(method, url, **kw):
        sent.append(kw.get("params") or {})
        return real(method, url, **kw)

    monkeypatch.setattr(sheets, "request", spy)
    monkeypatch.setattr(batch, "PAGE_SIZE", 2)
    mark = emu.mark()
    files = sheets.list_modified()
    assert sorted(f.name for f in files) == ["adopted from My Drive", "by a person", "c0", "c1", "c2", "c3"]
    assert emu.calls(mark) == {"drive.files.list": 3}
    assert all(p["corpora"] == "allDrives" and p["includeItemsFromAllDrives"] == "true"
               and p["supportsAllDrives"] == "true" for p in sent)
    # without a configured drive: the account's own corpus, which has what it created in drives
    assert len(connect(Backend(emulator=emu, user=SA)).list_modified()) == 5


def test_an_incomplete_all_drives_search_is_redone_as_the_complete_listings(emu, monkeypatch):
    """Google may answer an allDrives search with incompleteSearch=true; nothing may then go missing."""
    drive = shared_drive(emu, (SA, "fileOrganizer"))
    sheets = connect(Backend(emulator=emu, user=SA, shared_drive_id=drive))
    ids = {sheets.create_spreadsheet_file(f"c{i}", drive) for i in range(3)}
    adopted = emu.gspread_client(MANAGER).create("adopted")
    adopted.share(SA, perm_type="user", role="writer", notify=False)
    real = sheets.request
    corpora = []

    def flaky(method, url, **kw):  # Google searched only part of the drives: one file short, and says so
        data = real(method, url, **kw)
        corpora.append(kw["params"]["corpora"])
        if kw["params"]["corpora"] == "allDrives":
            data = {**data, "files": data["files"][1:], "incompleteSearch": True}
        return data

    monkeypatch.setattr(sheets, "request", flaky)
    got = {f.id for f in sheets.list_modified()}
    assert got == ids | {adopted.id}
    assert corpora == ["allDrives", "drive", "user"]


def test_the_config_carries_the_drive_and_folder_to_the_transport(tmp_path):
    from sheetsync.config import ConfigError, load_config
    from sheetsync.sheets.client import backend_from_config

    cfg = load_config({"backend": {"type": "emulator", "data_dir": str(tmp_path / "emu"),
                                   "shared_drive_id": "0AbcUk9PVA", "folder_id": "1folder"}})
    backend = backend_from_config(cfg)
    assert (backend.shared_drive_id, backend.folder_id) == ("0AbcUk9PVA", "1folder")
    sheets = connect(backend)
    assert (sheets.shared_drive_id, sheets.folder_id) == ("0AbcUk9PVA", "1folder")
    assert load_config({}).backend.shared_drive_id is None  # the embedded default: nothing to configure
    with pytest.raises(ConfigError) as e:
        load_config({"backend": {"shared_drive_id": ""}})
    assert "backend.shared_drive_id" in str(e.value)


def test_any_new_spreadsheet_of_a_service_account_goes_into_the_drive(emu):
    """The transport's create (the turnover sheet uses it) places the file too, with the body's sheets."""
    from sheetsync.sheets.errors import PermissionDenied

    body = {"properties": {"title": "Оборот", "locale": "ru_RU", "timeZone": "Europe/Moscow"},
            "sheets": [{"properties": {"sheetId": 7, "title": "Итоги"}}]}
    lone = connect(Backend(emulator=emu, user=SA))
    mark = emu.mark()
    with pytest.raises(PermissionDenied) as e:  # Google's 403, told as what to do, never retried
        lone.create_spreadsheet(body)
    assert "\n" not in str(e.value) and "backend.shared_drive_id" in str(e.value) and "storage" in str(e.value)
    assert emu.calls(mark) == {"sheets.spreadsheets.create": 1} and emu.files == {}
    drive = shared_drive(emu, (SA, "fileOrganizer"))
    sheets = connect(Backend(emulator=emu, user=SA, shared_drive_id=drive))
    got = sheets.create_spreadsheet(body)
    assert got["properties"]["title"] == "Оборот" and got["properties"]["locale"] == "ru_RU"
    assert [s["properties"]["sheetId"] for s in got["sheets"]] == [7]
    assert [s["properties"]["title"] for s in got["sheets"]] == ["Итоги"]
    assert file_meta(emu, got["spreadsheetId"])["driveId"] == drive
    first = sheets.create_spreadsheet({"sheets": [{"properties": {"sheetId": 0, "title": "Main"}}]})
    assert [(s["properties"]["sheetId"], s["properties"]["title"]) for s in first["sheets"]] == [(0, "Main")]


def test_the_turnover_sheet_of_a_service_account_lives_in_the_drive_and_keeps_its_members(emu, store):
    from sheetsync.config import load_config
    from sheetsync.invoices import Invoices

    drive = shared_drive(emu, (SA, "fileOrganizer"), (MANAGER, "reader"))
    sheets = connect(Backend(emulator=emu, user=SA, shared_drive_id=drive))
    cfg = load_config({"agency": {"locale": "en", "timezone": "Europe/Moscow"},
                       "invoices": {"editor_emails": ["accounts@agency.test"]}})
    inv = Invoices(store, sheets, cfg)
    sid = inv.spreadsheet_id()
    assert file_meta(emu, sid)["driveId"] == drive
    assert inv.share() == {"added": [], "removed": []}  # the drive's members are not the file's to remove
    assert emu.session("accounts@agency.test").get(f"https://sheets.googleapis.com/v4/spreadsheets/{sid}").ok


@pytest.mark.parametrize("identity, expected", [(SA, True), ("agency-prod@appspot.gserviceaccount.com", True),
                                                ("sheetsync@agency.test", False), ("anna@agency.test", False)])
def test_what_counts_as_a_service_account(emu, identity, expected):
    assert connect(Backend(emulator=emu, user=identity)).is_service_account is expected
    assert emu.is_service_account(identity) is expected
