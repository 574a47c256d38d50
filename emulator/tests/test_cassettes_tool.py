"""emulator/scripts/cassettes.py replays recorded Google traffic and counts the responses equal to Google's.

The cassette below is a trimmed copy of ClientTest.test_create.json's first interactions from
burnash/gspread (MIT): Google's real answers to files.create and spreadsheets.get.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the emulator distribution

SHEET_GET = {
    "spreadsheetId": "1Sle_EDNRq8PsQGzmskqQWIGnUT4epR-d9A-9gaJsrrQ",
    "properties": {"title": "Test", "locale": "en_US", "autoRecalc": "ON_CHANGE", "timeZone": "Etc/GMT"},
    "sheets": [{"properties": {"sheetId": 0, "title": "Sheet1", "index": 0, "sheetType": "GRID",
                               "gridProperties": {"rowCount": 1000, "columnCount": 26}}}],
    "spreadsheetUrl": "https://docs.google.com/spreadsheets/d/1Sle_EDNRq8PsQGzmskqQWIGnUT4epR-d9A-9gaJsrrQ/edit",
}


def _interaction(method, uri, body, status, response):
    return {"request": {"method": method, "uri": uri, "body": body, "headers": {}},
            "response": {"status": {"code": status, "message": ""},
                         "body": {"string": json.dumps(response)}}}


@pytest.fixture
def tool():
    spec = importlib.util.spec_from_file_location("cassettes_tool", ROOT / "scripts" / "cassettes.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def checkout(tmp_path):
    sid = SHEET_GET["spreadsheetId"]
    cassette = {"version": 1, "interactions": [
        _interaction("POST", "https://www.googleapis.com/drive/v3/files?supportsAllDrives=True",
                     json.dumps({"name": "Test", "mimeType": "application/vnd.google-apps.spreadsheet"}), 200,
                     {"kind": "drive#file", "id": sid, "name": "Test",
                      "mimeType": "application/vnd.google-apps.spreadsheet"}),
        # fields limits the answer to what this trimmed copy keeps
        _interaction("GET", f"https://sheets.googleapis.com/v4/spreadsheets/{sid}?fields=spreadsheetId,sheets.properties,"
                            "spreadsheetUrl,properties(title,locale,autoRecalc,timeZone)", None, 200, SHEET_GET),
        # a difference the tool must report: Google's title vs ours after a rename we do not replay
        _interaction("GET", f"https://sheets.googleapis.com/v4/spreadsheets/{sid}?fields=properties.title", None, 200,
                     {"properties": {"title": "Renamed elsewhere"}}),
    ]}
    (tmp_path / "tests" / "cassettes").mkdir(parents=True)
    (tmp_path / "tests" / "cassettes" / "ClientTest.test_create.json").write_text(json.dumps(cassette))
    return tmp_path


def test_replay_maps_ids_and_reports_each_difference(tool, checkout):
    results = tool.replay_cassette(checkout / "tests" / "cassettes" / "ClientTest.test_create.json")
    assert [r["diffs"] for r in results[:2]] == [[], []]  # Google's id mapped to the emulator's
    assert results[2]["diffs"] == [("properties.title", "value", "Renamed elsewhere", "Test")]


def test_replay_command_prints_the_share(tool, checkout, capsys):
    assert tool.main(["replay", "--gspread", str(checkout)]) == 0
    out = capsys.readouterr().out
    assert "1 cassettes, 3 responses: 2 equal to Google's (66.7%)" in out
    assert "properties.title  value: 'Renamed elsewhere' vs 'Test'" in out


def test_a_missing_checkout_is_one_clear_line(tool, tmp_path, monkeypatch):
    monkeypatch.delenv("GSPREAD_CHECKOUT", raising=False)
    with pytest.raises(SystemExit, match="give the path of a gspread checkout"):
        tool.main(["replay"])
    with pytest.raises(SystemExit, match="has no tests/cassettes"):
        tool.main(["replay", "--gspread", str(tmp_path)])
