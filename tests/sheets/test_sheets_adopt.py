"""`sheetsync provision SLUG --adopt SPREADSHEET_ID`: take over a spreadsheet that already exists
(docs/google-setup.md, "Adopting existing spreadsheets")."""

from __future__ import annotations

import importlib

from gsheets_emulator import Emulator
from typer.testing import CliRunner

from sheetsync.cli import _COMMANDS, app
from sheetsync.sheets import Backend, connect

BOT = "sheetsync@agency.test"
PM = "pm@agency.test"


def _setup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sheetsync.toml").write_text(
        'data_dir = "data"\n[[clients]]\nslug = "acme"\nname = "Acme"\n[[clients]]\nslug = "beta"\nname = "Beta"\n')
    for name in _COMMANDS:
        importlib.import_module(f"sheetsync.cli.{name}")
    emu = Emulator(str(tmp_path / "data" / "emulator"))
    pm = connect(Backend(emulator=emu, user=PM))
    sid = pm.create_spreadsheet({"properties": {"title": "Acme (old)"},
                                 "sheets": [{"properties": {"title": "Old notes"}}]})["spreadsheetId"]
    pm.write_values(sid, [("'Old notes'!A1:B1", [["kept", 42]])])
    return emu, pm, sid


def _store(tmp_path):
    from sheetsync.store import Store

    return Store.open(f"sqlite:///{tmp_path / 'data' / 'sheetsync.db'}")


def test_adopt_an_existing_spreadsheet(tmp_path, monkeypatch):
    emu, pm, sid = _setup(tmp_path, monkeypatch)
    pm.share(sid, BOT, "writer")
    emu.save()
    runner = CliRunner()
    result = runner.invoke(app, ["provision", "acme", "--adopt", sid], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    st = _store(tmp_path)
    try:
        assert st.clients.get("acme").spreadsheet_id == sid
    finally:
        st.close()
    emu2 = Emulator(str(tmp_path / "data" / "emulator"))
    meta = connect(Backend(emulator=emu2, user=PM)).get_metadata(sid, "sheets.properties.title")
    titles = [s["properties"]["title"] for s in meta["sheets"]]
    assert "Old notes" in titles and len(titles) > 1  # sheetsync's sheets added, the old one kept
    assert connect(Backend(emulator=emu2, user=PM)).snapshot(sid, ["'Old notes'!A1:B1"])["'Old notes'!A1:B1"] == [
        ["kept", 42]]
    # the same spreadsheet cannot be adopted by a second client
    again = runner.invoke(app, ["provision", "beta", "--adopt", sid], env={"COLUMNS": "200"})
    assert again.exit_code == 1 and "already acme's" in again.output


def test_adopt_a_spreadsheet_not_shared_with_sheetsync(tmp_path, monkeypatch):
    emu, _pm, sid = _setup(tmp_path, monkeypatch)
    emu.save()
    result = CliRunner().invoke(app, ["provision", "acme", "--adopt", sid], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    assert f"cannot be opened by {BOT}" in result.output and f"share it with {BOT} as editor" in result.output
