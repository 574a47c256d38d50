"""The Discovery validator (gsheets_emulator.discovery) and the pytest plugin wiring it into every request."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from gsheets_emulator import Emulator, discovery


def test_clean_batch_update_has_no_problems():
    body = {"requests": [
        {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat.textFormat.bold"}},
        {"updateDimensionProperties": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0,
                                                 "endIndex": 1}, "properties": {"pixelSize": 120},
                                       "fields": "pixelSize"}},
    ], "includeSpreadsheetInResponse": False}
    assert discovery.problems("sheets.spreadsheets.batchUpdate", body) == []


def test_unknown_fields_enums_and_types_are_reported():
    body = {"requests": [
        {"addSheet": {"properties": {"title": "x", "colour": "red"}}},
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "DIAGONAL", "startIndex": "a"}}},
        {"frobnicate": {}},
    ]}
    found = discovery.problems("sheets.spreadsheets.batchUpdate", body)
    assert "body.requests[0].addSheet.properties.colour: unknown field" in found
    assert any(p.startswith("body.requests[1].insertDimension.range.dimension: 'DIAGONAL' is not one of") for p in found)
    assert any(p.startswith("body.requests[1].insertDimension.range.startIndex: expected an integer") for p in found)
    assert "body.requests[2].frobnicate: unknown field" in found


def test_values_and_query_parameters():
    body = {"valueInputOption": "RAW", "data": [{"range": "A1", "values": [["x", 1, True, None]]}]}
    assert discovery.problems("sheets.spreadsheets.values.batchUpdate", body) == []
    bad = discovery.problems("sheets.spreadsheets.values.get", None,
                             {"valueRenderOption": ["PRETTY"], "colour": ["red"], "fields": ["range"]})
    assert bad == ["query.valueRenderOption: 'PRETTY' is not one of "
                   "['FORMATTED_VALUE', 'UNFORMATTED_VALUE', 'FORMULA']", "query.colour: unknown parameter"]


def test_drive_bodies_and_maps():
    ok = {"name": "x", "mimeType": "application/vnd.google-apps.spreadsheet", "appProperties": {"a": "1"}}
    assert discovery.problems("drive.files.create", ok) == []
    assert discovery.problems("drive.files.create", {"title": "x"}) == ["body.title: unknown field"]
    # gspread's share() sends v2's withLink; Google accepts it, so the validator tolerates it
    assert discovery.problems("drive.permissions.create",
                              {"type": "user", "role": "reader", "emailAddress": "a@x.test", "withLink": False}) == []


def _fake(name, body, query=None):
    return SimpleNamespace(name=name, method="POST", path="/x", headers={"content-type": "application/json"},
                           body=json.dumps(body).encode(), query=query or {})


def test_hook_raises_when_the_emulator_accepted_an_invalid_request(allow_invalid_requests):
    bad = _fake("sheets.spreadsheets.batchUpdate", {"requests": [{"frobnicate": {}}]})
    with pytest.raises(discovery.DiscoveryViolation, match="frobnicate"):
        discovery.check_request(bad, 200)
    discovery.check_request(bad, 400)  # rejected by the emulator: recorded, not raised
    assert [s for _, s, _ in allow_invalid_requests] == [200, 400]
    allow_invalid_requests.clear()


def test_hook_is_installed_for_every_emulator(allow_invalid_requests):
    assert discovery.check_request in Emulator.validators
    emu = Emulator()
    gc = emu.gspread_client("o@x.test")
    sh = gc.create("D")
    r = emu.session("o@x.test").post(f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}:batchUpdate",
                                     json={"requests": [{"frobnicate": {}}]})
    assert r.status_code == 400  # the emulator rejects it as Google would...
    assert allow_invalid_requests and allow_invalid_requests[-1][0] == "sheets.spreadsheets.batchUpdate"
    allow_invalid_requests.clear()  # ...and the suite would have failed this test without the fixture


pytest_plugins = ["pytester"]


def test_a_test_sending_an_invalid_request_fails(pytester):
    """Run a tiny suite with the installed plugin switched on: the invalid request fails its test unless opted in."""
    pytester.makeini("[pytest]\ngsheets_emulator_validate = true\n")
    pytester.makepyfile(test_x='''
        URL = "https://sheets.googleapis.com/v4/spreadsheets/{}:batchUpdate"

        def _send(emu):
            sh = emu.gspread_client("o@x.test").create("D")
            return emu.session("o@x.test").post(URL.format(sh.id), json={"requests": [{"frobnicate": {}}]})

        def test_not_opted_in(emulator):
            assert _send(emulator).status_code == 400

        def test_opted_in(emulator, allow_invalid_requests):
            assert _send(emulator).status_code == 400
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*requests that Google's Discovery documents reject were sent*",
                                 "*sheets.spreadsheets.batchUpdate -> 400: body.requests[[]0[]].frobnicate: unknown field*"])
