"""Responses shaped as real Google's, as recorded in gspread's public cassettes.

Every expected shape below is copied from a cassette of burnash/gspread (MIT licence):
``tests/cassettes/<name>.json``, named in each test. They are real request/response bodies
recorded against the live Sheets and Drive APIs. Each test goes through real gspread and/or
raw HTTP against the in-process emulator.
"""

from __future__ import annotations

import gspread
import pytest

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
OWNER = "owner@agency.test"


@pytest.fixture
def sh(owner_gc):
    return owner_gc.create("Fidelity")


@pytest.fixture
def s(emu):
    return emu.session(OWNER)


def get(s, sid, **params):
    r = s.get(f"{SHEETS}/{sid}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def batch(s, sid, *requests):
    r = s.post(f"{SHEETS}/{sid}:batchUpdate", json={"requests": list(requests)})
    return r.status_code, r.json()


# --- spreadsheet properties ---------------------------------------------------------------

# CellTest.test_a1_value.json: properties.spreadsheetTheme of every spreadsheet the API creates
THEME = {"primaryFontFamily": "Arial", "themeColors": [
    {"colorType": "TEXT", "color": {"rgbColor": {}}},
    {"colorType": "BACKGROUND", "color": {"rgbColor": {"red": 1, "green": 1, "blue": 1}}},
    {"colorType": "ACCENT1", "color": {"rgbColor": {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}}},
    {"colorType": "ACCENT2", "color": {"rgbColor": {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}}},
    {"colorType": "ACCENT3", "color": {"rgbColor": {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}}},
    {"colorType": "ACCENT4", "color": {"rgbColor": {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}}},
    {"colorType": "ACCENT5", "color": {"rgbColor": {"red": 1, "green": 0.42745098, "blue": 0.003921569}}},
    {"colorType": "ACCENT6", "color": {"rgbColor": {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}}},
    {"colorType": "LINK", "color": {"rgbColor": {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}}},
]}


def test_spreadsheet_theme_is_reported(sh, s):
    assert get(s, sh.id)["properties"]["spreadsheetTheme"] == THEME
    assert sh.fetch_sheet_metadata()["properties"]["spreadsheetTheme"] == THEME  # through gspread too


# --- GridRanges of the first sheet ---------------------------------------------------------

def test_grid_ranges_of_sheet_zero_come_without_sheet_id(sh, s):
    ws = sh.sheet1
    ws.merge_cells("A1:B2")
    ws.define_named_range("A1:B2", "block")
    ws.add_protected_range("C1:C2", editor_users_emails=[OWNER])
    sheet = get(s, sh.id)["sheets"][0]
    # CellTest.test_merge_cells.json, CellTest.test_define_named_range.json, test_add_protected_range_normal.json
    block = {"startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2}
    assert sheet["properties"]["sheetId"] == 0  # kept in SheetProperties
    assert sheet["merges"] == [block]
    assert get(s, sh.id)["namedRanges"][0]["range"] == block
    assert sheet["protectedRanges"][0]["range"] == {"startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 2,
                                                    "endColumnIndex": 3}
    # another sheet's ranges keep their sheetId; sheet-located developer metadata keeps sheetId 0
    other = sh.add_worksheet("Other", 5, 5)
    other.merge_cells("A1:B1")
    status, _ = batch(s, sh.id, {"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": "k", "visibility": "DOCUMENT", "location": {"sheetId": 0}}}})
    assert status == 200
    sheets = get(s, sh.id)["sheets"]
    assert sheets[1]["merges"][0]["sheetId"] == other.id
    assert sheets[0]["developerMetadata"][0]["location"] == {"locationType": "SHEET", "sheetId": 0}


def test_add_named_range_reply_omits_sheet_id_zero(sh, s):
    status, body = batch(s, sh.id, {"addNamedRange": {"namedRange": {"name": "NamedRange", "range": {
        "startRowIndex": 0, "endRowIndex": 3, "startColumnIndex": 1, "endColumnIndex": 3, "sheetId": 0}}}})
    assert status == 200
    # WorksheetTest.test_get_values_merge_cells_with_named_range.json (namedRangeId is Google's choice)
    nr = body["replies"][0]["addNamedRange"]["namedRange"]
    assert nr["range"] == {"startRowIndex": 0, "endRowIndex": 3, "startColumnIndex": 1, "endColumnIndex": 3}
    assert nr["name"] == "NamedRange"


def test_whole_sheet_basic_filter_reads_back_bounded(sh, s):
    ws = sh.sheet1
    ws.resize(20, 20)
    ws.set_basic_filter()  # {"range": {"sheetId": 0}}
    # WorksheetTest.test_basic_filters.json
    assert get(s, sh.id)["sheets"][0]["basicFilter"] == {"range": {
        "startRowIndex": 0, "endRowIndex": 20, "startColumnIndex": 0, "endColumnIndex": 20}}


# --- merges ----------------------------------------------------------------------------------

def test_merging_over_covered_merges_replaces_them(sh, s):
    ws = sh.sheet1
    ws.merge_cells("A1:B2", merge_type="MERGE_ROWS")
    assert len(get(s, sh.id)["sheets"][0]["merges"]) == 2
    ws.merge_cells("A1:B2", merge_type="MERGE_ALL")  # CellTest.test_merge_cells.json: 200, one merge left
    assert get(s, sh.id)["sheets"][0]["merges"] == [
        {"startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2}]
    status, body = batch(s, sh.id, {"mergeCells": {"mergeType": "MERGE_ALL", "range": {
        "sheetId": 0, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 0, "endColumnIndex": 2}}})
    assert status == 400 and "merged range" in body["error"]["message"]  # a partial overlap is still refused


# --- typed input -------------------------------------------------------------------------------

def test_typed_iso_date_and_grouped_number_keep_their_look(sh, s):
    ws = sh.sheet1
    ws.update([["2020-01-01", "2,000,000.01", "1999-01-02"]], "A1", value_input_option="USER_ENTERED")
    # WorksheetTest.test_get_all_values_date_time_render_options.json and CellTest.test_numeric_value.json
    assert ws.get_all_values() == [["2020-01-01", "2,000,000.01", "1999-01-02"]]
    assert ws.get_all_values(value_render_option="UNFORMATTED_VALUE") == [[43831, 2000000.01, 36162]]
    assert ws.get("A1:C1", value_render_option="UNFORMATTED_VALUE", date_time_render_option="FORMATTED_STRING") \
        == [["2020-01-01", 2000000.01, "1999-01-02"]]
    cells = get(s, sh.id, ranges="A1:B1", fields="sheets.data.rowData.values.userEnteredFormat")
    fmts = [c["userEnteredFormat"]["numberFormat"] for c in cells["sheets"][0]["data"][0]["rowData"][0]["values"]]
    assert fmts == [{"type": "DATE", "pattern": "yyyy-mm-dd"}, {"type": "NUMBER", "pattern": "#,##0.00"}]


# --- colours -----------------------------------------------------------------------------------

def test_cell_colours_come_with_their_style_twins(sh, s):
    sh.sheet1.format("A2:B2", {"backgroundColor": {"green": 1, "blue": 1}, "horizontalAlignment": "CENTER",
                               "textFormat": {"foregroundColor": {"red": 1, "green": 1}, "fontSize": 12,
                                              "bold": True}})
    got = get(s, sh.id, ranges="Sheet1!A2", fields="sheets.data.rowData.values.userEnteredFormat")
    # WorksheetTest.test_format.json, response to the same request
    assert got == {"sheets": [{"data": [{"rowData": [{"values": [{"userEnteredFormat": {
        "backgroundColor": {"green": 1, "blue": 1},
        "horizontalAlignment": "CENTER",
        "textFormat": {"foregroundColor": {"red": 1, "green": 1}, "fontSize": 12, "bold": True,
                       "foregroundColorStyle": {"rgbColor": {"red": 1, "green": 1}}},
        "backgroundColorStyle": {"rgbColor": {"green": 1, "blue": 1}}}}]}]}]}]}


def test_a_colour_style_sets_its_colour_twin(sh, s):
    status, _ = batch(s, sh.id, {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1,
                                                          "startColumnIndex": 0, "endColumnIndex": 1},
                                                "cell": {"userEnteredFormat": {"backgroundColorStyle": {
                                                    "rgbColor": {"red": 0.5, "green": 0}}}},
                                                "fields": "userEnteredFormat.backgroundColorStyle"}})
    assert status == 200
    fmt = get(s, sh.id, ranges="A1", fields="sheets.data.rowData.values.userEnteredFormat")[
        "sheets"][0]["data"][0]["rowData"][0]["values"][0]["userEnteredFormat"]
    assert fmt == {"backgroundColor": {"red": 0.5}, "backgroundColorStyle": {"rgbColor": {"red": 0.5}}}


def test_tab_colour_is_kept_in_8_bits_and_cleared_without_trace(sh, s):
    status, _ = batch(s, sh.id, {"updateSheetProperties": {"properties": {"sheetId": 0, "tabColorStyle": {
        "rgbColor": {"red": 1, "green": 0, "blue": 0.5}}}, "fields": "tabColorStyle"}})
    assert status == 200
    # WorksheetTest.test_update_tab_color.json: blue 0.5 reads back 0.49803922, green 0 is omitted
    assert get(s, sh.id, fields="sheets.properties.tabColorStyle") == {
        "sheets": [{"properties": {"tabColorStyle": {"rgbColor": {"red": 1, "blue": 0.49803922}}}}]}
    assert get(s, sh.id)["sheets"][0]["properties"]["tabColor"] == {"red": 1, "blue": 0.49803922}
    sh.get_worksheet(0).clear_tab_color()  # fresh properties; sends tabColorStyle {"rgbColor": null}
    # WorksheetTest.test_clear_tab_color.json
    assert get(s, sh.id, fields="sheets.properties.tabColorStyle") == {"sheets": [{"properties": {}}]}
    assert "tabColor" not in get(s, sh.id)["sheets"][0]["properties"]


# --- row and column groups -------------------------------------------------------------------

def test_row_groups_as_google_answers_them(sh, s):
    ws = sh.sheet1
    reply = ws.add_dimension_group_rows(0, 2)["replies"][0]
    # WorksheetTest.test_group_rows.json
    assert reply == {"addDimensionGroup": {"dimensionGroups": [
        {"range": {"dimension": "ROWS", "startIndex": 0, "endIndex": 2}, "depth": 1}]}}
    sheet = get(s, sh.id)["sheets"][0]
    assert sheet["properties"]["gridProperties"] == {"rowCount": 1000, "columnCount": 26,
                                                     "rowGroupControlAfter": True}
    assert sheet["rowGroups"] == [{"range": {"dimension": "ROWS", "startIndex": 0, "endIndex": 2}, "depth": 1}]
    assert ws.list_dimension_group_rows() == sheet["rowGroups"]
    assert ws.delete_dimension_group_rows(0, 2)["replies"][0] == {"deleteDimensionGroup": {}}
    sheet = get(s, sh.id)["sheets"][0]
    assert "rowGroups" not in sheet and sheet["properties"]["gridProperties"]["rowGroupControlAfter"] is True


def test_column_groups_nest_as_the_reference_describes(sh, s):
    def add(a, b):
        status, body = batch(s, sh.id, {"addDimensionGroup": {"range": {
            "sheetId": 0, "dimension": "COLUMNS", "startIndex": a, "endIndex": b}}})
        assert status == 200, body
        return [(g["range"]["startIndex"], g["range"]["endIndex"], g["depth"])
                for g in body["replies"][0]["addDimensionGroup"]["dimensionGroups"]]

    # AddDimensionGroupRequest reference: [B:D, depth 1] + [C:E] -> [B:E, depth 1] and [C:D, depth 2]
    assert add(1, 4) == [(1, 4, 1)]
    assert add(2, 5) == [(1, 5, 1), (2, 4, 2)]
    # DeleteDimensionGroupRequest reference: deleting D:E leaves [B:D, depth 1] and [C:C, depth 2]
    status, body = batch(s, sh.id, {"deleteDimensionGroup": {"range": {
        "sheetId": 0, "dimension": "COLUMNS", "startIndex": 3, "endIndex": 5}}})
    assert status == 200
    assert [(g["range"]["startIndex"], g["range"]["endIndex"], g["depth"])
            for g in body["replies"][0]["deleteDimensionGroup"]["dimensionGroups"]] == [(1, 4, 1), (2, 3, 2)]
    # groups follow inserted columns; collapsing is kept
    status, _ = batch(s, sh.id, {"updateDimensionGroup": {"dimensionGroup": {"range": {
        "sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 4}, "depth": 1, "collapsed": True},
        "fields": "collapsed"}})
    assert status == 200
    sh.sheet1.insert_cols([["x"]], 1)
    assert get(s, sh.id)["sheets"][0]["columnGroups"] == [
        {"range": {"dimension": "COLUMNS", "startIndex": 2, "endIndex": 5}, "depth": 1, "collapsed": True},
        {"range": {"dimension": "COLUMNS", "startIndex": 3, "endIndex": 4}, "depth": 2}]


# --- values ------------------------------------------------------------------------------------

def test_sheet_qualified_named_range(sh):
    ws = sh.sheet1
    ws.resize(4, 3)
    ws.update([["1", "2", "4"], ["down", "up", ""], ["", "", "2"], ["num", "val", ""]], "A1:C4")
    ws.define_named_range("B1:C3", "NamedRange")
    # WorksheetTest.test_get_values_merge_cells_with_named_range.json: GET values/'Sheet1'!NamedRange
    got = sh.values_get("'Sheet1'!NamedRange")
    assert got == {"range": "Sheet1!B1:C3", "majorDimension": "ROWS", "values": [["2", "4"], ["up"], ["", "2"]]}
    with pytest.raises(gspread.exceptions.APIError, match="Unable to parse range"):
        sh.add_worksheet("Other", 3, 3)
        sh.values_get("'Other'!NamedRange")  # the named range is on Sheet1


def test_append_after_an_empty_column_goes_to_the_last_table(sh, s):
    ws = sh.sheet1
    row = ["v1", "", "v3"]
    ws.append_row(row)
    r = s.post(f"{SHEETS}/{sh.id}/values/Sheet1:append", params={"valueInputOption": "RAW"},
               json={"values": [row]})
    # WorksheetTest.test_append_row_with_empty_value.json
    assert r.json()["tableRange"] == "Sheet1!C1" and r.json()["updates"]["updatedRange"] == "Sheet1!C2:E2"
    assert ws.row_values(2) == ["", "", "v1", "", "v3"]
    fresh = sh.add_worksheet("Fresh", 10, 10)
    fresh.append_row(row)
    body = fresh.append_row(row, table_range="A1")
    # WorksheetTest.test_append_row_with_empty_value_and_table_range.json
    assert body["tableRange"] == "Fresh!A1" and body["updates"]["updatedRange"] == "Fresh!A2:C2"
    assert fresh.row_values(2) == row


def test_values_batch_update_counts_distinct_rows_and_columns(sh, s):
    r = s.post(f"{SHEETS}/{sh.id}/values:batchUpdate", json={"valueInputOption": "RAW", "data": [
        {"range": "'Sheet1'!A1:D1", "values": [["A1", "B1", "", "D1"]]},
        {"range": "'Sheet1'!A4:D4", "values": [["A4", "B4", "", "D4"]]}]})
    body = r.json()
    # WorksheetTest.test_batch_update.json
    assert (body["totalUpdatedRows"], body["totalUpdatedColumns"], body["totalUpdatedCells"],
            body["totalUpdatedSheets"]) == (2, 4, 8, 1)


def test_non_list_values_answer_googles_list_value_error(sh, s, allow_invalid_requests):
    r = s.put(f"{SHEETS}/{sh.id}/values/'Sheet1'!A1", params={"valueInputOption": "RAW"},
              json={"values": "X", "majorDimension": None})
    msg = "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), \"X\""
    # WorksheetTest.test_add_validation.json
    assert r.status_code == 400
    assert r.json() == {"error": {"code": 400, "message": msg, "status": "INVALID_ARGUMENT", "details": [
        {"@type": "type.googleapis.com/google.rpc.BadRequest",
         "fieldViolations": [{"field": "data.values", "description": msg}]}]}}
    # checked before the range: test_get_values_merge_cells_outside_of_range.json sends an unparsable one
    r = s.put(f"{SHEETS}/{sh.id}/values/'Sheet1'![['1']]", params={"valueInputOption": "RAW"},
              json={"values": "A1:D4"})
    assert r.status_code == 400 and "ListValue" in r.json()["error"]["message"]


def test_a_cleared_note_is_gone(sh, s):
    ws = sh.sheet1
    ws.update_note("A1", "remember")
    ws.clear_note("A1")  # updateCells note "" — WorksheetTest.test_worksheet_notes.json reads no note back
    assert "rowData" not in get(s, sh.id, includeGridData="true", ranges="A1")["sheets"][0]["data"][0]
    assert ws.get_note("A1") == ""


# --- protected ranges --------------------------------------------------------------------------

def test_protected_range_editors_as_google_shows_them(sh, s):
    status, body = batch(s, sh.id, {"addProtectedRange": {"protectedRange": {
        "range": {"startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2, "sheetId": 0},
        "warningOnly": False, "editors": {"users": [], "groups": []}}}})
    assert status == 200
    # WorksheetTest.test_add_protected_range_normal.json: the reply echoes editors {}, a read lists the owner
    reply = body["replies"][0]["addProtectedRange"]["protectedRange"]
    assert reply["editors"] == {} and reply["requestingUserCanEdit"] is True
    assert get(s, sh.id)["sheets"][0]["protectedRanges"][0]["editors"] == {"users": [OWNER]}
    status, body = batch(s, sh.id, {"addProtectedRange": {"protectedRange": {
        "range": {"startRowIndex": 5, "endRowIndex": 6, "sheetId": 0}, "warningOnly": True}}})
    # WorksheetTest.test_add_protected_range_warning.json: a warning-only range lists the owner too
    assert body["replies"][0]["addProtectedRange"]["protectedRange"]["editors"] == {}
    assert get(s, sh.id)["sheets"][0]["protectedRanges"][1]["editors"] == {"users": [OWNER]}


# --- Drive -------------------------------------------------------------------------------------

def test_csv_import_leaves_one_sheet_named_after_the_file(owner_gc, s):
    sh = owner_gc.create("Test ClientTest test_import_csv")
    owner_gc.import_csv(sh.id, "a,b\nc,d")
    # ClientTest.test_import_csv.json: one sheet, a new sheetId, the file's name as title; Sheet1 is gone
    [sheet] = get(s, sh.id)["sheets"]
    props = sheet["properties"]
    assert props["title"] == "Test ClientTest test_import_csv" and props["sheetId"] != 0
    assert props["gridProperties"] == {"rowCount": 1000, "columnCount": 26}
    r = s.get(f"{SHEETS}/{sh.id}/values/'Test ClientTest test_import_csv'")
    assert r.json() == {"range": "'Test ClientTest test_import_csv'!A1:Z1000", "majorDimension": "ROWS",
                        "values": [["a", "b"], ["c", "d"]]}
    assert s.get(f"{SHEETS}/{sh.id}/values/Sheet1").status_code == 400


def test_csv_export_has_no_trailing_line_end(owner_gc):
    sh = owner_gc.create("Export")
    sh.sheet1.update([["a1", "B2"]], "A1:B2")
    # ClientTest.test_client_export_spreadsheet.json: the body is exactly "a1,B2"
    assert owner_gc.export(sh.id, gspread.utils.ExportFormat.CSV) == b"a1,B2"


def test_private_spreadsheet_is_403_and_a_missing_one_404(emu, owner_gc):
    private = owner_gc.create("mine")
    other = emu.gspread_client("stranger@elsewhere.test")
    # ClientTest.test_access_private_spreadsheet.json: 403 PERMISSION_DENIED "The caller does not have permission"
    with pytest.raises(PermissionError):  # what gspread raises for Google's 403
        other.open_by_key(private.id)
    r = emu.session("stranger@elsewhere.test").get(f"{SHEETS}/{private.id}")
    assert r.status_code == 403 and r.json() == {"error": {
        "code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}}
    # ClientTest.test_access_non_existing_spreadsheet.json: 404 "Requested entity was not found."
    r = emu.session("stranger@elsewhere.test").get(f"{SHEETS}/test")
    assert r.status_code == 404 and r.json()["error"]["message"] == "Requested entity was not found."
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        other.open_by_key("test")
