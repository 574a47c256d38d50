"""sortRange, copyPaste, cutPaste, findReplace."""

from __future__ import annotations

import pytest
from gspread.exceptions import APIError


def _gr(r0, r1, c0, c1, sheet_id=0):
    return {"sheetId": sheet_id, "startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0,
            "endColumnIndex": c1}


def _row_metadata(sh, key, row):
    sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": key, "metadataValue": str(row), "visibility": "DOCUMENT",
        "location": {"dimensionRange": {"sheetId": 0, "dimension": "ROWS", "startIndex": row,
                                        "endIndex": row + 1}}}}}]})


def test_sort_moves_whole_cells_but_not_row_metadata(sh, ws):
    ws.update([["key", "n"], ["T-2", 2], ["T-3", 3], ["T-1", 1]], "A1")
    ws.update_note("A2", "note of T-2")
    ws.format("B2", {"textFormat": {"bold": True}})
    _row_metadata(sh, "row", 1)
    sh.batch_update({"requests": [{"sortRange": {"range": _gr(1, 4, 0, 2),
                                                 "sortSpecs": [{"dimensionIndex": 1, "sortOrder": "ASCENDING"}]}}]})
    assert ws.get_all_values() == [["key", "n"], ["T-1", "1"], ["T-2", "2"], ["T-3", "3"]]
    assert ws.get_note("A3") == "note of T-2"  # the note travelled with its cell
    assert ws.get_note("A2") == ""
    # row metadata stays with the row position (sortRange moves cell data only)
    found = sh.client.request("post", f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}/developerMetadata:search",
                              json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "row"}}]}).json()
    loc = found["matchedDeveloperMetadata"][0]["developerMetadata"]["location"]["dimensionRange"]
    assert loc["startIndex"] == 1


def test_sort_descending_multiple_keys_blanks_last_mixed_types(sh, ws):
    ws.update([["b", 1], ["a", 2], ["", 9], ["a", 1], [5, 0], [True, 0]], "A1")
    sh.batch_update({"requests": [{"sortRange": {"range": _gr(0, 6, 0, 2), "sortSpecs": [
        {"dimensionIndex": 0, "sortOrder": "ASCENDING"}, {"dimensionIndex": 1, "sortOrder": "DESCENDING"}]}}]})
    assert ws.get("A1:B6", value_render_option="UNFORMATTED_VALUE") == [
        [5, 0], ["a", 2], ["a", 1], ["b", 1], [True, 0], ["", 9]]
    sh.batch_update({"requests": [{"sortRange": {"range": _gr(0, 6, 0, 2), "sortSpecs": [
        {"dimensionIndex": 1, "sortOrder": "DESCENDING"}]}}]})
    assert [r[1] for r in ws.get("A1:B6", value_render_option="UNFORMATTED_VALUE")] == [9, 2, 1, 1, 0, 0]


def test_sort_keeps_formulas_pointing_at_their_own_row(sh, ws):
    ws.update([[3, "=A1*10"], [1, "=A2*10"], [2, "=A3*10"]], "A1", raw=False)
    sh.batch_update({"requests": [{"sortRange": {"range": _gr(0, 3, 0, 2),
                                                 "sortSpecs": [{"dimensionIndex": 0}]}}]})
    assert ws.get("A1:B3", value_render_option="UNFORMATTED_VALUE") == [[1, 10], [2, 20], [3, 30]]


def test_sort_spec_outside_range_is_rejected(sh):
    with pytest.raises(APIError):
        sh.batch_update({"requests": [{"sortRange": {"range": _gr(0, 3, 0, 2),
                                                     "sortSpecs": [{"dimensionIndex": 5}]}}]})


def test_copy_paste_normal_adjusts_formulas_and_tiles(sh, ws):
    ws.update([[1, "=A1+1"], [2, "=A2+1"]], "A1", raw=False)
    sh.batch_update({"requests": [{"copyPaste": {"source": _gr(0, 2, 0, 2), "destination": _gr(2, 6, 0, 2),
                                                 "pasteType": "PASTE_NORMAL"}}]})
    assert ws.get("A1:B6", value_render_option="UNFORMATTED_VALUE") == [[1, 2], [2, 3], [1, 2], [2, 3], [1, 2],
                                                                         [2, 3]]
    assert ws.get("B6", value_render_option="FORMULA") == [["=A6+1"]]


def test_copy_paste_values_and_format_and_transpose(sh, ws):
    ws.update([[1, "=A1*5"]], "A1", raw=False)
    ws.format("A1:B1", {"textFormat": {"bold": True}})
    sh.batch_update({"requests": [
        {"copyPaste": {"source": _gr(0, 1, 0, 2), "destination": _gr(1, 2, 0, 2), "pasteType": "PASTE_VALUES"}},
        {"copyPaste": {"source": _gr(0, 1, 0, 2), "destination": _gr(2, 3, 0, 1), "pasteType": "PASTE_FORMAT"}},
        {"copyPaste": {"source": _gr(0, 1, 0, 2), "destination": _gr(0, 1, 3, 4),
                       "pasteOrientation": "TRANSPOSE"}},
    ]})
    assert ws.get("A2:B2", value_render_option="FORMULA") == [[1, 5]]
    assert ws.get("D1:D2", value_render_option="UNFORMATTED_VALUE") == [[1], [5]]
    grid = sh.client.request("get", f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}",
                             params={"ranges": "A2:A3", "includeGridData": "true"}).json()
    rows = grid["sheets"][0]["data"][0]["rowData"]
    assert "userEnteredFormat" not in rows[0]["values"][0]
    assert rows[1]["values"][0]["userEnteredFormat"]["textFormat"]["bold"] is True
    assert "userEnteredValue" not in rows[1]["values"][0]


def test_cut_paste_moves_and_empties_source(sh, ws):
    ws.update([["a", "b"]], "A1")
    ws.update_note("A1", "n")
    sh.batch_update({"requests": [{"cutPaste": {"source": _gr(0, 1, 0, 2),
                                                "destination": {"sheetId": 0, "rowIndex": 4, "columnIndex": 1},
                                                "pasteType": "PASTE_NORMAL"}}]})
    assert ws.get_all_values()[4] == ["", "a", "b"]
    assert ws.get("A1:B1") in ([], [[]])
    assert ws.get_note("B5") == "n"


def test_conditional_formatting_paste_is_loudly_unsupported(sh):
    with pytest.raises(APIError) as e:
        sh.batch_update({"requests": [{"copyPaste": {"source": _gr(0, 1, 0, 1), "destination": _gr(1, 2, 0, 1),
                                                     "pasteType": "PASTE_CONDITIONAL_FORMATTING"}}]})
    assert "PASTE_CONDITIONAL_FORMATTING" in str(e.value)


def test_find_replace(sh, ws):
    ws.update([["Backlog", "backlog item", "=\"backlog\""], [10, "x", "y"]], "A1", raw=False)
    other = sh.add_worksheet("Other", rows=5, cols=5)
    other.update([["backlog"]], "A1")
    res = sh.batch_update({"requests": [{"findReplace": {"find": "backlog", "replacement": "todo",
                                                         "sheetId": 0}}]})
    assert res["replies"][0]["findReplace"] == {"occurrencesChanged": 2, "valuesChanged": 2, "rowsChanged": 1,
                                                "sheetsChanged": 1}
    assert ws.get("A1:C1") == [["todo", "todo item", "backlog"]]
    assert other.acell("A1").value == "backlog"
    res = sh.batch_update({"requests": [{"findReplace": {"find": "backlog", "replacement": "done", "allSheets": True,
                                                         "matchCase": True, "includeFormulas": True}}]})
    assert res["replies"][0]["findReplace"]["formulasChanged"] == 1
    assert ws.acell("C1").value == "done"
    assert other.acell("A1").value == "done"
    # a number re-read from the replaced text; regex with a group reference
    sh.batch_update({"requests": [{"findReplace": {"find": "^1(0)$", "replacement": "2$1", "searchByRegex": True,
                                                   "range": _gr(1, 2, 0, 1)}}]})
    assert ws.get("A2", value_render_option="UNFORMATTED_VALUE") == [[20]]


def test_find_replace_matching_nothing_has_an_empty_reply(sh):
    res = sh.batch_update({"requests": [{"findReplace": {"find": "zzz", "replacement": "y", "allSheets": True}}]})
    assert res["replies"] == [{"findReplace": {}}]
