"""values.update / batchUpdate / clear / batchClear: responses, nulls, grid limits, protection, roles."""

from __future__ import annotations

import pytest


def test_update_response_shape(rest, sh):
    status, body = rest.put("Sheet1!B2", {"values": [[1, 2, 3], [4]]}, valueInputOption="RAW")
    assert status == 200
    assert body == {"spreadsheetId": sh.id, "updatedRange": "Sheet1!B2:D3", "updatedRows": 2,
                    "updatedColumns": 3, "updatedCells": 4}


def test_null_skips_and_empty_string_clears(ws, rest):
    ws.update([["a", "b", "c"]], "A1")
    status, body = rest.put("A1:C1", {"values": [[None, "", "z"]]}, valueInputOption="RAW")
    assert status == 200 and body["updatedCells"] == 2
    assert ws.get_all_values() == [["a", "", "z"]]


def test_value_input_option_is_required(rest, allow_invalid_requests):
    status, body = rest.put("A1", {"values": [[1]]})
    assert status == 400 and "valueInputOption" in body["error"]["message"]


def test_body_range_must_match_url_range(rest):
    status, body = rest.put("A1:B1", {"range": "C1:D1", "values": [[1]]}, valueInputOption="RAW")
    assert status == 400 and "does not match" in body["error"]["message"]
    status, _ = rest.put("A1:B1", {"range": "Sheet1!A1:B1", "values": [[1]]}, valueInputOption="RAW")
    assert status == 200


def test_writing_outside_a_bounded_range_is_rejected(rest):
    status, body = rest.put("A1:B1", {"values": [[1, 2], [3, 4]]}, valueInputOption="RAW")
    assert status == 400
    assert body["error"]["message"] == "Requested writing within range [Sheet1!A1:B1], but tried writing to row [2]"
    status, body = rest.put("A1:B2", {"values": [[1, 2, 3]]}, valueInputOption="RAW")
    assert body["error"]["message"] == ("Requested writing within range [Sheet1!A1:B2], but tried writing to "
                                        "column [C]")


def test_write_beyond_grid_is_googles_grid_limit_error(ws, rest):
    with pytest.raises(Exception) as e:
        ws.update([[1]], "A1001")
    assert "Range ('Sheet1'!A1001) exceeds grid limits. Max rows: 1000, max columns: 26" in str(e.value)
    status, body = rest.put("Y1", {"values": [[1, 2, 3]]}, valueInputOption="RAW")
    assert status == 400
    assert body["error"]["message"] == "Range ('Sheet1'!Y1:AA1) exceeds grid limits. Max rows: 1000, max columns: 26"
    assert "values" not in rest.get("Sheet1")[1]


def test_major_dimension_columns_on_write(ws, rest):
    status, body = rest.put("A1", {"majorDimension": "COLUMNS", "values": [[1, 2], [3]]}, valueInputOption="RAW")
    assert body["updatedRange"] == "Sheet1!A1:B2"
    assert ws.get_all_values() == [["1", "3"], ["2", ""]]


def test_include_values_in_response(rest):
    status, body = rest.put("A1", {"values": [["=1+1", "05"]]}, valueInputOption="USER_ENTERED",
                            includeValuesInResponse="true", responseValueRenderOption="UNFORMATTED_VALUE")
    assert status == 200
    assert body["updatedData"] == {"range": "Sheet1!A1:B1", "majorDimension": "ROWS", "values": [[2, 5]]}


def test_batch_update_totals_and_atomicity(ws, rest, sh):
    status, body = rest.post("/values:batchUpdate", {"valueInputOption": "RAW", "data": [
        {"range": "A1", "values": [[1, 2]]},
        {"range": "'Sheet1'!A3:B3", "values": [["x", "y"]]},
    ]})
    assert status == 200
    # distinct rows and columns touched (WorksheetTest.test_batch_update.json in burnash/gspread)
    assert body["totalUpdatedRows"] == 2 and body["totalUpdatedColumns"] == 2
    assert body["totalUpdatedCells"] == 4 and body["totalUpdatedSheets"] == 1
    assert [r["updatedRange"] for r in body["responses"]] == ["Sheet1!A1:B1", "Sheet1!A3:B3"]
    # one bad range: nothing is written
    status, body = rest.post("/values:batchUpdate", {"valueInputOption": "RAW", "data": [
        {"range": "C1", "values": [["new"]]},
        {"range": "A1001", "values": [["boom"]]},
    ]})
    assert status == 400
    assert ws.acell("C1").value is None


def test_batch_update_rejects_unknown_fields(rest, allow_invalid_requests):
    status, body = rest.post("/values:batchUpdate", {"valueInputOption": "RAW", "data": [], "dryRun": True})
    assert status == 400 and '"dryRun"' in body["error"]["message"]
    status, body = rest.post("/values:batchUpdate", {"valueInputOption": "RAW",
                                                     "data": [{"range": "A1", "values": [[1]], "note": "x"}]})
    assert status == 400 and '"note"' in body["error"]["message"]


def test_nested_values_are_rejected(rest, allow_invalid_requests):
    status, body = rest.put("A1", {"values": [[[1, 2]]]}, valueInputOption="RAW")
    assert status == 400


def test_clear_keeps_formats_and_reports_clamped_range(ws, rest, sh):
    ws.update([[1.5, "x"]], "A1")
    ws.format("A1", {"numberFormat": {"type": "NUMBER", "pattern": "0.000"}})
    status, body = rest.post("/values/" + "Sheet1!A:B" + ":clear")
    assert status == 200 and body == {"spreadsheetId": sh.id, "clearedRange": "Sheet1!A1:B1000"}
    assert "values" not in rest.get("Sheet1")[1]
    ws.update([[2]], "A1")
    assert ws.acell("A1").value == "2.000"  # the format survived the clear


def test_batch_clear(ws, rest, sh):
    ws.update([[1, 2, 3]], "A1")
    ws.batch_clear(["A1", "C1"])
    assert ws.get_all_values() == [["", "2"]]
    status, body = rest.post("/values:batchClear", {"ranges": ["B1", "Sheet1!D1:E2"]})
    assert body == {"spreadsheetId": sh.id, "clearedRanges": ["Sheet1!B1", "Sheet1!D1:E2"]}


def test_reader_and_commenter_cannot_write(sh, rest_as):
    sh.share("reader@client.test", perm_type="user", role="reader", notify=False)
    sh.share("commenter@client.test", perm_type="user", role="commenter", notify=False)
    for who in ("reader@client.test", "commenter@client.test"):
        status, body = rest_as(who).put("A1", {"values": [[1]]}, valueInputOption="RAW")
        assert status == 403 and body["error"]["status"] == "PERMISSION_DENIED"
        status, _ = rest_as(who).post("/values:batchClear", {"ranges": ["A1"]})
        assert status == 403


def test_protected_range_blocks_editors_not_on_its_list(sh, rest_as):
    sh.share("manager@agency.test", perm_type="user", role="writer", notify=False)
    sh.share("lead@agency.test", perm_type="user", role="writer", notify=False)
    sh.batch_update({"requests": [{"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1},
        "editors": {"users": ["owner@agency.test", "lead@agency.test"]}}}}]})
    status, body = rest_as("manager@agency.test").put("A2", {"values": [["T-1"]]}, valueInputOption="RAW")
    assert status == 400 and "protected cell" in body["error"]["message"]
    assert body["error"]["status"] == "FAILED_PRECONDITION"
    status, _ = rest_as("manager@agency.test").put("B2", {"values": [["ok"]]}, valueInputOption="RAW")
    assert status == 200
    status, _ = rest_as("lead@agency.test").put("A2", {"values": [["T-1"]]}, valueInputOption="RAW")
    assert status == 200
    status, _ = rest_as("manager@agency.test").post("/values/A1:A5:clear")
    assert status == 400


def test_writes_bump_version_and_count_cells(emu, sh, rest):
    before = emu.files[sh.id].version
    mark = emu.mark()
    rest.put("A1", {"values": [[1, 2], [3, 4]]}, valueInputOption="RAW")
    assert emu.files[sh.id].version == before + 1
    assert emu.log[mark].cells_written == 4
    assert emu.calls(mark)["sheets.spreadsheets.values.update"] == 1
    rest.get("A1")
    assert emu.files[sh.id].version == before + 1  # reads change nothing
