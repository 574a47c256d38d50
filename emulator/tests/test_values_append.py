"""values.append: table detection, insertDataOption, grid growth, the response's `updates` shape."""

from __future__ import annotations


def _append(rest, rng, values, **params):
    params.setdefault("valueInputOption", "RAW")
    return rest.post(f"/values/{rng}:append", {"values": values}, **params)


def test_append_to_empty_sheet_starts_at_range_corner(rest, sh):
    status, body = _append(rest, "Sheet1!A1", [["h1", "h2"]])
    assert status == 200
    assert body == {"spreadsheetId": sh.id, "updates": {
        "spreadsheetId": sh.id, "updatedRange": "Sheet1!A1:B1", "updatedRows": 1, "updatedColumns": 2,
        "updatedCells": 2}}  # no tableRange when no table was found


def test_append_after_table_reports_table_range(ws, rest, sh):
    ws.update([["id", "title"], ["T-1", "a"], ["T-2", "b"]], "A1")
    status, body = _append(rest, "Sheet1", [["T-3", "c"]])
    assert body["tableRange"] == "Sheet1!A1:B3"
    assert body["updates"]["updatedRange"] == "Sheet1!A4:B4"
    assert ws.get_all_values()[-1] == ["T-3", "c"]


def test_table_starts_at_its_first_column(ws, rest):
    ws.update([["x", "y"], ["1", "2"]], "C3")
    status, body = _append(rest, "Sheet1!A:F", [["new"]])
    assert body["tableRange"] == "Sheet1!C3:D4"
    assert body["updates"]["updatedRange"] == "Sheet1!C5"


def test_gap_ends_the_table(ws, rest):
    ws.update([["a"], ["b"], [""], ["far"]], "A1")
    _, body = _append(rest, "A1", [["c"]])
    assert body["tableRange"] == "Sheet1!A1:A2"
    assert body["updates"]["updatedRange"] == "Sheet1!A3"


def test_overwrite_vs_insert_rows(ws, rest):
    ws.update([["a"], ["b"], [""], ["below"]], "A1")
    _append(rest, "A1", [["c"]], insertDataOption="INSERT_ROWS")
    assert [r[0] if r else "" for r in ws.get_all_values()] == ["a", "b", "c", "", "below"]
    assert ws.spreadsheet.get_worksheet(0).row_count == 1001
    _append(rest, "A1", [["d"], ["e"]], insertDataOption="OVERWRITE")
    assert [r[0] if r else "" for r in ws.get_all_values()] == ["a", "b", "c", "d", "e"]
    assert ws.spreadsheet.get_worksheet(0).row_count == 1001


def test_table_runs_past_a_one_row_range(ws, rest):
    ws.update([["id", "title"], ["T-1", "a"], ["T-2", "b"]], "A1")
    _, body = _append(rest, "Sheet1!A1:B1", [["T-3", "c"]])
    assert body["tableRange"] == "Sheet1!A1:B3"
    assert body["updates"]["updatedRange"] == "Sheet1!A4:B4"


def test_append_grows_the_grid_at_the_end(sh, rest):
    ws = sh.add_worksheet("Small", rows=2, cols=2)
    ws.update([["a", "b"], ["c", "d"]], "A1")
    status, body = _append(rest, "Small!A1", [["e", "f", "g"], ["h"]])
    assert status == 200
    assert body["updates"]["updatedRange"] == "Small!A3:C4"
    assert (ws.spreadsheet.worksheet("Small").row_count, ws.spreadsheet.worksheet("Small").col_count) == (4, 3)


def test_gspread_append_rows_user_entered(ws):
    ws.append_rows([["=1+2", "5%"]], value_input_option="USER_ENTERED")
    ws.append_rows([["=1+2", "5%"]], value_input_option="RAW")
    assert ws.get_all_values() == [["3", "5%"], ["=1+2", "5%"]]
    assert ws.get("A1:B2", value_render_option="UNFORMATTED_VALUE") == [[3, 0.05], ["=1+2", "5%"]]


def test_append_include_values_in_response(rest):
    _, body = _append(rest, "A1", [["=2*3"]], valueInputOption="USER_ENTERED", includeValuesInResponse="true")
    assert body["updates"]["updatedData"] == {"range": "Sheet1!A1", "majorDimension": "ROWS", "values": [["6"]]}


def test_append_bad_insert_option(rest, allow_invalid_requests):
    status, body = _append(rest, "A1", [["x"]], insertDataOption="APPEND")
    assert status == 400 and "APPEND" in body["error"]["message"]


def test_single_empty_cell_range_writes_right_there(ws, rest):
    """What gspread's insert_rows relies on: append into the empty row it just inserted."""
    ws.update([["r0"], ["r1"], [""], ["r2"]], "A1")
    _, body = _append(rest, "Sheet1!A3", [["new"]])
    assert "tableRange" not in body
    assert body["updates"]["updatedRange"] == "Sheet1!A3"
    assert ws.col_values(1) == ["r0", "r1", "new", "r2"]


def test_range_inside_a_table_finds_the_whole_table(ws, rest):
    ws.update([["a"], ["b"], ["c"]], "A1")
    _, body = _append(rest, "Sheet1!A2", [["d"]])
    assert body["tableRange"] == "Sheet1!A1:A3"
    assert body["updates"]["updatedRange"] == "Sheet1!A4"


def test_gspread_insert_rows(ws):
    ws.update([["r0"], ["r1"], ["r2"]], "A1")
    ws.insert_rows([["new", "row"]], 3)
    assert ws.col_values(1) == ["r0", "r1", "new", "r2"]


def test_gspread_insert_cols_fills_the_new_columns(ws):
    """Mirrors gspread's recorded Google session (WorksheetTest.test_insert_cols cassette)."""
    ws.update([[f"{r}{c}" for c in "ABCD"] for r in range(1, 7)], "A1")
    ws.insert_cols([["x1", "x2", "x3", "x4"], ["y1", "y2", "y3", "y4"]], 2)
    assert ws.col_values(2) == ["x1", "x2", "x3", "x4"]
    assert ws.col_values(3) == ["y1", "y2", "y3", "y4"]
    assert ws.col_values(1) == [f"{r}A" for r in range(1, 7)]
    assert ws.col_values(4) == [f"{r}B" for r in range(1, 7)]
    assert ws.row_values(5) == ["5A", "", "", "5B", "5C", "5D"]


def test_append_columns_major_to_empty_column_answers_like_google(ws, rest):
    ws.update([[f"{r}{c}" for c in "ABCD"] for r in range(1, 7)], "A1")
    ws.insert_cols([[]], 2)  # one empty column B
    status, body = rest.post("/values/Sheet1!B1:append", {"majorDimension": "COLUMNS", "values": [["p", "q"]]},
                             valueInputOption="RAW")
    assert status == 200 and "tableRange" not in body
    assert body["updates"]["updatedRange"] == "Sheet1!B1:B2"
    assert ws.col_values(2) == ["p", "q"]
