"""`sheetsync doctor --deep`: the sync's request kinds against a served emulator standing in for Google,
compared shape for shape with the in-process emulator; a changed answer is reported, the scratch file
always removed."""

from __future__ import annotations

import importlib
import json

import pytest
from gsheets_emulator import Emulator
from gsheets_emulator.server import EmulatorServer
from typer.testing import CliRunner

from sheetsync.cli import _COMMANDS, app
from sheetsync.sheets import Backend, connect
from sheetsync.sheets.deepcheck import STEPS, TITLE_PREFIX, compare, deep_check, shape

BOT = "bot@agency.test"


@pytest.fixture
def google():
    """A served emulator over loopback HTTP, playing Google."""
    emu = Emulator()
    with EmulatorServer(emu) as srv:
        yield emu, srv.url


def _scratch_files(emu):
    return [f for f in emu.files.values() if f.name.startswith(TITLE_PREFIX)]


def _alter(emu, monkeypatch, marker: str, change):
    """A hook on the 'Google' side: answers of requests whose URL holds ``marker`` go through ``change``."""
    real = emu.dispatch

    def dispatch(method, url, headers, body):
        res = real(method, url, headers, body)
        if marker in url and res.body:
            res.body = change(res.body)
        return res

    monkeypatch.setattr(emu, "dispatch", dispatch)


def test_shape_and_compare():
    a = shape({"id": "x", "n": 1, "rows": [{"v": 1.5}, {"v": 2, "note": "n"}], "flag": True, "empty": []})
    assert a == {"id": "string", "n": "number", "rows": [{"v": "number", "note": "string"}], "flag": "boolean",
                 "empty": []}
    b = shape({"id": "y", "n": "1", "rows": [{"v": 3}], "extra": {}, "empty": [{"k": 1}]})
    rows = {(d.path, d.google, d.emulator) for d in compare("s", a, b)}
    assert rows == {("n", "number", "string"), ("rows[].note", "string", "(absent)"), ("flag", "boolean", "(absent)"),
                    ("extra", "(absent)", "object")}


def test_served_emulator_matches_and_scratch_is_removed(google):
    emu, url = google
    report = deep_check(connect(Backend(url=url, user=BOT)), Backend(kind="google"), share_with="pm@agency.test")
    assert report.differences == [] and report.ok and report.notes == []
    assert set(report.google) == {name for name, _ in STEPS}  # every request kind ran on both sides
    assert all(a.error is None for a in report.google.values())
    assert _scratch_files(emu) == [] and not emu.files


def test_a_changed_answer_is_reported(google, monkeypatch):
    emu, url = google

    def change(body: bytes) -> bytes:  # Google starts sending majorDimension as a number, drops `range`
        data = json.loads(body)
        for vr in data.get("valueRanges", []):
            vr["majorDimension"] = 1
            vr.pop("range", None)
        data["newField"] = {"x": True}
        return json.dumps(data).encode()

    _alter(emu, monkeypatch, "values:batchGet", change)
    report = deep_check(connect(Backend(url=url, user=BOT)), Backend(kind="google"))
    got = {(d.step, d.path, d.google, d.emulator) for d in report.differences}
    step = "values.batchGet UNFORMATTED_VALUE"
    assert got == {(step, "valueRanges[].majorDimension", "number", "string"),
                   (step, "valueRanges[].range", "(absent)", "string"),
                   (step, "newField", "object", "(absent)")}
    assert not report.ok and not _scratch_files(emu)


def test_scratch_removed_when_a_step_fails(google, monkeypatch):
    emu, url = google
    _alter(emu, monkeypatch, "developerMetadata:search", lambda body: b"<html>not json")
    report = deep_check(connect(Backend(url=url, user=BOT)), Backend(kind="google"))
    diff = [d for d in report.differences if d.step == "developerMetadata.search"]
    assert diff and "unreadable answer" in diff[0].google
    assert not _scratch_files(emu)

    def boom(client, ctx):
        raise RuntimeError("the process is being stopped")

    with pytest.raises(RuntimeError):
        deep_check(connect(Backend(url=url, user=BOT)), Backend(kind="google"),
                   steps=(*STEPS[:4], ("boom", boom), *STEPS[4:]))
    assert not _scratch_files(emu) and not emu.files


def test_scratch_goes_into_the_configured_folder(google):
    emu, url = google
    me = connect(Backend(url=url, user=BOT))
    fid = me.request("POST", "https://www.googleapis.com/drive/v3/files",
                     json_body={"name": "Clients", "mimeType": "application/vnd.google-apps.folder"})["id"]
    seen = []
    real = emu.dispatch

    def spy(method, url_, headers, body):
        if method == "POST" and url_.split("?")[0].endswith("/drive/v3/files") and body:
            seen.append(json.loads(body).get("parents"))
        return real(method, url_, headers, body)

    emu.dispatch = spy
    report = deep_check(me, Backend(kind="google", folder_id=fid))
    assert seen == [[fid]] and report.differences == []
    assert [f.name for f in emu.files.values()] == ["Clients"]


def _cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sheetsync.toml").write_text('data_dir = "data"\n[[clients]]\nslug = "acme"\nname = "Acme"\n'
                                             'manager_email = "pm@agency.test"\n')
    for name in _COMMANDS:
        importlib.import_module(f"sheetsync.cli.{name}")
    return CliRunner()


def test_cli_deep_against_served_emulator(google, tmp_path, monkeypatch):
    emu, url = google
    runner = _cli(tmp_path, monkeypatch)
    ok = runner.invoke(app, ["doctor", "--deep", "--emulator-url", url], env={"COLUMNS": "200"})
    assert ok.exit_code == 0, ok.output
    assert "every answer has the emulator's shape" in ok.output and not emu.files

    _alter(emu, monkeypatch, "/drive/v3/files/", lambda body: body.replace(b'"version": "', b'"version": 1, "v": "'))
    bad = runner.invoke(app, ["doctor", "--deep", "--emulator-url", url], env={"COLUMNS": "200"})
    assert bad.exit_code == 1, bad.output
    assert "drive files.get version/modifiedTime" in bad.output and "version" in bad.output
    assert "difference(s)" in bad.output and not emu.files


def test_cli_deep_needs_google(tmp_path, monkeypatch):
    runner = _cli(tmp_path, monkeypatch)
    result = runner.invoke(app, ["doctor", "--deep"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "this config uses the emulator" in result.output


def test_where_delete_is_refused_the_scratch_file_is_trashed(google, monkeypatch):
    """A Content manager of a shared drive may not delete for good (Drive files.delete: "the user must be an
    organizer"): the 'Google' side refuses every DELETE; the scratch file ends in the trash, and it says so."""
    from gsheets_emulator.core import Response

    emu, url = google
    me = connect(Backend(url=url, user=BOT))
    fid = me.request("POST", "https://www.googleapis.com/drive/v3/files",
                     json_body={"name": "Clients", "mimeType": "application/vnd.google-apps.folder"})["id"]
    real = emu.dispatch

    def no_delete(method, url_, headers, body):
        if method == "DELETE":
            err = {"error": {"code": 403, "message": "The user does not have sufficient permissions for this file.",
                             "errors": [{"reason": "insufficientFilePermissions", "domain": "global",
                                         "message": "The user does not have sufficient permissions for this file."}]}}
            return Response(403, json.dumps(err).encode())
        return real(method, url_, headers, body)

    monkeypatch.setattr(emu, "dispatch", no_delete)
    report = deep_check(me, Backend(kind="google", folder_id=fid))
    assert report.differences == [] and report.scratch_removed
    scratch = _scratch_files(emu)
    assert len(scratch) == 1 and scratch[0].trashed
    assert any("in the shared drive's trash" in n for n in report.notes)


def test_a_create_google_refuses_is_one_row(google, monkeypatch):
    emu, url = google
    from gsheets_emulator.core import Response

    real = emu.dispatch

    def refuse_create(method, url_, headers, body):
        if method == "POST" and url_.split("?")[0].endswith("/v4/spreadsheets"):
            err = {"error": {"code": 403, "message": "The user's Drive storage quota has been exceeded.",
                             "status": "PERMISSION_DENIED"}}
            return Response(403, json.dumps(err).encode())
        return real(method, url_, headers, body)

    monkeypatch.setattr(emu, "dispatch", refuse_create)
    report = deep_check(connect(Backend(url=url, user=BOT)), Backend(kind="google"))
    assert [(d.step, d.path) for d in report.differences] == [("create", "(status)")]
    assert report.differences[0].google.startswith("HTTP 403") and report.scratch_removed
    assert any("could not be created" in n for n in report.notes)
