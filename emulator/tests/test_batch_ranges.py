"""mergeCells / unmergeCells, setDataValidation, conditional-format rules, named ranges, the basic filter.

Reference: MergeCellsRequest (MERGE_ALL / MERGE_COLUMNS / MERGE_ROWS), UpdateConditionalFormatRuleResponse
("oldRule ... not set if a rule was moved"; "oldIndex ... not set if a rule was replaced"),
DeleteConditionalFormatRuleResponse (the deleted rule), AddNamedRangeResponse, BasicFilter.
"""

from __future__ import annotations

import gspread
import pytest

OWNER = "owner@agency.test"


@pytest.fixture
def sh(owner_gc):
    sh = owner_gc.create("Ranges")
    sh.sheet1.resize(10, 4)
    return sh


def sheet0(sh):
    return sh.fetch_sheet_metadata()["sheets"][0]


def gr(r0, r1, c0, c1, sid=0):
    """A GridRange as Google echoes it: no sheetId for sheet 0 (CellTest.test_merge_cells.json in burnash/gspread)."""
    out = {"sheetId": sid, "startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0, "endColumnIndex": c1}
    if sid == 0:
        del out["sheetId"]
    return out


def test_merge_types_and_unmerge(sh):
    ws = sh.sheet1
    ws.update([["keep", "lost"], ["lost", "lost"]], "A1")
    ws.merge_cells("A1:B2")
    assert sheet0(sh)["merges"] == [gr(0, 2, 0, 2)]
    assert ws.get_all_values() == [["keep"]]  # only the top-left value survives a merge
    sh.batch_update({"requests": [{"mergeCells": {"range": gr(3, 5, 0, 3), "mergeType": "MERGE_COLUMNS"}},
                                  {"mergeCells": {"range": gr(6, 8, 0, 2), "mergeType": "MERGE_ROWS"}}]})
    merges = sheet0(sh)["merges"]
    assert gr(3, 5, 0, 1) in merges and gr(3, 5, 2, 3) in merges and gr(7, 8, 0, 2) in merges
    assert len(merges) == 6
    ws.unmerge_cells("A1:D6")
    assert sheet0(sh)["merges"] == [gr(6, 7, 0, 2), gr(7, 8, 0, 2)]


def test_merge_errors(sh):
    sh.sheet1.merge_cells("A1:B2")
    with pytest.raises(gspread.exceptions.APIError, match="select all cells in a merged range"):
        sh.sheet1.merge_cells("B2:C3")  # overlaps A1:B2 without covering it
    sh.sheet1.freeze(rows=3)
    with pytest.raises(gspread.exceptions.APIError, match="frozen and non-frozen"):
        sh.sheet1.merge_cells("A3:A5")
    with pytest.raises(gspread.exceptions.APIError, match="exceeds grid limits"):
        sh.batch_update({"requests": [{"mergeCells": {"range": gr(0, 20, 0, 1), "mergeType": "MERGE_ALL"}}]})


def test_set_and_clear_data_validation(sh):
    rule = {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "Backlog"},
                                                           {"userEnteredValue": "Done"}]},
            "strict": True, "showCustomUi": True}
    sh.batch_update({"requests": [{"setDataValidation": {"range": gr(1, 10, 2, 3), "rule": rule}}]})
    data = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!C1:C3"})["sheets"][0]["data"][0]
    assert data["rowData"][0] == {}
    assert data["rowData"][1]["values"][0]["dataValidation"] == rule
    sh.batch_update({"requests": [{"setDataValidation": {"range": gr(1, 10, 2, 3)}}]})
    data = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!C1:C3"})["sheets"][0]["data"][0]
    assert "rowData" not in data
    with pytest.raises(gspread.exceptions.APIError, match="ONE_OF_LIST"):
        sh.batch_update({"requests": [{"setDataValidation": {"range": gr(0, 1, 0, 1),
                                                             "rule": {"condition": {"type": "ONE_OF_LIST"}}}}]})


def test_conditional_format_rules_add_update_move_delete(sh):
    def rule(n):
        return {"ranges": [gr(0, 5, 0, 1)], "booleanRule": {"condition": {"type": "NUMBER_GREATER",
                                                                          "values": [{"userEnteredValue": str(n)}]},
                                                            "format": {"textFormat": {"bold": True}}}}

    sh.batch_update({"requests": [{"addConditionalFormatRule": {"rule": rule(1), "index": 0}},
                                  {"addConditionalFormatRule": {"rule": rule(2), "index": 0}},
                                  {"addConditionalFormatRule": {"rule": rule(3), "index": 99}}]})
    got = [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in sheet0(sh)["conditionalFormats"]]
    assert got == ["2", "1", "3"]
    res = sh.batch_update({"requests": [
        {"updateConditionalFormatRule": {"sheetId": 0, "index": 1, "rule": rule(9)}},
        {"updateConditionalFormatRule": {"sheetId": 0, "index": 0, "newIndex": 2}},
        {"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}},
    ]})["replies"]
    assert res[0]["updateConditionalFormatRule"]["oldRule"] == rule(1)
    assert res[0]["updateConditionalFormatRule"]["newIndex"] == 1 and "oldIndex" not in res[0]["updateConditionalFormatRule"]
    assert res[1]["updateConditionalFormatRule"] == {"newRule": rule(2), "oldIndex": 0, "newIndex": 2}
    assert res[2]["deleteConditionalFormatRule"]["rule"] == rule(9)
    got = [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in sheet0(sh)["conditionalFormats"]]
    assert got == ["3", "2"]


def test_conditional_format_errors(sh, allow_invalid_requests):
    other = sh.add_worksheet("Other", 5, 5)
    for body, text in [
        ({"rule": {"ranges": [gr(0, 1, 0, 1)]}}, "exactly one of booleanRule or gradientRule"),
        ({"rule": {"booleanRule": {"condition": {"type": "NOT_BLANK"}}}}, "at least one range"),
        ({"rule": {"ranges": [gr(0, 1, 0, 1), gr(0, 1, 0, 1, other.id)],
                   "booleanRule": {"condition": {"type": "NOT_BLANK"}}}}, "same sheet"),
    ]:
        with pytest.raises(gspread.exceptions.APIError) as e:
            sh.batch_update({"requests": [{"addConditionalFormatRule": body}]})
        assert text in str(e.value)
    with pytest.raises(gspread.exceptions.APIError, match="No conditional format"):
        sh.batch_update({"requests": [{"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}}]})


def test_named_ranges_add_update_delete_and_resolve_in_values(sh):
    sh.sheet1.update([["a"], ["b"]], "A1")
    nr = sh.batch_update({"requests": [{"addNamedRange": {"namedRange": {"name": "ids", "range": gr(0, 2, 0, 1)}}}]}
                         )["replies"][0]["addNamedRange"]["namedRange"]
    assert nr["name"] == "ids" and nr["namedRangeId"] and nr["range"] == gr(0, 2, 0, 1)
    assert sh.values_get("ids")["values"] == [["a"], ["b"]]
    sh.batch_update({"requests": [{"updateNamedRange": {"namedRange": {"namedRangeId": nr["namedRangeId"],
                                                                       "range": gr(1, 2, 0, 1)}, "fields": "range"}}]})
    assert sh.values_get("ids")["values"] == [["b"]]
    sh.batch_update({"requests": [{"deleteNamedRange": {"namedRangeId": nr["namedRangeId"]}}]})
    assert "namedRanges" not in sh.fetch_sheet_metadata()


@pytest.mark.parametrize("name, text", [("A1", "cell reference"), ("R1C1", "cell reference"), ("1st", "starts"),
                                        ("has space", "starts"), ("dup", "already exists")])
def test_named_range_names_are_checked(sh, name, text):
    sh.batch_update({"requests": [{"addNamedRange": {"namedRange": {"name": "DUP", "range": gr(0, 1, 0, 1)}}}]})
    with pytest.raises(gspread.exceptions.APIError, match=text):
        sh.batch_update({"requests": [{"addNamedRange": {"namedRange": {"name": name, "range": gr(0, 1, 0, 1)}}}]})


def test_basic_filter_set_hides_rows_and_clear_shows_them(sh):
    sh.sheet1.update([["status"], ["open"], ["done"], ["open"]], "A1")
    sh.batch_update({"requests": [{"setBasicFilter": {"filter": {
        "range": gr(0, 4, 0, 2), "criteria": {"0": {"hiddenValues": ["done"]}}}}}]})
    s = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A1:A4"})["sheets"][0]
    assert s["basicFilter"]["range"] == gr(0, 4, 0, 2)
    assert [m.get("hiddenByFilter", False) for m in s["data"][0]["rowMetadata"]] == [False, False, True, False]
    sh.sheet1.clear_basic_filter()
    s = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A1:A4"})["sheets"][0]
    assert "basicFilter" not in s and not any(m.get("hiddenByFilter") for m in s["data"][0]["rowMetadata"])
    sh.sheet1.set_basic_filter("A1:B4")  # gspread's helper
    assert sheet0(sh)["basicFilter"]["range"] == gr(0, 4, 0, 2)


def test_basic_filter_conditions_are_a_loud_gap(sh):
    with pytest.raises(gspread.exceptions.APIError, match="condition"):
        sh.batch_update({"requests": [{"setBasicFilter": {"filter": {
            "range": gr(0, 4, 0, 2), "criteria": {"0": {"condition": {"type": "NOT_BLANK"}}}}}}]})


def test_basic_filter_follows_column_moves(sh):
    sh.batch_update({"requests": [{"setBasicFilter": {"filter": {
        "range": gr(0, 4, 1, 3), "criteria": {"2": {"hiddenValues": ["x"]}}}}},
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}}}]})
    bf = sheet0(sh)["basicFilter"]
    assert bf["range"] == gr(0, 4, 2, 4) and list(bf["criteria"]) == ["3"]


def test_basic_filter_sort_specs_sort_the_rows_below_the_header(sh):
    sh.sheet1.update([["name"], ["b"], ["c"], ["a"]], "A1")
    sh.batch_update({"requests": [{"setBasicFilter": {"filter": {
        "range": gr(0, 4, 0, 1), "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "ASCENDING"}]}}}]})
    assert sh.sheet1.col_values(1) == ["name", "a", "b", "c"]
