"""values.get / batchGet: trimming, majorDimension, the render options, parameter checking."""

from __future__ import annotations


def test_empty_range_has_no_values_key(rest):
    status, body = rest.get("Sheet1!A1:C3")
    assert status == 200
    assert body == {"range": "Sheet1!A1:C3", "majorDimension": "ROWS"}


def test_trailing_empty_rows_and_columns_are_trimmed_but_inner_gaps_kept(ws, rest):
    ws.update([["a", "", "c", ""], ["", "", "", ""], ["x"]], "B2")
    _, body = rest.get("Sheet1!A1:F6")
    assert body["range"] == "Sheet1!A1:F6"
    # row 1 empty -> [], row 2: leading empty A kept; trailing empties dropped; empty middle row kept as []
    assert body["values"] == [[], ["", "a", "", "c"], [], ["", "x"]]


def test_major_dimension_columns(ws, rest):
    ws.update([[1, 2], [3, 4], [5]], "A1")
    _, body = rest.get("Sheet1!A1:C3", majorDimension="COLUMNS", valueRenderOption="UNFORMATTED_VALUE")
    assert body["majorDimension"] == "COLUMNS"
    assert body["values"] == [[1, 3, 5], [2, 4]]


def test_render_options_for_a_currency_formula(ws, rest, sh):
    """The reference's own example: A1 is 1.23, A2 is =A1 formatted as currency."""
    ws.update([[1.23], ["=A1"]], "A1", raw=False)
    ws.format("A2", {"numberFormat": {"type": "CURRENCY", "pattern": '"$"#,##0.00'}})
    assert rest.get("A2", valueRenderOption="FORMATTED_VALUE")[1]["values"] == [["$1.23"]]
    assert rest.get("A2", valueRenderOption="UNFORMATTED_VALUE")[1]["values"] == [[1.23]]
    assert rest.get("A2", valueRenderOption="FORMULA")[1]["values"] == [["=A1"]]
    # FORMULA renders plain values unformatted
    assert rest.get("A1", valueRenderOption="FORMULA")[1]["values"] == [[1.23]]


def test_datetime_render_option(ws, rest):
    ws.update([["2026-11-22"], ["14:30"], ["5"]], "A1", raw=False)
    _, body = rest.get("A1:A3", valueRenderOption="UNFORMATTED_VALUE")
    assert body["values"] == [[46348], [0.6041666666666666], [5]]
    _, body = rest.get("A1:A3", valueRenderOption="UNFORMATTED_VALUE", dateTimeRenderOption="FORMATTED_STRING")
    # an ISO date keeps its ISO format (WorksheetTest.test_get_all_values_date_time_render_options.json)
    assert body["values"] == [["2026-11-22"], ["2:30:00 PM"], [5]]
    # ignored with FORMATTED_VALUE
    _, body = rest.get("A1:A3", dateTimeRenderOption="SERIAL_NUMBER")
    assert body["values"] == [["2026-11-22"], ["2:30:00 PM"], ["5"]]


def test_integral_numbers_come_back_as_json_integers(ws, rest):
    ws.update([[3, 2.5, True, "t"]], "A1")
    _, body = rest.get("A1:D1", valueRenderOption="UNFORMATTED_VALUE")
    assert body["values"] == [[3, 2.5, True, "t"]]
    assert isinstance(body["values"][0][0], int)
    _, body = rest.get("A1:D1")
    assert body["values"] == [["3", "2.5", "TRUE", "t"]]


def test_batch_get_keeps_order_and_shapes(ws, sh, rest):
    ws.update([[1, 2], [3, 4]], "A1")
    got = ws.batch_get(["B2", "A1:B1", "C5:D6"])
    assert [list(v) for v in got] == [[["4"]], [["1", "2"]], []]
    status, body = rest.call("GET", "/values:batchGet", params={"ranges": ["A1", "Sheet1!B:B"],
                                                                  "valueRenderOption": "UNFORMATTED_VALUE"})
    assert status == 200
    assert body["spreadsheetId"] == sh.id
    assert body["valueRanges"] == [
        {"range": "Sheet1!A1", "majorDimension": "ROWS", "values": [[1]]},
        {"range": "Sheet1!B1:B1000", "majorDimension": "ROWS", "values": [[2], [4]]},
    ]


def test_read_reaching_past_the_grid_is_a_grid_limit_error(ws, rest):
    """Google answers reads past the grid like writes (see pygsheets issue #528's values_get)."""
    ws.update([["z"]], "Z1000")
    status, body = rest.get("Sheet1!Y999:AC1500")
    assert status == 400
    assert body["error"]["message"] == ("Range ('Sheet1'!Y999:AC1500) exceeds grid limits. Max rows: 1000, "
                                        "max columns: 26")
    status, body = rest.get("Sheet1!Y999:Z")
    assert status == 200 and body["range"] == "Sheet1!Y999:Z1000" and body["values"] == [[], ["", "z"]]


def test_unknown_query_parameter_is_rejected(rest, allow_invalid_requests):
    status, body = rest.get("A1", valueRenderOptions="FORMULA")
    assert status == 400
    assert "valueRenderOptions" in body["error"]["message"]


def test_bad_enum_value_is_rejected(rest, allow_invalid_requests):
    status, body = rest.get("A1", valueRenderOption="PRETTY")
    assert status == 400
    assert 'value_render_option' in body["error"]["message"] and '"PRETTY"' in body["error"]["message"]
    status, body = rest.get("A1", majorDimension="DIAGONAL")
    assert status == 400 and "DIAGONAL" in body["error"]["message"]


def test_fields_mask_applies_to_values_responses(ws, rest):
    ws.update([[1]], "A1")
    _, body = rest.get("A1", fields="values")
    assert body == {"values": [["1"]]}


def test_reader_can_read_and_stranger_cannot(emu, sh, rest_as):
    sh.sheet1.update([["secret"]], "A1")
    sh.share("client@client.test", perm_type="user", role="reader", notify=False)
    status, body = rest_as("client@client.test").get("A1")
    assert status == 200 and body["values"] == [["secret"]]
    status, body = rest_as("stranger@else.test").get("A1")
    assert status == 403 and body["error"]["status"] == "PERMISSION_DENIED"


def test_batch_get_fails_whole_on_one_bad_range_and_answers_empty_without_ranges(ws, sh, rest):
    ws.update([["a"]], "A1")
    status, body = rest.call("GET", "/values:batchGet", params={"ranges": ["A1", "Nope!A1"]})
    assert (status, body["error"]["message"]) == (400, "Unable to parse range: Nope!A1")
    status, body = rest.call("GET", "/values:batchGet", params={"ranges": ["A1", "A1:B2000"]})
    assert status == 400 and "exceeds grid limits" in body["error"]["message"]
    status, body = rest.call("GET", "/values:batchGet")
    assert (status, body) == (200, {"spreadsheetId": sh.id})
