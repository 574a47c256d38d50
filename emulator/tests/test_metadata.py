"""Developer metadata: create/update/delete request kinds, developerMetadata.get and :search,
DataFilter matching, getByDataFilter, and metadata that lives and dies with its row or column.

Reference: DeveloperMetadata, DeveloperMetadataLocation ("dimensionRange ... must represent a
single row or column"), DeveloperMetadataLookup (all set fields must match;
locationMatchingStrategy EXACT_LOCATION by default, INTERSECTING_LOCATION also matches
"metadata associated with locations that intersect" — e.g. column B for row three),
SearchDeveloperMetadataResponse / MatchedDeveloperMetadata, Create/Update/DeleteDeveloperMetadataResponse.
"""

from __future__ import annotations

import gspread
import pytest

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
OWNER = "owner@agency.test"


@pytest.fixture
def sh(owner_gc):
    sh = owner_gc.create("Meta")
    sh.sheet1.resize(10, 5)
    return sh


def row(i, sid=0):
    return {"dimensionRange": {"sheetId": sid, "dimension": "ROWS", "startIndex": i, "endIndex": i + 1}}


def col(i, sid=0):
    return {"dimensionRange": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": i, "endIndex": i + 1}}


def create(sh, key, value, location, **extra):
    dm = {"metadataKey": key, "metadataValue": value, "visibility": "DOCUMENT", "location": location, **extra}
    return sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": dm}}]}
                           )["replies"][0]["createDeveloperMetadata"]["developerMetadata"]


def search(emu, sh, *filters, user=OWNER):
    r = emu.session(user).post(f"{SHEETS}/{sh.id}/developerMetadata:search", json={"dataFilters": list(filters)})
    assert r.status_code == 200, r.text
    return r.json().get("matchedDeveloperMetadata", [])


def values_of(matches):
    return sorted(m["developerMetadata"]["metadataValue"] for m in matches)


@pytest.fixture
def tagged(sh):
    """Metadata in all four locations: spreadsheet, sheet, row 2, columns 0 and 3."""
    create(sh, "sheetsync.spreadsheet", "acme", {"spreadsheet": True})
    create(sh, "sheetsync.sheet", "backlog", {"sheetId": 0})
    create(sh, "sheetsync.row", "T-2", row(2))
    create(sh, "sheetsync.column", "key", col(0))
    create(sh, "sheetsync.column", "status", col(3))
    return sh


def test_create_reply_and_locations(sh):
    dm = create(sh, "k", "v", row(4))
    assert dm == {"metadataId": dm["metadataId"], "metadataKey": "k", "metadataValue": "v",
                  "location": {"locationType": "ROW", "dimensionRange": {"sheetId": 0, "dimension": "ROWS",
                                                                         "startIndex": 4, "endIndex": 5}},
                  "visibility": "DOCUMENT"}
    assert create(sh, "k", "s", {"spreadsheet": True})["location"] == {"locationType": "SPREADSHEET",
                                                                       "spreadsheet": True}
    assert create(sh, "k", "t", {"sheetId": 0})["location"] == {"locationType": "SHEET", "sheetId": 0}
    assert create(sh, "k", "c", col(1), metadataId=777)["metadataId"] == 777


def test_where_metadata_shows_in_spreadsheets_get(emu, tagged):
    meta = tagged.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A1:E4"})
    assert meta["developerMetadata"][0]["metadataValue"] == "acme"
    s = meta["sheets"][0]
    assert s["developerMetadata"][0]["metadataValue"] == "backlog"
    gd = s["data"][0]
    assert gd["rowMetadata"][2]["developerMetadata"][0]["metadataValue"] == "T-2"
    assert gd["columnMetadata"][3]["developerMetadata"][0]["metadataValue"] == "status"
    assert "developerMetadata" not in gd["rowMetadata"][0]


def test_create_errors(sh, allow_invalid_requests):
    for dm, text in [
        ({"metadataKey": "k", "location": {"spreadsheet": True}}, "visibility"),
        ({"visibility": "DOCUMENT", "location": {"spreadsheet": True}}, "metadataKey"),
        ({"metadataKey": "k", "visibility": "DOCUMENT"}, "location is required"),
        ({"metadataKey": "k", "visibility": "DOCUMENT", "location": {"dimensionRange": {
            "sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 2}}}, "exactly one row"),
        ({"metadataKey": "k", "visibility": "DOCUMENT", "location": {"spreadsheet": True, "sheetId": 0}},
         "exactly one of"),
        ({"metadataKey": "k", "visibility": "DOCUMENT", "location": row(50)}, "outside"),
        ({"metadataKey": "k", "visibility": "DOCUMENT", "location": {"sheetId": 99}}, "No grid with id: 99"),
    ]:
        with pytest.raises(gspread.exceptions.APIError) as e:
            sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": dm}}]})
        assert text in str(e.value), (dm, str(e.value))
    create(sh, "k", "v", {"spreadsheet": True}, metadataId=5)
    with pytest.raises(gspread.exceptions.APIError, match="already exists"):
        create(sh, "k", "v", {"spreadsheet": True}, metadataId=5)


def test_get_by_id(emu, tagged):
    [m] = search(emu, tagged, {"developerMetadataLookup": {"metadataValue": "T-2"}})
    mid = m["developerMetadata"]["metadataId"]
    r = emu.session(OWNER).get(f"{SHEETS}/{tagged.id}/developerMetadata/{mid}")
    assert r.status_code == 200 and r.json() == m["developerMetadata"]
    r = emu.session(OWNER).get(f"{SHEETS}/{tagged.id}/developerMetadata/999999")
    assert r.status_code == 404 and r.json()["error"]["status"] == "NOT_FOUND"
    r = emu.session("stranger@x.test").get(f"{SHEETS}/{tagged.id}/developerMetadata/{mid}")
    assert r.status_code == 403


def test_lookup_fields_must_all_match(emu, tagged):
    lookup = {"metadataKey": "sheetsync.column"}
    assert values_of(search(emu, tagged, {"developerMetadataLookup": lookup})) == ["key", "status"]
    assert values_of(search(emu, tagged, {"developerMetadataLookup": {**lookup, "metadataValue": "status"}})) == [
        "status"]
    assert values_of(search(emu, tagged, {"developerMetadataLookup": {"locationType": "SHEET"}})) == ["backlog"]
    assert values_of(search(emu, tagged, {"developerMetadataLookup": {"visibility": "PROJECT"}})) == []
    assert search(emu, tagged, {"developerMetadataLookup": {"metadataKey": "nope"}}) == []


def test_exact_and_intersecting_location_matching(emu, tagged):
    exact = {"developerMetadataLookup": {"metadataLocation": row(2)}}
    assert values_of(search(emu, tagged, exact)) == ["T-2"]
    inter = {"developerMetadataLookup": {"metadataLocation": row(2), "locationMatchingStrategy":
                                         "INTERSECTING_LOCATION"}}
    # row 3 crosses every column of its sheet, lies inside the sheet and the spreadsheet
    assert values_of(search(emu, tagged, inter)) == ["T-2", "acme", "backlog", "key", "status"]
    sheet_exact = {"developerMetadataLookup": {"metadataLocation": {"sheetId": 0}}}
    assert values_of(search(emu, tagged, sheet_exact)) == ["backlog"]
    multi_rows = {"developerMetadataLookup": {"metadataLocation": {"dimensionRange": {
        "sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 5}}, "locationMatchingStrategy":
        "INTERSECTING_LOCATION", "locationType": "ROW"}}
    assert values_of(search(emu, tagged, multi_rows)) == ["T-2"]


def test_grid_and_a1_filters_match_metadata_on_intersecting_rows_and_columns(emu, tagged):
    by_grid = {"gridRange": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 3,
                             "endColumnIndex": 4}}
    assert values_of(search(emu, tagged, by_grid)) == ["backlog", "status"]
    assert values_of(search(emu, tagged, {"a1Range": "Sheet1!A3"})) == ["T-2", "backlog", "key"]


def test_search_reports_which_filters_matched(emu, tagged):
    f1 = {"developerMetadataLookup": {"metadataValue": "key"}}
    f2 = {"developerMetadataLookup": {"locationType": "COLUMN"}}
    found = {m["developerMetadata"]["metadataValue"]: m["dataFilters"] for m in search(emu, tagged, f1, f2)}
    assert found == {"key": [f1, f2], "status": [f2]}


def test_update_value_and_move_location(emu, tagged):
    res = tagged.batch_update({"requests": [{"updateDeveloperMetadata": {
        "dataFilters": [{"developerMetadataLookup": {"metadataValue": "status"}}],
        "developerMetadata": {"metadataValue": "state", "location": col(4)}, "fields": "metadataValue,location"}}]})
    [dm] = res["replies"][0]["updateDeveloperMetadata"]["developerMetadata"]
    assert dm["metadataValue"] == "state" and dm["location"]["dimensionRange"]["startIndex"] == 4
    [m] = search(emu, tagged, {"developerMetadataLookup": {"metadataLocation": col(4)}})
    assert m["developerMetadata"]["metadataId"] == dm["metadataId"]
    assert search(emu, tagged, {"developerMetadataLookup": {"metadataLocation": col(3)}}) == []
    with pytest.raises(gspread.exceptions.APIError, match="read-only"):
        tagged.batch_update({"requests": [{"updateDeveloperMetadata": {
            "dataFilters": [{"developerMetadataLookup": {"metadataValue": "state"}}],
            "developerMetadata": {"metadataId": 1}, "fields": "metadataId"}}]})


def test_delete_reply_lists_what_was_deleted(emu, tagged):
    res = tagged.batch_update({"requests": [{"deleteDeveloperMetadata": {
        "dataFilter": {"developerMetadataLookup": {"metadataKey": "sheetsync.column"}}}}]})
    gone = res["replies"][0]["deleteDeveloperMetadata"]["deletedDeveloperMetadata"]
    assert sorted(d["metadataValue"] for d in gone) == ["key", "status"]
    assert search(emu, tagged, {"developerMetadataLookup": {"metadataKey": "sheetsync.column"}}) == []


def test_metadata_travels_with_its_column_and_dies_with_its_row(emu, tagged):
    tagged.batch_update({"requests": [
        {"moveDimension": {"source": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 3, "endIndex": 4},
                           "destinationIndex": 0}},
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 3}}},
    ]})
    where = {m["developerMetadata"]["metadataValue"]: m["developerMetadata"]["location"]
             for m in search(emu, tagged, {"developerMetadataLookup": {"locationType": "COLUMN"}},
                             {"developerMetadataLookup": {"locationType": "ROW"}})}
    assert where["status"]["dimensionRange"]["startIndex"] == 0
    assert where["key"]["dimensionRange"]["startIndex"] == 1
    assert where["T-2"]["dimensionRange"]["startIndex"] == 5
    tagged.sheet1.delete_rows(6)  # 1-based: the row holding T-2
    assert search(emu, tagged, {"developerMetadataLookup": {"metadataValue": "T-2"}}) == []


def test_metadata_on_a_deleted_sheet_is_gone_and_duplicates_get_new_ids(emu, tagged):
    dup = tagged.duplicate_sheet(0, new_sheet_name="Dup")
    found = search(emu, tagged, {"developerMetadataLookup": {"metadataValue": "backlog"}})
    assert len(found) == 2 and len({m["developerMetadata"]["metadataId"] for m in found}) == 2
    tagged.del_worksheet(dup)
    assert len(search(emu, tagged, {"developerMetadataLookup": {"metadataValue": "backlog"}})) == 1


def test_readers_can_search_but_not_create(emu, tagged):
    tagged.share("client@client.test", perm_type="user", role="reader", notify=False)
    assert values_of(search(emu, tagged, {"developerMetadataLookup": {"locationType": "SHEET"}},
                            user="client@client.test")) == ["backlog"]
    with pytest.raises(gspread.exceptions.APIError) as e:
        create(emu.gspread_client("client@client.test").open_by_key(tagged.id), "k", "v", {"spreadsheet": True})
    assert e.value.response.status_code == 403


def test_get_by_data_filter(emu, tagged):
    tagged.sheet1.update([["id", "x", "y", "status"], ["T-1"], ["T-2"]], "A1")
    r = emu.session(OWNER).post(f"{SHEETS}/{tagged.id}:getByDataFilter", json={
        "dataFilters": [{"developerMetadataLookup": {"metadataValue": "status"}}], "includeGridData": True})
    assert r.status_code == 200, r.text
    [gd] = r.json()["sheets"][0]["data"]
    assert gd["startColumn"] == 3 and len(gd["columnMetadata"]) == 1
    assert gd["rowData"][0]["values"][0]["userEnteredValue"] == {"stringValue": "status"}
    r = emu.session(OWNER).post(f"{SHEETS}/{tagged.id}:getByDataFilter", json={
        "dataFilters": [{"a1Range": "Sheet1!A3"}]})
    assert [s["properties"]["title"] for s in r.json()["sheets"]] == ["Sheet1"] and "data" not in r.json()["sheets"][0]


def test_values_of_a_row_found_by_metadata(emu, tagged):
    """What sheetsync does: locate a column by its metadata, wherever a person has moved it."""
    from gsheets_emulator.metadata import datafilter_ranges

    ss = emu.spreadsheet(tagged.id)
    [(sheet, r0, r1, c0, c1)] = datafilter_ranges(ss, {"developerMetadataLookup": {"metadataValue": "T-2"}})
    assert (sheet.title, r0, r1, c0, c1) == ("Sheet1", 2, 3, 0, 5)
    assert len(datafilter_ranges(ss, {"developerMetadataLookup": {"locationType": "SPREADSHEET"}})) == 1
