"""The values endpoints over a real socket: percent-encoded unicode, quotes, spaces and '!' in ranges."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests

from gsheets_emulator.server import EmulatorServer, loopback_client


@pytest.fixture
def server(emu):
    with EmulatorServer(emu) as srv:
        yield srv


def test_quoted_unicode_ranges_over_loopback(server):
    gc = loopback_client(server.url, user="owner@agency.test")
    sh = gc.create("Loopback")
    ws = sh.add_worksheet("Бэклог клиента's", rows=10, cols=4)
    ws.update([["T-1", "=1+1", "5%"]], "A2", raw=False)
    assert ws.get("A2:C2") == [["T-1", "2", "5%"]]
    got = sh.values_batch_get(["'Бэклог клиента''s'!A2:C2", "'Бэклог клиента''s'!B:B"],
                              params={"valueRenderOption": "UNFORMATTED_VALUE"})
    assert [v["range"] for v in got["valueRanges"]] == ["'Бэклог клиента''s'!A2:C2", "'Бэклог клиента''s'!B1:B10"]
    assert got["valueRanges"][0]["values"] == [["T-1", 2, 0.05]]
    ws.append_rows([["T-2"]])
    assert ws.col_values(1) == ["", "T-1", "T-2"]


def test_raw_http_values_round_trip_and_error_body(server, emu):
    sh = emu.gspread_client("owner@agency.test").create("raw")
    base = f"{server.url}/v4/spreadsheets/{sh.id}/values/"
    auth = {"Authorization": "Bearer owner@agency.test"}
    rng = quote("Sheet1!A1:B2", safe="")
    r = requests.put(base + rng, params={"valueInputOption": "RAW"}, json={"values": [[1, "a"]]}, headers=auth,
                     timeout=10)
    assert r.status_code == 200 and r.json()["updatedRange"] == "Sheet1!A1:B1"
    r = requests.get(base + rng, headers=auth, timeout=10)
    assert r.json() == {"range": "Sheet1!A1:B2", "majorDimension": "ROWS", "values": [["1", "a"]]}
    r = requests.get(base + quote("Nope!A1", safe=""), headers=auth, timeout=10)
    assert r.status_code == 400
    assert r.json() == {"error": {"code": 400, "message": "Unable to parse range: Nope!A1",
                                  "status": "INVALID_ARGUMENT"}}
