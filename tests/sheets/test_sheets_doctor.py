"""`sheetsync doctor`: what it finds and what it tells people to do, on the emulator and on (mocked) Google."""

from __future__ import annotations

import importlib
import json

import pytest
import responses
from gsheets_emulator import Emulator
from typer.testing import CliRunner

from sheetsync.cli import _COMMANDS, app
from sheetsync.sheets import Backend, QuotaSettings, connect
from sheetsync.sheets.checks import FAIL, OK, WARN, check_quota, diagnose

BOT = "sheetsync@agency.test"


def by_name(checks):
    return {c.name: c for c in checks}


def test_emulator_spreadsheets_ok_read_only_missing_and_unprovisioned(emu):
    bot = connect(emu)
    good = bot.create_spreadsheet({"properties": {"title": "Acme"}})["spreadsheetId"]
    other = connect(Backend(emulator=emu, user="someone@agency.test"))
    ro = other.create_spreadsheet({"properties": {"title": "Beta"}})["spreadsheetId"]
    other.share(ro, BOT, "reader")
    checks = by_name(diagnose(Backend(emulator=emu), [("acme", good), ("beta", ro), ("gamma", "missing-id"),
                                                      ("delta", None)]))
    assert checks["credentials"].status == OK and BOT in checks["credentials"].detail
    assert checks["api access"].status == OK
    assert checks["spreadsheet of acme"].status == OK and "Acme" in checks["spreadsheet of acme"].detail
    beta = checks["spreadsheet of beta"]
    assert beta.status == FAIL and "read-only" in beta.detail and f"share it with {BOT} as editor" in beta.fix
    gamma = checks["spreadsheet of gamma"]
    assert gamma.status == FAIL and "sheetsync provision gamma" in gamma.fix
    assert checks["spreadsheet of delta"].status == WARN and "provision delta" in checks["spreadsheet of delta"].fix


def test_doctor_costs_one_sheets_call_however_many_spreadsheets(emu):
    bot = connect(emu)
    pairs = [(f"c{i}", bot.create_spreadsheet({"properties": {"title": f"C{i}"}})["spreadsheetId"]) for i in range(5)]
    mark = emu.mark()
    assert all(c.status == OK for c in diagnose(Backend(emulator=emu), pairs))
    calls = emu.calls(mark)
    assert sum(n for name, n in calls.items() if name.startswith("sheets.")) == 1
    assert calls["drive.files.get"] == 5


def test_quota_checks():
    assert check_quota(QuotaSettings(), 10)[0].status == OK
    raised = check_quota(QuotaSettings(read_per_user=120, read_per_project=600), 10)[0]
    assert raised.status == WARN and "raised" in raised.fix
    bad = check_quota(QuotaSettings(write_per_user=500), 10)[0]
    assert bad.status == FAIL and "write_per_user (500)" in bad.detail
    capacity = check_quota(QuotaSettings(), 1000, interval_seconds=60)
    assert capacity[1].name == "cycle capacity" and capacity[1].status == WARN


def test_google_missing_credentials_fail_offline(tmp_path, monkeypatch, rsps, no_adc):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    checks = by_name(diagnose(Backend(kind="google")))
    cred = checks["credentials"]
    assert cred.status == FAIL and "GOOGLE_APPLICATION_CREDENTIALS" in cred.detail
    assert "Application Default Credentials found none" in cred.detail and "application-default login" in cred.fix
    assert "api access" not in checks and len(rsps.calls) == 0


def test_google_wrong_kind_of_file(tmp_path, rsps):
    p = tmp_path / "client_secret.json"
    p.write_text(json.dumps({"installed": {"client_id": "x"}}))
    c = by_name(diagnose(Backend(kind="google", credentials_file=str(p))))["credentials"]
    assert c.status == FAIL and "type" in c.detail
    p.write_text("{not json")
    assert by_name(diagnose(Backend(kind="google", credentials_file=str(p))))["credentials"].status == FAIL


def test_authorized_user_without_the_drive_scope(tmp_path, rsps):
    p = tmp_path / "user.json"
    p.write_text(json.dumps({"type": "authorized_user", "client_id": "id", "client_secret": "s",
                             "refresh_token": "1//r", "scopes": ["https://www.googleapis.com/auth/spreadsheets"]}))
    checks = by_name(diagnose(Backend(kind="google", credentials_file=str(p))))
    assert checks["credentials"].status == OK
    assert checks["scopes"].status == FAIL and "auth/drive" in checks["scopes"].fix


def test_google_service_account_all_good(sa_file, token_ok):
    from sheets_fakes import SA_EMAIL

    token_ok.add(responses.GET, "https://www.googleapis.com/drive/v3/files", json={"files": []})
    token_ok.add(responses.GET, "https://www.googleapis.com/drive/v3/files/sid1",
                 json={"id": "sid1", "name": "Acme", "capabilities": {"canEdit": True}})
    token_ok.add(responses.GET, "https://sheets.googleapis.com/v4/spreadsheets/sid1", json={"spreadsheetId": "sid1"})
    checks = diagnose(Backend(kind="google", credentials_file=str(sa_file)), [("acme", "sid1")])
    # a service account alone cannot create spreadsheets (no Drive storage): doctor says what is missing
    setup = by_name(checks).pop("set-up")
    assert setup.status == FAIL and "own no Drive storage" in setup.fix and "backend.shared_drive_id" in setup.fix
    assert [c.status for c in checks if c.name != "set-up"] == [OK] * (len(checks) - 1)
    assert SA_EMAIL in by_name(checks)["credentials"].detail


def test_google_token_refused(sa_file, rsps):
    from sheets_fakes import TOKEN_URI

    rsps.add(responses.POST, TOKEN_URI, status=400, json={"error": "invalid_grant", "error_description": "revoked"})
    access = by_name(diagnose(Backend(kind="google", credentials_file=str(sa_file))))["api access"]
    assert access.status == FAIL and "GOOGLE_APPLICATION_CREDENTIALS" in access.fix


def test_cli_reads_config_and_store_free_setup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sheetsync.toml").write_text('data_dir = "data"\n[[clients]]\nslug = "acme"\nname = "Acme"\n')
    emu = Emulator(str(tmp_path / "data" / "emulator"))
    sid = connect(emu).create_spreadsheet({"properties": {"title": "Acme"}})["spreadsheetId"]
    emu.save()
    runner = CliRunner()
    assert "doctor" in _COMMANDS  # `sheetsync` registers it
    for name in ("emulator", "doctor"):  # (with one command only, Typer would make it the whole app)
        importlib.import_module(f"sheetsync.cli.{name}")

    result = runner.invoke(app, ["doctor"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "provision acme" in result.output  # in the config, not provisioned in the store yet
    result = runner.invoke(app, ["doctor", "-s", f"acme={sid}"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "editable" in result.output and "all good" in result.output
    result = runner.invoke(app, ["doctor", "-s", "acme=gone"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "problem(s) to fix" in result.output
    result = runner.invoke(app, ["doctor", "-s", "bad"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "SLUG=SPREADSHEET_ID" in result.output


def test_backend_from_config(tmp_path, sa_file):
    from sheetsync.config import load_config
    from sheetsync.sheets.client import backend_from_config

    emu_cfg = load_config({"data_dir": str(tmp_path / "d")})
    b = backend_from_config(emu_cfg)
    assert b.kind == "emulator" and b.emulator_path == str(tmp_path / "d" / "emulator")
    g = backend_from_config(load_config({"backend": {"type": "google", "credentials": str(sa_file)}}))
    assert g.kind == "google" and g.credentials_file == str(sa_file)


# --- which set-up is in place, and what is missing (each against the emulator as the Drive) ---------------

FOLDER = "application/vnd.google-apps.folder"
DRIVE = "https://www.googleapis.com/drive/v3"
BOSS = "boss@agency.example"


def _folder(client, name="Clients"):
    return client.request("POST", f"{DRIVE}/files", json_body={"name": name, "mimeType": FOLDER})["id"]


def _google_diagnose(backend, emu, user):
    """The Google set-up's offline credential checks, its online checks answered by the emulator as `user`."""
    return by_name(diagnose(backend, client=connect(Backend(emulator=emu, user=user))))


def test_setup_embedded_emulator(emu):
    setup = by_name(diagnose(Backend(emulator=emu)))["set-up"]
    assert setup.status == OK and "embedded emulator" in setup.detail


def test_setup_service_account_without_shared_drive_says_what_is_missing(emu, sa_file):
    from sheets_fakes import SA_EMAIL

    checks = _google_diagnose(Backend(kind="google", credentials_file=str(sa_file)), emu, SA_EMAIL)
    setup = checks["set-up"]
    assert setup.status == FAIL and SA_EMAIL in setup.detail
    assert setup.fix.startswith("service accounts own no Drive storage: set backend.shared_drive_id")


def test_setup_service_account_folder_in_my_drive_is_not_enough(emu, sa_file):
    from sheets_fakes import SA_EMAIL

    fid = _folder(connect(Backend(emulator=emu, user="someone@agency.test")))
    connect(Backend(emulator=emu, user="someone@agency.test")).share(fid, SA_EMAIL, "writer")
    checks = _google_diagnose(Backend(kind="google", credentials_file=str(sa_file), folder_id=fid), emu, SA_EMAIL)
    assert checks["set-up"].status == OK and "shared drive + service account" in checks["set-up"].detail
    folder = checks["folder"]
    assert folder.status == FAIL and "My Drive, not in a shared drive" in folder.detail
    assert "own no Drive storage" in folder.fix


def test_setup_shared_drive_the_account_cannot_see(emu, sa_file):
    from sheets_fakes import SA_EMAIL

    checks = _google_diagnose(Backend(kind="google", credentials_file=str(sa_file), shared_drive_id="0Anope"),
                              emu, SA_EMAIL)
    drive = checks["shared drive"]
    assert drive.status == FAIL and f"0Anope does not exist or {SA_EMAIL} is not a member" in drive.detail
    assert "Content manager" in drive.fix


def test_setup_shared_drive_with_service_account(emu, sa_file):
    from sheets_fakes import SA_EMAIL

    from sheetsync.sheets.errors import NotFound

    organizer = connect(Backend(emulator=emu, user="admin@agency.test"))
    try:
        d = organizer.request("POST", f"{DRIVE}/drives", params={"requestId": "doctor-1"},
                              json_body={"name": "Clients"})
    except NotFound:
        pytest.skip("this emulator has no shared drives yet (drives.create)")
    organizer.request("POST", f"{DRIVE}/files/{d['id']}/permissions", params={"supportsAllDrives": "true"},
                      json_body={"type": "user", "role": "fileOrganizer", "emailAddress": SA_EMAIL})
    checks = _google_diagnose(Backend(kind="google", credentials_file=str(sa_file), shared_drive_id=d["id"]),
                              emu, SA_EMAIL)
    assert checks["set-up"].status == OK and "shared drive + service account" in checks["set-up"].detail
    assert checks["shared drive"].status == OK and "can list and add files" in checks["shared drive"].detail


def test_setup_oauth_user_with_folder(emu, tmp_path):
    p = tmp_path / "user.json"
    p.write_text(json.dumps({"type": "authorized_user", "client_id": "id", "client_secret": "s",
                             "refresh_token": "1//r"}))
    me = "manager@agency.test"
    fid = _folder(connect(Backend(emulator=emu, user=me)))
    checks = _google_diagnose(Backend(kind="google", credentials_file=str(p), folder_id=fid), emu, me)
    setup = checks["set-up"]
    assert setup.status == OK and setup.detail.startswith("OAuth user credentials")
    assert "expire after 7 days" in setup.detail
    assert checks["folder"].status == OK


def test_setup_domain_wide_delegation(emu, sa_file):
    from sheets_fakes import SA_EMAIL

    checks = _google_diagnose(Backend(kind="google", credentials_file=str(sa_file), subject=BOSS), emu, BOSS)
    setup = checks["set-up"]
    assert setup.status == OK and setup.detail.startswith("domain-wide delegation")
    assert f"{SA_EMAIL} acting as {BOSS}" in setup.detail
    assert checks["api access"].status == OK


def test_setup_adc(emu, no_adc, tmp_path):
    (no_adc / "application_default_credentials.json").write_text(json.dumps({
        "type": "authorized_user", "client_id": "id", "client_secret": "s", "refresh_token": "1//r"}))
    checks = _google_diagnose(Backend(kind="google"), emu, "me@agency.test")
    assert checks["credentials"].status == OK and "Application Default Credentials" in checks["credentials"].detail
    assert "found by Application Default Credentials" in checks["set-up"].detail


def test_setup_subject_with_user_credentials(tmp_path):
    p = tmp_path / "user.json"
    p.write_text(json.dumps({"type": "authorized_user", "client_id": "id", "client_secret": "s",
                             "refresh_token": "1//r"}))
    cred = by_name(diagnose(Backend(kind="google", credentials_file=str(p), subject=BOSS)))["credentials"]
    assert cred.status == FAIL and "needs a service-account key" in cred.fix
