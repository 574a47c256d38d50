"""spreadsheets.create and spreadsheets.get through gspread and raw REST.

Expected shapes follow the Sheets v4 reference (Spreadsheet, SheetProperties, GridData) and
what Google answers for an API-created spreadsheet: title "Untitled spreadsheet", locale en_US,
one GRID sheet "Sheet1" with sheetId 0 and 1000x26 cells.
"""

from __future__ import annotations

import gspread
import pytest

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
OWNER = "owner@agency.test"


def create(emu, body=None, user=OWNER, **params):
    r = emu.session(user).post(SHEETS, json=body or {}, params=params)
    return r.status_code, r.json()


def get(emu, sid, user=OWNER, **params):
    r = emu.session(user).get(f"{SHEETS}/{sid}", params=params)
    return r.status_code, r.json()


def test_create_defaults_match_google(emu):
    status, ss = create(emu)
    assert status == 200
    sid = ss["spreadsheetId"]
    assert ss["spreadsheetUrl"] == f"https://docs.google.com/spreadsheets/d/{sid}/edit"
    p = ss["properties"]
    assert (p["title"], p["locale"], p["autoRecalc"], p["timeZone"]) == (
        "Untitled spreadsheet", "en_US", "ON_CHANGE", "Etc/GMT")
    assert p["defaultFormat"]["textFormat"]["fontSize"] == 10
    [sheet] = ss["sheets"]
    assert sheet["properties"] == {"sheetId": 0, "title": "Sheet1", "index": 0, "sheetType": "GRID",
                                   "gridProperties": {"rowCount": 1000, "columnCount": 26}}
    assert "data" not in sheet  # create answers without grid data


def test_create_honours_properties_and_sheets(emu):
    status, ss = create(emu, {
        "properties": {"title": "Acme", "locale": "ru_RU", "timeZone": "Europe/Moscow"},
        "sheets": [{"properties": {"title": "card", "gridProperties": {"rowCount": 20, "columnCount": 4,
                                                                       "frozenRowCount": 1}}},
                   {"properties": {"title": "backlog", "sheetId": 77}},
                   {}]})
    assert status == 200, ss
    assert ss["properties"]["locale"] == "ru_RU" and ss["properties"]["timeZone"] == "Europe/Moscow"
    props = [s["properties"] for s in ss["sheets"]]
    assert [p["title"] for p in props] == ["card", "backlog", "Sheet3"]
    assert [p["index"] for p in props] == [0, 1, 2]
    assert props[0]["sheetId"] == 0 and props[1]["sheetId"] == 77
    assert len({p["sheetId"] for p in props}) == 3
    assert props[0]["gridProperties"] == {"rowCount": 20, "columnCount": 4, "frozenRowCount": 1}
    assert props[2]["gridProperties"] == {"rowCount": 1000, "columnCount": 26}


def test_create_gives_the_caller_an_owner_permission_and_a_drive_file(emu):
    _, ss = create(emu, {"properties": {"title": "Mine"}})
    gc = emu.gspread_client(OWNER)
    sh = gc.open_by_key(ss["spreadsheetId"])
    perms = sh.list_permissions()
    assert [(p["role"], p["emailAddress"]) for p in perms] == [("owner", OWNER)]
    assert gc.get_file_drive_metadata(sh.id)["name"] == "Mine"
    # nobody else can see it
    with pytest.raises(PermissionError):  # gspread's translation of Google's 403
        emu.gspread_client("stranger@else.test").open_by_key(sh.id)


def test_create_rejects_duplicate_titles_and_sheet_ids(emu, allow_invalid_requests):
    status, body = create(emu, {"sheets": [{"properties": {"title": "A"}}, {"properties": {"title": "a"}}]})
    assert status == 400 and 'A sheet with the name "a" already exists' in body["error"]["message"]
    status, body = create(emu, {"sheets": [{"properties": {"sheetId": 5}}, {"properties": {"sheetId": 5}}]})
    assert status == 400 and "5" in body["error"]["message"]
    assert not emu.files  # nothing half-made is left behind


def test_create_rejects_unknown_fields_and_non_grid_sheets(emu, allow_invalid_requests):
    status, body = create(emu, {"properties": {"title": "x", "colour": "red"}})
    assert status == 400 and '"colour"' in body["error"]["message"]
    status, body = create(emu, {"sheets": [{"properties": {"sheetType": "OBJECT"}}]})
    assert status == 400 and "GRID" in body["error"]["message"]


def test_create_enforces_the_ten_million_cell_limit(emu):
    status, body = create(emu, {"sheets": [{"properties": {"gridProperties": {"rowCount": 400_000,
                                                                               "columnCount": 26}}}]})
    assert status == 400 and "10000000" in body["error"]["message"]
    status, _ = create(emu, {"sheets": [{"properties": {"gridProperties": {"rowCount": 100_000,
                                                                          "columnCount": 100}}}]})
    assert status == 200  # exactly at the limit is fine


def test_create_with_initial_structure(emu):
    status, ss = create(emu, {"sheets": [{
        "properties": {"title": "S", "gridProperties": {"rowCount": 10, "columnCount": 5}},
        "merges": [{"startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 3}],
        "protectedRanges": [{"range": {"startColumnIndex": 0, "endColumnIndex": 1}, "description": "ids"}],
        "developerMetadata": [{"metadataKey": "sheetsync.sheet", "metadataValue": "backlog",
                               "visibility": "DOCUMENT"}],
    }], "namedRanges": [{"name": "ids", "range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1}}]})
    assert status == 200, ss
    sheet = ss["sheets"][0]
    # sheet 0's GridRanges come without sheetId, as on Google
    assert sheet["merges"][0].get("sheetId", 0) == sheet["properties"]["sheetId"]
    assert sheet["protectedRanges"][0]["description"] == "ids"
    assert sheet["developerMetadata"][0]["location"] == {"locationType": "SHEET", "sheetId": 0}
    assert ss["namedRanges"][0]["name"] == "ids"


def test_gspread_opens_and_lists_worksheets(emu, owner_gc):
    _, ss = create(emu, {"properties": {"title": "G"}, "sheets": [{"properties": {"title": "one"}},
                                                                  {"properties": {"title": "two"}}]})
    sh = owner_gc.open_by_key(ss["spreadsheetId"])
    assert sh.title == "G"
    assert [w.title for w in sh.worksheets()] == ["one", "two"]
    assert sh.worksheet("two").index == 1
    assert sh.get_worksheet_by_id(ss["sheets"][1]["properties"]["sheetId"]).title == "two"
    meta = sh.fetch_sheet_metadata()
    assert "data" not in meta["sheets"][0]
    with pytest.raises(gspread.exceptions.WorksheetNotFound):
        sh.worksheet("three")
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        owner_gc.open_by_key("no-such-spreadsheet")


def test_get_with_ranges_and_grid_data(emu, owner_gc):
    _, ss = create(emu, {"sheets": [{"properties": {"title": "A b", "gridProperties": {"rowCount": 6,
                                                                                     "columnCount": 4}}},
                                    {"properties": {"title": "Other"}}]})
    sid = ss["spreadsheetId"]
    ws = owner_gc.open_by_key(sid).worksheet("A b")
    ws.update([["h1", "h2"], ["", "x"]], "B2", raw=True)
    status, out = get(emu, sid, ranges="'A b'!A1:D5", includeGridData="true")
    assert status == 200
    assert [s["properties"]["title"] for s in out["sheets"]] == ["A b"]  # only the sheets the ranges touch
    [gd] = out["sheets"][0]["data"]
    assert "startRow" not in gd and "startColumn" not in gd  # zero is omitted, as Google does
    rows = gd["rowData"]
    assert len(rows) == 3  # trailing empty rows trimmed
    assert rows[0] == {}
    assert [c.get("userEnteredValue") for c in rows[1]["values"]] == [None, {"stringValue": "h1"},
                                                                      {"stringValue": "h2"}]
    assert rows[2]["values"][0] == {} and len(rows[2]["values"]) == 3  # trailing empty cells trimmed
    assert gd["rowMetadata"] == [{"pixelSize": 21}] * 5
    assert gd["columnMetadata"] == [{"pixelSize": 100}] * 4
    # a window that does not start at A1, and two ranges on one sheet
    _, out = get(emu, sid, ranges=["'A b'!C3:D4", "'A b'!B2"], includeGridData="true")
    gds = out["sheets"][0]["data"]
    assert gds[0]["startRow"] == 2 and gds[0]["startColumn"] == 2
    assert gds[0]["rowData"] == [{"values": [{"userEnteredValue": {"stringValue": "x"},
                                              **{k: v for k, v in gds[0]["rowData"][0]["values"][0].items()
                                                 if k != "userEnteredValue"}}]}]
    assert gds[1]["rowData"][0]["values"][0]["userEnteredValue"] == {"stringValue": "h1"}
    # ranges without grid data: only the touched sheets, no data
    _, out = get(emu, sid, ranges="Other!A1")
    assert [s["properties"]["title"] for s in out["sheets"]] == ["Other"] and "data" not in out["sheets"][0]


def test_get_include_grid_data_without_ranges_returns_every_sheet(emu):
    _, ss = create(emu, {"sheets": [{"properties": {"gridProperties": {"rowCount": 3, "columnCount": 2}}},
                                    {"properties": {"gridProperties": {"rowCount": 2, "columnCount": 2}}}]})
    _, out = get(emu, ss["spreadsheetId"], includeGridData="true")
    assert [len(s["data"][0]["rowMetadata"]) for s in out["sheets"]] == [3, 2]
    assert all("rowData" not in s["data"][0] for s in out["sheets"])  # empty sheets have no rowData


def test_get_rejects_bad_ranges_and_parameters(emu, allow_invalid_requests):
    _, ss = create(emu, {"sheets": [{"properties": {"gridProperties": {"rowCount": 5, "columnCount": 5}}}]})
    sid = ss["spreadsheetId"]
    status, body = get(emu, sid, ranges="Nope!A1")
    assert status == 400 and "Nope!A1" in body["error"]["message"]
    status, body = get(emu, sid, ranges="Sheet1!A1:Z99")
    assert status == 400 and "exceeds grid limits" in body["error"]["message"]
    status, body = get(emu, sid, includeGridDataa="true")
    assert status == 400 and '"includeGridDataa"' in body["error"]["message"]
    status, body = get(emu, sid, commentsViewMode="COMMENTS_VIEW_MODE_INCLUDED")
    assert status == 400 and "commentsViewMode" in body["error"]["message"]
    status, body = get(emu, sid, includeGridData="yes")
    assert status == 400
    status, _ = get(emu, sid, excludeTablesInBandedRanges="true")
    assert status == 200  # there are no tables, so excluding them changes nothing


def test_get_unknown_id_and_roles(emu, owner_gc):
    status, body = get(emu, "missing")
    assert status == 404 and body["error"]["status"] == "NOT_FOUND"
    _, ss = create(emu)
    sh = owner_gc.open_by_key(ss["spreadsheetId"])
    sh.share("reader@agency.test", perm_type="user", role="reader", notify=False)
    assert get(emu, sh.id, user="reader@agency.test")[0] == 200
    status, body = get(emu, sh.id, user="nobody@agency.test")
    assert status == 403 and body["error"]["status"] == "PERMISSION_DENIED"


def test_create_with_initial_grid_data(emu, owner_gc):
    status, ss = create(emu, {"sheets": [{"properties": {"title": "D"}, "data": [{
        "startRow": 1, "startColumn": 1,
        "rowData": [{"values": [{"userEnteredValue": {"stringValue": "x"}},
                                {"userEnteredValue": {"numberValue": 2}}]}],
        "columnMetadata": [{"pixelSize": 150}],
    }]}]})
    assert status == 200, ss
    ws = owner_gc.open_by_key(ss["spreadsheetId"]).worksheet("D")
    assert ws.get_all_values() == [["", "", ""], ["", "x", "2"]]
    gd = get(emu, ss["spreadsheetId"], ranges="D!A1:C2", includeGridData="true")[1]["sheets"][0]["data"][0]
    assert [c["pixelSize"] for c in gd["columnMetadata"]] == [100, 150, 100]
