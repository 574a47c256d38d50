"""addSheet, deleteSheet, duplicateSheet, updateSheetProperties, updateSpreadsheetProperties, sheets.copyTo.

Checked against the Sheets v4 reference: AddSheetResponse / DuplicateSheetResponse carry the new
SheetProperties; "when updating sheet indices ... movement is considered in 'before the move'
indexes"; sheet titles are unique (Google: 'A sheet with the name "X" already exists. Please
enter another name.'); a document keeps at least one sheet.
"""

from __future__ import annotations

import gspread
import pytest

OWNER = "owner@agency.test"


@pytest.fixture
def sh(owner_gc):
    return owner_gc.create("Sheets")


def titles(sh):
    return [w.title for w in sh.worksheets()]


def test_add_sheet_reply_and_defaults(sh):
    ws = sh.add_worksheet("Data", rows=10, cols=3)
    assert (ws.title, ws.row_count, ws.col_count) == ("Data", 10, 3)
    res = sh.batch_update({"requests": [{"addSheet": {"properties": {"index": 0, "tabColor": {"red": 1}}}}]})
    props = res["replies"][0]["addSheet"]["properties"]
    assert props["title"] == "Sheet3" and props["index"] == 0 and props["sheetType"] == "GRID"
    assert props["gridProperties"] == {"rowCount": 1000, "columnCount": 26}
    assert titles(sh) == ["Sheet3", "Sheet1", "Data"]
    assert len({w.id for w in sh.worksheets()}) == 3


def test_add_sheet_rejects_duplicates(sh):
    with pytest.raises(gspread.exceptions.APIError, match='A sheet with the name "sheet1" already exists'):
        sh.add_worksheet("sheet1", 5, 5)
    with pytest.raises(gspread.exceptions.APIError, match="already exists"):
        sh.batch_update({"requests": [{"addSheet": {"properties": {"sheetId": 0}}}]})


def test_delete_sheet(sh):
    ws = sh.add_worksheet("Gone", 5, 5)
    sh.batch_update({"requests": [{"addNamedRange": {"namedRange": {"name": "n", "range": {"sheetId": ws.id}}}}]})
    sh.del_worksheet(ws)
    assert titles(sh) == ["Sheet1"]
    assert "namedRanges" not in sh.fetch_sheet_metadata()  # names on a deleted sheet go with it
    with pytest.raises(gspread.exceptions.APIError, match="can't remove all the sheets"):
        sh.del_worksheet(sh.sheet1)
    with pytest.raises(gspread.exceptions.APIError, match="No grid with id: 12345"):
        sh.batch_update({"requests": [{"deleteSheet": {"sheetId": 12345}}]})


def test_duplicate_sheet_copies_content_structure_and_protection(sh):
    ws = sh.sheet1
    ws.update([["a", "b"], ["c", "d"]], "A1")
    ws.merge_cells("A3:B3")
    sh.batch_update({"requests": [{"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1}, "description": "ids"}}}]})
    dup = sh.duplicate_sheet(0, insert_sheet_index=0, new_sheet_name="Twin")
    assert titles(sh) == ["Twin", "Sheet1"]
    assert dup.get_all_values()[:2] == [["a", "b"], ["c", "d"]]
    meta = {s["properties"]["title"]: s for s in sh.fetch_sheet_metadata()["sheets"]}
    twin = meta["Twin"]
    assert twin["merges"] == [{"sheetId": dup.id, "startRowIndex": 2, "endRowIndex": 3,
                               "startColumnIndex": 0, "endColumnIndex": 2}]
    [pr] = twin["protectedRanges"]
    assert pr["range"]["sheetId"] == dup.id
    assert pr["protectedRangeId"] != meta["Sheet1"]["protectedRanges"][0]["protectedRangeId"]
    # a second copy without a name gets Google's "Copy of ..." title
    again = sh.duplicate_sheet(0)
    assert again.title == "Copy of Sheet1"
    assert sh.duplicate_sheet(0).title == "Copy of Sheet1 2"


def test_rename_freeze_hide_and_tab_colour(sh):
    ws = sh.sheet1
    sh.add_worksheet("Other", 5, 5)
    ws.update_title("Renamed")
    ws.freeze(rows=1, cols=2)
    ws.update_tab_color("#ff0000")
    ws.hide()
    props = sh.fetch_sheet_metadata()["sheets"][0]["properties"]
    assert props["title"] == "Renamed" and props["hidden"] is True
    assert props["gridProperties"]["frozenRowCount"] == 1 and props["gridProperties"]["frozenColumnCount"] == 2
    assert props["tabColorStyle"]["rgbColor"]["red"] == 1
    ws.show()
    ws.freeze(rows=0, cols=0)
    props = sh.fetch_sheet_metadata()["sheets"][0]["properties"]
    assert "hidden" not in props and "frozenRowCount" not in props["gridProperties"]
    with pytest.raises(gspread.exceptions.APIError, match="already exists"):
        ws.update_title("other")
    sh.worksheet("Other").hide()
    with pytest.raises(gspread.exceptions.APIError, match="hide all the sheets"):
        ws.hide()


def test_update_sheet_properties_clears_fields_the_mask_names_but_the_body_omits(sh):
    sh.batch_update({"requests": [{"updateSheetProperties": {
        "properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 2}}, "fields": "gridProperties.frozenRowCount"}}]})
    sh.batch_update({"requests": [{"updateSheetProperties": {
        "properties": {"sheetId": 0}, "fields": "gridProperties.frozenRowCount"}}]})
    props = sh.fetch_sheet_metadata()["sheets"][0]["properties"]
    assert props["gridProperties"] == {"rowCount": 1000, "columnCount": 26}


def test_update_sheet_properties_errors(sh, allow_invalid_requests):
    for body, text in [
        ({"properties": {"title": "x"}, "fields": "title"}, "sheetId is required"),
        ({"properties": {"sheetId": 0, "title": "x"}}, "fields is required"),
        ({"properties": {"sheetId": 0, "sheetType": "OBJECT"}, "fields": "sheetType"}, "read-only"),
        ({"properties": {"sheetId": 0}, "fields": "title"}, "title cannot be cleared"),
        ({"properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 1000}},
          "fields": "gridProperties.frozenRowCount"}, "freeze all"),
    ]:
        with pytest.raises(gspread.exceptions.APIError) as e:
            sh.batch_update({"requests": [{"updateSheetProperties": body}]})
        assert text in str(e.value), (body, str(e.value))


def test_sheet_index_moves_count_before_the_move(sh):
    sh.add_worksheet("S2", 5, 5)
    sh.add_worksheet("S3", 5, 5)
    # the reference's example: to move S1 ahead of S2 in (S1, S2, S3) the index is 2
    sh.batch_update({"requests": [{"updateSheetProperties": {"properties": {"sheetId": 0, "index": 2},
                                                             "fields": "index"}}]})
    assert titles(sh) == ["S2", "Sheet1", "S3"]
    assert [w.index for w in sh.worksheets()] == [0, 1, 2]
    sh.batch_update({"requests": [{"updateSheetProperties": {"properties": {"sheetId": 0, "index": 0},
                                                             "fields": "index"}}]})
    assert titles(sh) == ["Sheet1", "S2", "S3"]
    sh.reorder_worksheets([sh.worksheet("S3"), sh.worksheet("S2"), sh.sheet1])
    assert titles(sh) == ["S3", "S2", "Sheet1"]


def test_resizing_through_update_sheet_properties_cuts_what_lies_outside(sh, emu):
    ws = sh.sheet1
    ws.update([["a"], ["b"], ["c"]], "A1")
    sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": "k", "visibility": "DOCUMENT",
        "location": {"dimensionRange": {"sheetId": 0, "dimension": "ROWS", "startIndex": 2, "endIndex": 3}}}}}]})
    ws.resize(rows=2, cols=3)
    ws = sh.sheet1
    assert (ws.row_count, ws.col_count) == (2, 3)
    assert ws.get_all_values() == [["a"], ["b"]]
    ws.resize(rows=4)
    assert sh.sheet1.col_values(1) == ["a", "b"]  # growing back does not resurrect "c"
    r = emu.session(OWNER).post(f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}/developerMetadata:search",
                                json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "k"}}]})
    assert r.json() == {}
    with pytest.raises(gspread.exceptions.APIError, match="10000000"):
        ws.resize(rows=4_000_000)  # x 3 columns


def test_update_spreadsheet_properties(sh, owner_gc):
    sh.batch_update({"requests": [{"updateSpreadsheetProperties": {
        "properties": {"title": "New", "locale": "ru_RU", "timeZone": "Europe/Moscow"},
        "fields": "title,locale,timeZone"}}]})
    props = sh.fetch_sheet_metadata()["properties"]
    assert (props["title"], props["locale"], props["timeZone"]) == ("New", "ru_RU", "Europe/Moscow")
    assert owner_gc.get_file_drive_metadata(sh.id)["name"] == "New"
    sh.update_title("Newer")
    assert owner_gc.open_by_key(sh.id).title == "Newer"
    with pytest.raises(gspread.exceptions.APIError, match="timeZone"):
        sh.batch_update({"requests": [{"updateSpreadsheetProperties": {
            "properties": {"timeZone": "Mars/Olympus"}, "fields": "timeZone"}}]})


def test_copy_to_another_spreadsheet(emu, sh, owner_gc):
    ws = sh.sheet1
    ws.update([["x", "y"]], "A1")
    sh.batch_update({"requests": [{"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0}}}}]})
    other = owner_gc.create("Target")
    props = ws.copy_to(other.id)
    assert props["title"] == "Copy of Sheet1" and props["index"] == 1
    copied = other.worksheet("Copy of Sheet1")
    assert copied.get_all_values()[0][:2] == ["x", "y"]
    assert "protectedRanges" not in other.fetch_sheet_metadata()["sheets"][1]
    assert ws.copy_to(other.id)["title"] == "Copy of Sheet1 2"


def test_copy_to_needs_edit_rights_on_the_destination(emu, sh, owner_gc):
    other = emu.gspread_client("else@agency.test").create("Not yours")
    with pytest.raises(gspread.exceptions.APIError) as e:
        sh.sheet1.copy_to(other.id)
    assert e.value.response.status_code == 403
    with pytest.raises(gspread.exceptions.APIError) as e:
        sh.sheet1.copy_to("no-such-id")
    assert e.value.response.status_code == 404
