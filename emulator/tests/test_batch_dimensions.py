"""insertDimension / deleteDimension / appendDimension / moveDimension / updateDimensionProperties /
autoResizeDimensions, and everything that must stay attached to its cells when rows and columns move.

Semantics checked against the Sheets v4 reference: InsertDimensionRequest (inheritFromBefore,
"true to inherit from the dimensions before (in which case the start index must be greater
than 0)"), MoveDimensionRequest ("destinationIndex ... based on the coordinates before the
source data is removed from the grid"), and the Sheets UI rule that merges, protected ranges,
conditional formats, named ranges, validation and row/column developer metadata follow their cells.
"""

from __future__ import annotations

import gspread
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gsheets_emulator import Emulator

OWNER = "owner@agency.test"


@pytest.fixture
def sh(owner_gc):
    sh = owner_gc.create("Dims")
    sh.sheet1.resize(8, 4)
    sh.sheet1.update([[f"r{i}", f"b{i}"] for i in range(8)], "A1")
    return sh


def dim(sheet_id, d, a, b):
    return {"sheetId": sheet_id, "dimension": d, "startIndex": a, "endIndex": b}


def sheet_json(sh, title="Sheet1"):
    return next(s for s in sh.fetch_sheet_metadata()["sheets"] if s["properties"]["title"] == title)


def test_insert_rows_shifts_values_and_grows_the_grid(sh):
    ws = sh.sheet1
    sh.batch_update({"requests": [{"insertDimension": {"range": dim(0, "ROWS", 2, 4)}}]})
    ws = sh.sheet1
    assert ws.row_count == 10
    assert ws.col_values(1) == ["r0", "r1", "", "", "r2", "r3", "r4", "r5", "r6", "r7"]


def test_insert_columns(sh):
    sh.batch_update({"requests": [{"insertDimension": {"range": dim(0, "COLUMNS", 1, 2)}}]})
    ws = sh.sheet1
    assert ws.col_count == 5
    assert ws.row_values(1) == ["r0", "", "b0"]


def test_insert_rows_through_gspread(sh):
    ws = sh.sheet1
    ws.insert_rows([["new", "row"]], 3)
    assert ws.col_values(1)[:4] == ["r0", "r1", "new", "r2"]


def test_inherit_from_before_copies_format_and_size_not_content(sh):
    ws = sh.sheet1
    ws.format("A2:B2", {"textFormat": {"bold": True}})
    sh.batch_update({"requests": [
        {"updateDimensionProperties": {"range": dim(0, "ROWS", 1, 2), "properties": {"pixelSize": 40},
                                       "fields": "pixelSize"}},
        {"insertDimension": {"range": dim(0, "ROWS", 2, 3), "inheritFromBefore": True}},
    ]})
    data = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A2:B4"})["sheets"][0]["data"][0]
    assert [m["pixelSize"] for m in data["rowMetadata"]] == [40, 40, 21]
    new_cell = data["rowData"][1]["values"][0]
    assert "userEnteredValue" not in new_cell
    assert new_cell["userEnteredFormat"]["textFormat"]["bold"] is True
    # inheriting from after (the default) takes row 4's (plain) look
    sh.batch_update({"requests": [{"insertDimension": {"range": dim(0, "ROWS", 1, 2)}}]})
    data = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A2:A2"})["sheets"][0]["data"][0]
    assert data["rowMetadata"] == [{"pixelSize": 40}]  # row 2 (now 3) was 40px, it is the one after


def test_insert_errors(emu, sh, allow_invalid_requests):
    for req, text in [
        ({"range": dim(0, "ROWS", 0, 1), "inheritFromBefore": True}, "inheritFromBefore"),
        ({"range": dim(0, "ROWS", 9, 10)}, "appendDimension"),
        ({"range": dim(0, "ROWS", 3, 3)}, "at least one"),
        ({"range": dim(42, "ROWS", 0, 1)}, "No grid with id: 42"),
        ({"range": {"sheetId": 0, "startIndex": 0, "endIndex": 1}}, "ROWS or COLUMNS"),
        ({"range": dim(0, "COLUMNS", 0, 20000)}, "18278"),
    ]:
        with pytest.raises(gspread.exceptions.APIError) as e:
            sh.batch_update({"requests": [{"insertDimension": req}]})
        assert text in str(e.value), (req, str(e.value))


def test_grid_cell_limit_applies_to_inserts_and_appends(sh):
    big = sh.add_worksheet("big", 100_000, 99)  # 9,900,000 cells + Sheet1's 32
    with pytest.raises(gspread.exceptions.APIError, match="10000000"):
        sh.batch_update({"requests": [{"appendDimension": {"sheetId": big.id, "dimension": "ROWS", "length": 1100}}]})
    with pytest.raises(gspread.exceptions.APIError, match="10000000"):
        sh.batch_update({"requests": [{"insertDimension": {"range": dim(big.id, "COLUMNS", 0, 2)}}]})
    sh.batch_update({"requests": [{"appendDimension": {"sheetId": big.id, "dimension": "ROWS", "length": 999}}]})
    assert sh.worksheet("big").row_count == 100_999


def test_append_dimension_via_gspread(sh):
    ws = sh.sheet1
    ws.add_rows(5)
    ws.add_cols(2)
    ws = sh.sheet1
    assert (ws.row_count, ws.col_count) == (13, 6)


def test_delete_rows_and_columns(sh):
    ws = sh.sheet1
    ws.delete_rows(2, 3)  # gspread: 1-based inclusive
    assert ws.col_values(1) == ["r0", "r3", "r4", "r5", "r6", "r7"]
    sh.batch_update({"requests": [{"deleteDimension": {"range": dim(0, "COLUMNS", 0, 1)}}]})
    ws = sh.sheet1
    assert ws.col_count == 3 and ws.row_values(1) == ["b0"]


def test_cannot_delete_every_row(sh):
    with pytest.raises(gspread.exceptions.APIError, match="all the rows"):
        sh.batch_update({"requests": [{"deleteDimension": {"range": dim(0, "ROWS", 0, 8)}}]})
    with pytest.raises(gspread.exceptions.APIError, match="beyond"):
        sh.batch_update({"requests": [{"deleteDimension": {"range": dim(0, "ROWS", 0, 9)}}]})


def test_delete_with_open_end_runs_to_the_last_row(sh):
    sh.batch_update({"requests": [{"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS",
                                                                 "startIndex": 5}}}]})
    assert sh.sheet1.row_count == 5


def test_move_rows_uses_before_the_move_coordinates(sh):
    # rows 1..2 (r1, r2) moved to destination 5: they land before what was row 5
    sh.batch_update({"requests": [{"moveDimension": {"source": dim(0, "ROWS", 1, 3), "destinationIndex": 5}}]})
    assert sh.sheet1.col_values(1) == ["r0", "r3", "r4", "r1", "r2", "r5", "r6", "r7"]
    # and upwards
    sh.batch_update({"requests": [{"moveDimension": {"source": dim(0, "ROWS", 6, 8), "destinationIndex": 0}}]})
    assert sh.sheet1.col_values(1) == ["r6", "r7", "r0", "r3", "r4", "r1", "r2", "r5"]


def test_move_columns(sh):
    sh.batch_update({"requests": [{"moveDimension": {"source": dim(0, "COLUMNS", 0, 1), "destinationIndex": 3}}]})
    assert sh.sheet1.row_values(1) == ["b0", "", "r0"]


def test_move_onto_itself_is_a_no_op(sh):
    sh.batch_update({"requests": [{"moveDimension": {"source": dim(0, "ROWS", 2, 4), "destinationIndex": 3}}]})
    assert sh.sheet1.col_values(1) == [f"r{i}" for i in range(8)]


def test_merges_follow_inserts_deletes_and_die_with_their_rows(sh):
    ws = sh.sheet1
    ws.merge_cells("A3:B4")
    ws.merge_cells("C6:D7")
    sh.batch_update({"requests": [{"insertDimension": {"range": dim(0, "ROWS", 0, 1)}}]})
    merges = sheet_json(sh)["merges"]
    assert {(m["startRowIndex"], m["endRowIndex"]) for m in merges} == {(3, 5), (6, 8)}
    sh.batch_update({"requests": [{"insertDimension": {"range": dim(0, "ROWS", 4, 6)}}]})  # inside the merge
    merges = sheet_json(sh)["merges"]
    assert {(m["startRowIndex"], m["endRowIndex"]) for m in merges} == {(3, 7), (8, 10)}
    sh.batch_update({"requests": [{"deleteDimension": {"range": dim(0, "ROWS", 8, 10)}}]})
    merges = sheet_json(sh)["merges"]
    assert [(m["startRowIndex"], m["endRowIndex"]) for m in merges] == [(3, 7)]
    with pytest.raises(gspread.exceptions.APIError, match="part of a merged"):
        sh.batch_update({"requests": [{"moveDimension": {"source": dim(0, "ROWS", 4, 5), "destinationIndex": 0}}]})


def test_conditional_formats_named_ranges_and_protection_follow_rows(sh):
    sh.batch_update({"requests": [
        {"addConditionalFormatRule": {"rule": {"ranges": [{"sheetId": 0, "startRowIndex": 2, "endRowIndex": 4}],
                                               "booleanRule": {"condition": {"type": "NOT_BLANK"},
                                                               "format": {"textFormat": {"bold": True}}}}}},
        {"addNamedRange": {"namedRange": {"name": "block", "range": {"sheetId": 0, "startRowIndex": 2,
                                                                     "endRowIndex": 4}}}},
        {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0, "startRowIndex": 2, "endRowIndex": 4}}}},
        {"addNamedRange": {"namedRange": {"name": "doomed", "range": {"sheetId": 0, "startRowIndex": 6,
                                                                      "endRowIndex": 7}}}},
    ]})
    sh.batch_update({"requests": [
        {"insertDimension": {"range": dim(0, "ROWS", 0, 2)}},
        {"deleteDimension": {"range": dim(0, "ROWS", 8, 9)}},  # the "doomed" row, now at 8
    ]})
    meta = sh.fetch_sheet_metadata()
    s = meta["sheets"][0]
    want = {"startRowIndex": 4, "endRowIndex": 6}  # Google omits sheetId 0 in GridRanges
    assert s["conditionalFormats"][0]["ranges"] == [want]
    assert s["protectedRanges"][0]["range"] == want
    assert [(n["name"], n["range"]) for n in meta["namedRanges"]] == [("block", want)]
    assert sh.values_get("block")["values"] == [["r2", "b2"], ["r3", "b3"]]


def test_data_validation_moves_with_its_cells(sh):
    sh.batch_update({"requests": [{"setDataValidation": {
        "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2, "startColumnIndex": 1, "endColumnIndex": 2},
        "rule": {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "x"}]}}}}]})
    sh.batch_update({"requests": [{"moveDimension": {"source": dim(0, "COLUMNS", 1, 2), "destinationIndex": 0}},
                                  {"insertDimension": {"range": dim(0, "ROWS", 0, 1)}}]})
    data = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A3"})["sheets"][0]["data"][0]
    assert data["rowData"][0]["values"][0]["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"


def test_frozen_rows_grow_and_shrink_with_inserts_and_deletes_inside_them(sh):
    ws = sh.sheet1
    ws.freeze(rows=2)
    sh.batch_update({"requests": [{"insertDimension": {"range": dim(0, "ROWS", 1, 2)}}]})
    assert sheet_json(sh)["properties"]["gridProperties"]["frozenRowCount"] == 3
    sh.batch_update({"requests": [{"deleteDimension": {"range": dim(0, "ROWS", 0, 3)}}]})
    assert "frozenRowCount" not in sheet_json(sh)["properties"]["gridProperties"]


def test_update_dimension_properties(sh):
    ws = sh.sheet1
    sh.batch_update({"requests": [
        {"updateDimensionProperties": {"range": dim(0, "COLUMNS", 0, 2), "properties": {"pixelSize": 150},
                                       "fields": "pixelSize"}},
        {"updateDimensionProperties": {"range": dim(0, "ROWS", 3, 4), "properties": {"hiddenByUser": True},
                                       "fields": "hiddenByUser"}},
    ]})
    ws.hide_columns(3, 4)
    data = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1"})["sheets"][0]["data"][0]
    assert [c["pixelSize"] for c in data["columnMetadata"]] == [150, 150, 100, 100]
    assert data["columnMetadata"][3].get("hiddenByUser") is True
    assert data["rowMetadata"][3] == {"pixelSize": 21, "hiddenByUser": True}
    # a mask naming pixelSize only leaves hiddenByUser alone; "*" resets what the body omits
    sh.batch_update({"requests": [{"updateDimensionProperties": {"range": dim(0, "ROWS", 3, 4),
                                                                 "properties": {"pixelSize": 30}, "fields": "*"}}]})
    data = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A4"})["sheets"][0]["data"][0]
    assert data["rowMetadata"] == [{"pixelSize": 30}]


def test_update_dimension_properties_rejects_read_only_and_unknown_fields(sh, allow_invalid_requests):
    for fields in ("hiddenByFilter", "developerMetadata", "colour"):
        with pytest.raises(gspread.exceptions.APIError, match=fields):
            sh.batch_update({"requests": [{"updateDimensionProperties": {
                "range": dim(0, "ROWS", 0, 1), "properties": {}, "fields": fields}}]})


def test_auto_resize_sizes_columns_to_their_text(sh):
    ws = sh.sheet1
    ws.update([["a much longer piece of text"]], "C1")
    ws.columns_auto_resize(0, 4)
    data = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A1:D1"})["sheets"][0]["data"][0]
    widths = [c["pixelSize"] for c in data["columnMetadata"]]
    assert widths[2] > widths[0] > 0
    assert widths[3] == 100  # an empty column keeps the default width


# --- a model-based check of row bookkeeping ------------------------------------------------

ops = st.lists(st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 12), st.integers(1, 3)),
    st.tuples(st.just("delete"), st.integers(0, 12), st.integers(1, 3)),
    st.tuples(st.just("move"), st.integers(0, 12), st.integers(1, 3), st.integers(0, 15)),
), min_size=1, max_size=8)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(ops)
def test_rows_and_their_metadata_move_like_a_list(ops):
    """Against a plain Python list: values and row metadata end up where list operations put them."""
    emu = Emulator()
    gc = emu.gspread_client(OWNER)
    sh = gc.create("Model")
    n = 8
    sh.sheet1.resize(n, 2)
    sh.sheet1.update([[f"r{i}"] for i in range(n)], "A1")
    sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": "row", "metadataValue": f"r{i}", "visibility": "DOCUMENT",
        "location": {"dimensionRange": dim(0, "ROWS", i, i + 1)}}}} for i in range(0, n, 2)]})
    model: list[str] = [f"r{i}" for i in range(n)]
    for op in ops:
        count = len(model)
        if op[0] == "insert":
            at = min(op[1], count)
            req = {"insertDimension": {"range": dim(0, "ROWS", at, at + op[2])}}
            model[at:at] = [""] * op[2]
        elif op[0] == "delete":
            a = min(op[1], count - 1)
            b = min(a + op[2], count)
            if b - a >= count:
                continue
            req = {"deleteDimension": {"range": dim(0, "ROWS", a, b)}}
            del model[a:b]
        else:
            a = min(op[1], count - 1)
            b = min(a + op[2], count)
            d = min(op[3], count)
            req = {"moveDimension": {"source": dim(0, "ROWS", a, b), "destinationIndex": d}}
            if not a <= d <= b:
                seg = model[a:b]
                rest = model[:a] + model[b:]
                pos = d if d <= a else d - (b - a)
                model = rest[:pos] + seg + rest[pos:]
        sh.batch_update({"requests": [req]})
    ws = sh.sheet1
    assert ws.row_count == len(model)
    got = ws.col_values(1)
    assert got + [""] * (len(model) - len(got)) == model
    found = emu.session(OWNER).post(
        f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}/developerMetadata:search",
        json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "row"}}]}).json()
    where = {m["developerMetadata"]["metadataValue"]: m["developerMetadata"]["location"]["dimensionRange"]["startIndex"]
             for m in found.get("matchedDeveloperMetadata", [])}
    assert where == {v: i for i, v in enumerate(model) if v in {f"r{j}" for j in range(0, n, 2)}}
