"""A1 / R1C1 notation: parsing, quoting, resolving against a spreadsheet, and what the endpoints say back."""

from __future__ import annotations

import pytest

from gsheets_emulator.a1 import (
    col_to_index,
    index_to_col,
    parse_bounds,
    quote_title,
    resolve,
    split_sheet,
    to_a1,
)
from gsheets_emulator.errors import ApiError
from gsheets_emulator.model import SheetState, SpreadsheetState


def _ss() -> SpreadsheetState:
    ss = SpreadsheetState("x", {"title": "t", "locale": "en_US"})
    for i, title in enumerate(["Sheet1", "Бэклог", "It's mine", "A1"]):
        s = SheetState({"sheetId": i, "title": title, "index": i})
        s.set_size(1000, 26)
        ss.sheets.append(s)
    ss.named_ranges.append({"namedRangeId": "n1", "name": "Totals",
                            "range": {"sheetId": 1, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 2,
                                      "endColumnIndex": 4}})
    return ss


@pytest.mark.parametrize(("letters", "index"), [("A", 0), ("Z", 25), ("AA", 26), ("AZ", 51), ("BA", 52),
                                                ("ZZ", 701), ("AAA", 702)])
def test_column_letters_round_trip(letters, index):
    assert col_to_index(letters) == index
    assert index_to_col(index) == letters


@pytest.mark.parametrize(("text", "sheet", "part"), [
    ("Sheet1!A1:B2", "Sheet1", "A1:B2"),
    ("'My sheet'!A:A", "My sheet", "A:A"),
    ("'It''s'!2:2", "It's", "2:2"),
    ("'Бэклог'!C2:C", "Бэклог", "C2:C"),
    ("Бэклог!C2", "Бэклог", "C2"),
    ("A1:B2", None, "A1:B2"),
    ("'Only sheet'", "Only sheet", None),
    ("'a!b'!A1", "a!b", "A1"),
])
def test_split_sheet(text, sheet, part):
    assert split_sheet(text) == (sheet, part)


@pytest.mark.parametrize("bad", ["'unterminated!A1", "'x'y!A1"])
def test_split_sheet_rejects_broken_quotes(bad):
    with pytest.raises(ApiError) as e:
        split_sheet(bad)
    assert e.value.code == 400 and "Unable to parse range" in e.value.message


@pytest.mark.parametrize(("part", "bounds"), [
    ("A1", (0, 1, 0, 1)),
    ("B2:C5", (1, 5, 1, 3)),
    ("C5:B2", (1, 5, 1, 3)),
    ("$A$1:$B$2", (0, 2, 0, 2)),
    ("A:A", (None, None, 0, 1)),
    ("A:C", (None, None, 0, 3)),
    ("2:2", (1, 2, None, None)),
    ("2:5", (1, 5, None, None)),
    ("A2:F", (1, None, 0, 6)),
    ("A:F5", (0, 5, 0, 6)),
    ("R1C1", (0, 1, 0, 1)),
    ("R2C3:R4C5", (1, 4, 2, 5)),
])
def test_parse_bounds(part, bounds):
    b = parse_bounds(part, part)
    assert (b.r0, b.r1, b.c0, b.c1) == bounds


@pytest.mark.parametrize("bad", ["A", "5", "A:5", "A1:B2:C3", "A0", "1A", "A1:", ":B2", "ZZZZ1", "A-1"])
def test_parse_bounds_rejects(bad):
    with pytest.raises(ApiError) as e:
        parse_bounds(bad, bad)
    assert e.value.code == 400
    assert e.value.message == f"Unable to parse range: {bad}"


@pytest.mark.parametrize(("title", "quoted"), [("Sheet1", "Sheet1"), ("My sheet", "'My sheet'"),
                                               ("It's", "'It''s'"), ("Бэклог", "'Бэклог'"), ("A1", "'A1'"),
                                               ("R1C1", "'R1C1'"), ("_x", "_x"), ("1abc", "'1abc'")])
def test_quote_title(title, quoted):
    assert quote_title(title) == quoted


def test_to_a1_single_cell_and_block():
    assert to_a1("Sheet1", 0, 1, 0, 1) == "Sheet1!A1"
    assert to_a1("It's", 1, 3, 1, 28) == "'It''s'!B2:AB3"


def test_resolve_open_ranges_run_to_the_grid():
    ss = _ss()
    r = resolve(ss, "'Бэклог'!C2:C")
    assert (r.sheet.title, r.r0, r.r1, r.c0, r.c1, r.open_rows) == ("Бэклог", 1, 1000, 2, 3, True)
    assert r.a1() == "'Бэклог'!C2:C1000"
    r = resolve(ss, "Sheet1!2:2")
    assert (r.r0, r.r1, r.c0, r.c1) == (1, 2, 0, 26)
    assert r.a1() == "Sheet1!A2:Z2"


def test_resolve_bare_sheet_name_named_range_and_first_sheet():
    ss = _ss()
    assert resolve(ss, "It's mine").a1() == "'It''s mine'!A1:Z1000"
    assert resolve(ss, "Totals").a1() == "'Бэклог'!C2:D3"
    assert resolve(ss, "B2:C3").a1() == "Sheet1!B2:C3"
    # a sheet literally called "A1" wins over the cell reference, as a bare name
    assert resolve(ss, "A1").sheet.title == "A1"
    assert resolve(ss, "'A1'!B2").a1() == "'A1'!B2"


def test_resolve_unknown_sheet_is_unable_to_parse():
    with pytest.raises(ApiError) as e:
        resolve(_ss(), "Nope!A1")
    assert e.value.code == 400 and e.value.message == "Unable to parse range: Nope!A1"


def test_resolve_beyond_grid_is_clamped_for_reads():
    r = resolve(_ss(), "Sheet1!A1:AB2000")
    assert r.exceeds_grid()
    assert r.clamped().a1() == "Sheet1!A1:Z1000"


# --- through the endpoints -----------------------------------------------------------------
def test_quoted_unicode_sheet_names_round_trip_through_gspread(sh):
    ws = sh.add_worksheet("Бэклог 'клиента'", rows=10, cols=5)
    ws.update([["x", 1]], "B2")
    got = sh.values_get("'Бэклог ''клиента'''!B2:C2")
    assert got["range"] == "'Бэклог ''клиента'''!B2:C2"
    assert got["values"] == [["x", "1"]]
    assert ws.get_all_values()[1] == ["", "x", "1"]


def test_whole_row_and_column_reads_name_the_clamped_block(rest, ws):
    ws.update([[1, 2], [3, 4]], "A1")
    status, body = rest.get("Sheet1!A:A")
    assert status == 200 and body["range"] == "Sheet1!A1:A1000" and body["values"] == [["1"], ["3"]]
    status, body = rest.get("Sheet1!2:2")
    assert body["range"] == "Sheet1!A2:Z2" and body["values"] == [["3", "4"]]


def test_unparseable_range_is_googles_400(rest):
    status, body = rest.get("Sheet1!A1:B2:C3")
    assert status == 400
    assert body["error"]["status"] == "INVALID_ARGUMENT"
    assert body["error"]["message"] == "Unable to parse range: Sheet1!A1:B2:C3"
    status, body = rest.get("Missing!A1")
    assert status == 400 and body["error"]["message"] == "Unable to parse range: Missing!A1"
