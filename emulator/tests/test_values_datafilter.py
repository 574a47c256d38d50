"""values:batchGetByDataFilter / batchUpdateByDataFilter / batchClearByDataFilter."""

from __future__ import annotations


def _column_metadata(sh, key, value, col):
    sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": key, "metadataValue": value, "visibility": "DOCUMENT",
        "location": {"dimensionRange": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": col,
                                        "endIndex": col + 1}}}}}]})


def test_get_by_a1_and_grid_range(ws, rest):
    ws.update([[1, 2], [3, 4]], "A1")
    status, body = rest.post("/values:batchGetByDataFilter", {
        "dataFilters": [{"a1Range": "B1:B2"},
                        {"gridRange": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2}}],
        "valueRenderOption": "UNFORMATTED_VALUE"})
    assert status == 200
    got = body["valueRanges"]
    assert got[0] == {"valueRange": {"range": "Sheet1!B1:B2", "majorDimension": "ROWS", "values": [[2], [4]]},
                      "dataFilters": [{"a1Range": "B1:B2"}]}
    assert got[1]["valueRange"]["range"] == "Sheet1!A2:Z2"
    assert got[1]["valueRange"]["values"] == [[3, 4]]


def test_get_and_update_by_column_metadata(ws, sh, rest):
    ws.update([["id", "status"], ["T-1", "backlog"], ["T-2", "done"]], "A1")
    _column_metadata(sh, "sheetsync.column", "status", 1)
    lookup = {"developerMetadataLookup": {"metadataKey": "sheetsync.column", "metadataValue": "status"}}
    _, body = rest.post("/values:batchGetByDataFilter", {"dataFilters": [lookup]})
    assert body["valueRanges"][0]["valueRange"]["range"] == "Sheet1!B1:B1000"
    assert body["valueRanges"][0]["valueRange"]["values"] == [["status"], ["backlog"], ["done"]]
    # the column moves; the filter still finds it
    sh.batch_update({"requests": [{"insertDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS",
                                                                 "startIndex": 0, "endIndex": 1}}}]})
    status, body = rest.post("/values:batchUpdateByDataFilter", {
        "valueInputOption": "RAW", "includeValuesInResponse": True,
        "data": [{"dataFilter": lookup, "majorDimension": "COLUMNS", "values": [["Status", "planned"]]}]})
    assert status == 200
    resp = body["responses"][0]
    assert resp["updatedRange"] == "Sheet1!C1:C2"
    assert resp["dataFilter"] == lookup
    assert resp["updatedData"] == {"range": "Sheet1!C1:C2", "majorDimension": "COLUMNS",
                                   "values": [["Status", "planned"]]}
    assert body["totalUpdatedCells"] == 2
    assert ws.get("C1:C3") == [["Status"], ["planned"], ["done"]]


def test_metadata_matching_nothing_returns_nothing(rest):
    status, body = rest.post("/values:batchGetByDataFilter", {
        "dataFilters": [{"developerMetadataLookup": {"metadataKey": "nope"}}]})
    assert status == 200 and "valueRanges" not in body


def test_clear_by_data_filter(ws, rest, sh):
    ws.update([[1, 2]], "A1")
    status, body = rest.post("/values:batchClearByDataFilter", {"dataFilters": [{"a1Range": "A1"}]})
    assert body == {"spreadsheetId": sh.id, "clearedRanges": ["Sheet1!A1"]}
    assert ws.get_all_values() == [["", "2"]]


def test_data_filter_needs_exactly_one_kind(rest, allow_invalid_requests):
    status, body = rest.post("/values:batchGetByDataFilter", {"dataFilters": [{"a1Range": "A1", "gridRange": {}}]})
    assert status == 400 and "exactly one" in body["error"]["message"]
    status, body = rest.post("/values:batchGetByDataFilter", {"dataFilters": [{"sql": "x"}]})
    assert status == 400 and '"sql"' in body["error"]["message"]


def _row_metadata(sh, key, row):
    sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": key, "visibility": "DOCUMENT",
        "location": {"dimensionRange": {"sheetId": 0, "dimension": "ROWS", "startIndex": row,
                                        "endIndex": row + 1}}}}}]})


def test_every_lookup_form_works_in_the_values_endpoints(ws, sh, rest):
    """metadataLocation (exact and intersecting) and locationType select the same blocks as search does."""
    ws.update([["id", "status"], ["T-1", "backlog"], ["T-2", "done"]], "A1")
    _column_metadata(sh, "col", "status", 1)
    _row_metadata(sh, "row", 2)
    exact = {"developerMetadataLookup": {"metadataLocation": {"dimensionRange": {
        "sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2}}}}
    crossing = {"developerMetadataLookup": {"locationMatchingStrategy": "INTERSECTING_LOCATION",
                                            "metadataLocation": {"dimensionRange": {
                                                "sheetId": 0, "dimension": "ROWS", "startIndex": 1,
                                                "endIndex": 3}}}}
    by_type = {"developerMetadataLookup": {"locationType": "ROW"}}
    status, body = rest.post("/values:batchGetByDataFilter", {"dataFilters": [exact, crossing, by_type]})
    assert status == 200, body
    got = [(v["valueRange"]["range"], v["valueRange"].get("values")) for v in body["valueRanges"]]
    # the crossing rows [1, 3) meet the status column (a column crosses every row) and row 3's metadata
    column, row = ("Sheet1!B1:B1000", [["status"], ["backlog"], ["done"]]), ("Sheet1!A3:Z3", [["T-2", "done"]])
    assert got[0] == column and sorted(got[1:3]) == sorted([column, row]) and got[3] == row
    assert [v["dataFilters"] for v in body["valueRanges"]] == [[exact], [crossing], [crossing], [by_type]]
    # search agrees on what the crossing lookup matches
    status, found = rest.post("/developerMetadata:search", {"dataFilters": [crossing]})
    assert sorted(m["developerMetadata"]["metadataKey"] for m in found["matchedDeveloperMetadata"]) == ["col", "row"]
    status, body = rest.post("/values:batchUpdateByDataFilter", {"valueInputOption": "RAW", "data": [
        {"dataFilter": exact, "values": [["Status"]]},
        {"dataFilter": {"developerMetadataLookup": {"metadataLocation": {"dimensionRange": {
            "sheetId": 0, "dimension": "ROWS", "startIndex": 2, "endIndex": 3}}}}, "values": [["T-9"]]}]})
    assert status == 200, body
    assert ws.get_all_values() == [["id", "Status"], ["T-1", "backlog"], ["T-9", "done"]]
    status, body = rest.post("/values:batchClearByDataFilter", {"dataFilters": [by_type]})
    assert status == 200 and body["clearedRanges"] == ["Sheet1!A3:Z3"]
    assert ws.get_all_values() == [["id", "Status"], ["T-1", "backlog"]]


def test_bad_matching_strategy_is_a_400(rest, allow_invalid_requests):
    status, body = rest.post("/values:batchGetByDataFilter", {"dataFilters": [
        {"developerMetadataLookup": {"metadataKey": "k", "locationMatchingStrategy": "NEAR"}}]})
    assert status == 400 and "NEAR" in body["error"]["message"]
