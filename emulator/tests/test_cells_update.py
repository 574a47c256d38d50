"""updateCells, repeatCell, appendCells, updateBorders: field masks, derived values, limits, protection."""

from __future__ import annotations

import pytest
from gspread.exceptions import APIError


def _grid(sh, rng):
    res = sh.client.request("get", f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}",
                            params={"ranges": rng, "includeGridData": "true"}).json()
    rows = res["sheets"][0]["data"][0].get("rowData", [])
    return [r.get("values", []) for r in rows]


def test_update_cells_with_start_sets_only_masked_fields(sh, ws):
    ws.update([["old", 1]], "A1")
    ws.format("A1", {"textFormat": {"bold": True}})
    sh.batch_update({"requests": [{"updateCells": {
        "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
        "rows": [{"values": [{"userEnteredValue": {"stringValue": "new"}, "note": "why",
                              "userEnteredFormat": {"textFormat": {"italic": True}}}]}],
        "fields": "userEnteredValue,note"}}]})
    cell = _grid(sh, "A1")[0][0]
    assert cell["userEnteredValue"] == {"stringValue": "new"}
    assert cell["formattedValue"] == "new"
    assert cell["note"] == "why"
    assert cell["userEnteredFormat"]["textFormat"] == {"bold": True}  # format not in the mask: untouched
    assert ws.get_all_values() == [["new", "1"]]


def test_update_cells_with_range_clears_cells_not_given(sh, ws):
    ws.update([["a", "b"], ["c", "d"]], "A1")
    sh.batch_update({"requests": [{"updateCells": {
        "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2},
        "rows": [{"values": [{"userEnteredValue": {"numberValue": 5}}]}],
        "fields": "userEnteredValue"}}]})
    assert ws.get("A1:B2", value_render_option="UNFORMATTED_VALUE") == [[5]]


def test_update_cells_formula_and_star_mask(sh, ws):
    ws.update([[2]], "A1")
    sh.batch_update({"requests": [{"updateCells": {
        "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 1},
        "rows": [{"values": [{"userEnteredValue": {"formulaValue": "=A1*21"},
                              "userEnteredFormat": {"numberFormat": {"type": "NUMBER", "pattern": "0.0"}}}]}],
        "fields": "*"}}]})
    assert ws.acell("B1").value == "42.0"
    assert ws.get("B1", value_render_option="FORMULA") == [["=A1*21"]]


def test_nested_field_mask_keeps_sibling_format_fields(sh, ws):
    ws.format("A1", {"textFormat": {"bold": True, "italic": True}, "backgroundColor": {"red": 1}})
    sh.batch_update({"requests": [{"repeatCell": {
        "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 1},
        "cell": {"userEnteredFormat": {"textFormat": {"bold": False}}},
        "fields": "userEnteredFormat.textFormat.bold"}}]})
    fmt = _grid(sh, "A1")[0][0]["userEnteredFormat"]
    assert fmt["textFormat"] == {"bold": False, "italic": True}
    assert fmt["backgroundColor"] == {"red": 1}


def test_repeat_cell_number_format_refreshes_formatted_values(sh, ws):
    ws.update([[0.5], [0.25]], "A1")
    sh.batch_update({"requests": [{"repeatCell": {
        "range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1},
        "cell": {"userEnteredFormat": {"numberFormat": {"type": "PERCENT", "pattern": "0%"}}},
        "fields": "userEnteredFormat.numberFormat"}}]})
    assert ws.get("A1:A2") == [["50%"], ["25%"]]


def test_repeat_cell_formula_moves_relative_references(sh, ws):
    ws.update([[1], [2], [3]], "A1")
    sh.batch_update({"requests": [{"repeatCell": {
        "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 3, "startColumnIndex": 1, "endColumnIndex": 2},
        "cell": {"userEnteredValue": {"formulaValue": "=A1*10"}}, "fields": "userEnteredValue"}}]})
    assert ws.get("B1:B3", value_render_option="UNFORMATTED_VALUE") == [[10], [20], [30]]
    assert ws.get("B3", value_render_option="FORMULA") == [["=A3*10"]]


def test_gspread_format_and_notes(ws):
    ws.update([["x"]], "A1")
    ws.format("A1", {"textFormat": {"strikethrough": True}})
    ws.update_note("A1", "Moved from week 47")
    assert ws.get_note("A1") == "Moved from week 47"
    ws.clear_note("A1")
    assert ws.get_note("A1") == ""
    assert ws.acell("A1").value == "x"


def test_append_cells_goes_after_the_last_row_and_grows_the_grid(sh):
    ws = sh.add_worksheet("Small", rows=2, cols=2)
    ws.update([["a"]], "A1")
    sh.batch_update({"requests": [{"appendCells": {
        "sheetId": ws.id, "fields": "userEnteredValue",
        "rows": [{"values": [{"userEnteredValue": {"stringValue": "b"}}]},
                 {"values": [{"userEnteredValue": {"stringValue": "c"}}, {"userEnteredValue": {"numberValue": 1}},
                             {"userEnteredValue": {"boolValue": True}}]}]}}]})
    assert ws.get_all_values() == [["a", "", ""], ["b", "", ""], ["c", "1", "TRUE"]]
    fresh = sh.worksheet("Small")
    assert (fresh.row_count, fresh.col_count) == (3, 3)


def test_update_borders(sh, ws):
    sh.batch_update({"requests": [{"updateBorders": {
        "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2},
        "top": {"style": "SOLID"}, "innerVertical": {"style": "DASHED"}}}]})
    grid = _grid(sh, "A1:B2")
    assert grid[0][0]["userEnteredFormat"]["borders"]["top"]["style"] == "SOLID"
    assert grid[0][0]["userEnteredFormat"]["borders"]["right"]["style"] == "DASHED"
    assert grid[1][1]["userEnteredFormat"]["borders"]["left"]["style"] == "DASHED"
    assert "top" not in grid[1][1]["userEnteredFormat"]["borders"]


def test_update_cells_beyond_grid_is_rejected_and_batch_is_atomic(sh, ws):
    ws.update([["keep"]], "A1")
    with pytest.raises(APIError) as e:
        sh.batch_update({"requests": [
            {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
                            "cell": {"userEnteredValue": {"stringValue": "gone"}}, "fields": "userEnteredValue"}},
            {"updateCells": {"start": {"sheetId": 0, "rowIndex": 1000, "columnIndex": 0},
                             "rows": [{"values": [{"userEnteredValue": {"numberValue": 1}}]}],
                             "fields": "userEnteredValue"}}]})
    assert "exceeds grid limits" in str(e.value)
    assert ws.acell("A1").value == "keep"


def test_fields_mask_is_required_and_checked(sh, allow_invalid_requests):
    base = {"start": {"sheetId": 0}, "rows": [{"values": [{"note": "x"}]}]}
    with pytest.raises(APIError) as e:
        sh.batch_update({"requests": [{"updateCells": base}]})
    assert "fields" in str(e.value)
    with pytest.raises(APIError) as e:
        sh.batch_update({"requests": [{"updateCells": {**base, "fields": "noteText"}}]})
    assert "noteText" in str(e.value)
    with pytest.raises(APIError) as e:
        sh.batch_update({"requests": [{"updateCells": {**base, "fields": "effectiveValue"}}]})
    assert "effectiveValue" in str(e.value)


def test_unsupported_cell_fields_are_loud(sh):
    with pytest.raises(APIError) as e:
        sh.batch_update({"requests": [{"updateCells": {
            "start": {"sheetId": 0}, "rows": [{"values": [{"pivotTable": {}}]}], "fields": "*"}}]})
    assert "pivotTable" in str(e.value) and e.value.response.status_code == 400


def test_cell_edits_respect_protected_ranges(emu, sh):
    sh.share("manager@agency.test", perm_type="user", role="writer", notify=False)
    sh.batch_update({"requests": [{"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1},
        "editors": {"users": ["owner@agency.test"]}}}}]})
    as_manager = emu.gspread_client(user="manager@agency.test").open_by_key(sh.id)
    with pytest.raises(APIError) as e:
        as_manager.batch_update({"requests": [{"repeatCell": {
            "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
            "cell": {"note": "sneaky"}, "fields": "note"}}]})
    assert "protected cell" in str(e.value)
    as_manager.batch_update({"requests": [{"repeatCell": {
        "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 1, "endColumnIndex": 2},
        "cell": {"note": "fine"}, "fields": "note"}}]})
    assert sh.sheet1.get_note("B1") == "fine"
    assert sh.sheet1.get_note("A1") == ""


def test_writes_count_cells_and_bump_version(emu, sh):
    before = emu.files[sh.id].version
    mark = emu.mark()
    sh.batch_update({"requests": [{"repeatCell": {
        "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 3},
        "cell": {"note": "n"}, "fields": "note"}}]})
    assert emu.files[sh.id].version == before + 1
    assert emu.log[mark].cells_written == 6
