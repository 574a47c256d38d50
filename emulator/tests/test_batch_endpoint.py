"""spreadsheets.batchUpdate as an endpoint: validation, replies, atomicity, the updated spreadsheet.

Reference: BatchUpdateSpreadsheetRequest / BatchUpdateSpreadsheetResponse ("replies ... will
be in the same order as the requests; some requests have empty replies"); "if any request is
not valid, the entire request will fail and nothing will be applied".
"""

from __future__ import annotations

import gspread
import pytest

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
OWNER = "owner@agency.test"


@pytest.fixture
def sh(owner_gc):
    return owner_gc.create("Batch")


def post(emu, sid, body, user=OWNER, **params):
    r = emu.session(user).post(f"{SHEETS}/{sid}:batchUpdate", json=body, params=params)
    return r.status_code, r.json()


def test_replies_are_aligned_with_requests_and_empty_where_google_gives_none(sh):
    res = sh.batch_update({"requests": [
        {"addSheet": {"properties": {"title": "A"}}},
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 2}}},
        {"addNamedRange": {"namedRange": {"name": "top", "range": {"sheetId": 0, "endRowIndex": 1}}}},
        {"updateSpreadsheetProperties": {"properties": {"title": "Renamed"}, "fields": "title"}},
    ]})
    assert res["spreadsheetId"] == sh.id
    replies = res["replies"]
    assert len(replies) == 4
    assert replies[0]["addSheet"]["properties"]["title"] == "A"
    assert replies[1] == {} and replies[3] == {}
    assert replies[2]["addNamedRange"]["namedRange"]["name"] == "top"
    assert "updatedSpreadsheet" not in res


def test_unknown_and_malformed_request_kinds_are_named(emu, sh, allow_invalid_requests):
    status, body = post(emu, sh.id, {"requests": [{"addSheet": {}}, {"frobnicate": {}}]})
    assert status == 400 and '"frobnicate"' in body["error"]["message"] and "requests[1]" in body["error"]["message"]
    status, body = post(emu, sh.id, {"requests": [{"addSheet": {}, "deleteSheet": {"sheetId": 0}}]})
    assert status == 400 and "addSheet" in body["error"]["message"] and "deleteSheet" in body["error"]["message"]
    status, body = post(emu, sh.id, {"requests": [{}]})
    assert status == 400 and "requests[0]" in body["error"]["message"]
    status, body = post(emu, sh.id, {"requests": []})
    assert status == 400 and "at least one request" in body["error"]["message"]
    status, body = post(emu, sh.id, {"requests": [{"addSheet": {"properties": {"titel": "x"}}}]})
    assert status == 400 and '"titel"' in body["error"]["message"]
    status, body = post(emu, sh.id, {"requests": [{"addSheet": {}}], "includeEverything": True})
    assert status == 400 and '"includeEverything"' in body["error"]["message"]
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]


def test_a_real_request_kind_the_emulator_lacks_is_a_loud_400(emu, sh):
    status, body = post(emu, sh.id, {"requests": [{"addChart": {"chart": {}}}]})
    assert status == 400 and "addChart" in body["error"]["message"] and "not implement" in body["error"]["message"]


def test_a_failing_request_rolls_back_the_whole_batch(emu, sh, owner_gc):
    sh.sheet1.update([["keep"]], "A1")
    before = owner_gc.get_file_drive_metadata(sh.id)
    mark = emu.mark()
    status, body = post(emu, sh.id, {"requests": [
        {"addSheet": {"properties": {"title": "New"}}},
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 3}}},
        {"updateSpreadsheetProperties": {"properties": {"title": "Changed"}, "fields": "title"}},
        {"addSheet": {"properties": {"title": "new"}}},  # a duplicate title (case-insensitive)
    ]})
    assert status == 400
    assert body["error"]["message"].startswith("Invalid requests[3].addSheet: A sheet with the name")
    assert emu.calls(mark)["sheets.spreadsheets.batchUpdate"] == 1
    sh2 = owner_gc.open_by_key(sh.id)
    assert sh2.title == "Batch"
    assert [w.title for w in sh2.worksheets()] == ["Sheet1"]
    assert sh2.sheet1.acell("A1").value == "keep"  # not pushed down by the rolled-back insert
    after = owner_gc.get_file_drive_metadata(sh.id)
    assert after["modifiedTime"] == before["modifiedTime"]


def test_success_bumps_modified_time_and_drive_name_follows_the_title(sh, owner_gc):
    before = owner_gc.get_file_drive_metadata(sh.id)["modifiedTime"]
    sh.batch_update({"requests": [{"updateSpreadsheetProperties": {"properties": {"title": "T2"},
                                                                   "fields": "title"}}]})
    meta = owner_gc.get_file_drive_metadata(sh.id)
    assert meta["modifiedTime"] > before and meta["name"] == "T2"


def test_include_spreadsheet_in_response_with_ranges_and_grid_data(emu, sh):
    sh.sheet1.update([["a", "b"], ["c", "d"]], "A1")
    status, res = post(emu, sh.id, {
        "requests": [{"addSheet": {"properties": {"title": "Extra"}}}],
        "includeSpreadsheetInResponse": True, "responseRanges": ["Sheet1!A1:B1"], "responseIncludeGridData": True})
    assert status == 200
    up = res["updatedSpreadsheet"]
    assert up["spreadsheetId"] == sh.id
    [s1] = up["sheets"]  # only the sheet the response range touches
    values = [c["userEnteredValue"]["stringValue"] for c in s1["data"][0]["rowData"][0]["values"]]
    assert values == ["a", "b"] and len(s1["data"][0]["rowData"]) == 1
    status, res = post(emu, sh.id, {"requests": [{"addSheet": {}}], "includeSpreadsheetInResponse": True})
    assert [s["properties"]["title"] for s in res["updatedSpreadsheet"]["sheets"]] == ["Sheet1", "Extra", "Sheet3"]
    assert all("data" not in s for s in res["updatedSpreadsheet"]["sheets"])
    # response ranges are ignored unless the spreadsheet is asked for
    status, res = post(emu, sh.id, {"requests": [{"addSheet": {}}], "responseIncludeGridData": True})
    assert status == 200 and "updatedSpreadsheet" not in res


def test_fields_parameter_masks_the_batch_response(emu, sh):
    status, res = post(emu, sh.id, {"requests": [{"addSheet": {"properties": {"title": "M"}}}]},
                       fields="replies/addSheet/properties/sheetId")
    assert status == 200 and list(res) == ["replies"]
    assert list(res["replies"][0]["addSheet"]["properties"]) == ["sheetId"]


def test_readers_and_commenters_cannot_batch_update(emu, sh):
    sh.share("r@agency.test", perm_type="user", role="reader", notify=False)
    sh.share("c@agency.test", perm_type="user", role="commenter", notify=False)
    for user in ("r@agency.test", "c@agency.test"):
        with pytest.raises(gspread.exceptions.APIError) as e:
            emu.gspread_client(user).open_by_key(sh.id).batch_update({"requests": [{"addSheet": {}}]})
        assert e.value.response.status_code == 403
    sh.share("w@agency.test", perm_type="user", role="writer", notify=False)
    emu.gspread_client("w@agency.test").open_by_key(sh.id).batch_update({"requests": [{"addSheet": {}}]})
    assert len(sh.worksheets()) == 2


def test_null_fields_count_as_unset(emu, sh):
    """gspread sends ``"insertSheetIndex": null``; Google's JSON parser treats null as not set."""
    status, res = post(emu, sh.id, {"requests": [{"duplicateSheet": {"sourceSheetId": 0, "insertSheetIndex": None,
                                                                     "newSheetName": None}}]})
    assert status == 200 and res["replies"][0]["duplicateSheet"]["properties"]["title"] == "Copy of Sheet1"


def test_rollback_restores_cells_changed_in_place(emu, sh, owner_gc):
    """A merge clears the cells it swallows; a later failure must bring them back."""
    sh.sheet1.update([["a", "b"], ["c", "d"]], "A1")
    other = sh.add_worksheet("Other", 5, 5)
    other.update([["untouched"]], "A1")
    status, body = post(emu, sh.id, {"requests": [
        {"mergeCells": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0,
                                  "endColumnIndex": 2}, "mergeType": "MERGE_ALL"}},
        {"updateCells": {"rows": [{"values": [{"userEnteredValue": {"stringValue": "zap"}}]}],
                         "fields": "userEnteredValue", "start": {"sheetId": 0, "rowIndex": 3, "columnIndex": 0}}},
        {"deleteSheet": {"sheetId": other.id}},
        {"deleteSheet": {"sheetId": 424242}},
    ]})
    assert status == 400 and "requests[3].deleteSheet" in body["error"]["message"]
    sh2 = owner_gc.open_by_key(sh.id)
    assert sh2.sheet1.get_all_values() == [["a", "b"], ["c", "d"]]
    assert sh2.worksheet("Other").acell("A1").value == "untouched"
    assert "merges" not in sh2.fetch_sheet_metadata()["sheets"][0]


def test_touched_sheets_are_read_from_the_requests():
    from gsheets_emulator.sheets_batch import touched_sheets

    assert touched_sheets([{"addSheet": {"properties": {"title": "x"}}}]) == set()
    assert touched_sheets([{"insertDimension": {"range": {"sheetId": 7, "dimension": "ROWS"}}}]) == {7}
    assert touched_sheets([{"mergeCells": {"range": {"startRowIndex": 1}}}]) == {0}  # no sheetId means 0
    assert touched_sheets([{"duplicateSheet": {"sourceSheetId": 3}}]) == {3}
    assert touched_sheets([{"findReplace": {"find": "a", "allSheets": True}}]) is None
    assert touched_sheets([{"addChart": {}}]) is None
