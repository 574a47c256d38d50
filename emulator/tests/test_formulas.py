"""Formulas entered with USER_ENTERED: stored, evaluated, recomputed when inputs change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gsheets_emulator import Emulator
from gsheets_emulator.formula import SUPPORTED, FormulaError, parse, shift_formula


def _eval(ws, formula, cell="Z1"):
    ws.update([[formula]], cell, raw=False)
    return ws.get(cell, value_render_option="UNFORMATTED_VALUE")[0][0] if ws.get(cell) else None


@pytest.fixture
def data(ws):
    ws.update([["status", "hours", "who"],
               ["done", 3, "ann"],
               ["backlog", 5, "bob"],
               ["done", 2.5, "bob"],
               ["in_progress", "", "ann"],
               ["Done", 4, ""]], "A1")
    return ws


@pytest.mark.parametrize(("formula", "expected"), [
    ("=1+2*3", 7), ("=(1+2)*3", 9), ("=2^3", 8), ("=-2^2", 4), ("=10/4", 2.5), ("=50%", 0.5),
    ("=1<2", True), ("=\"a\"=\"A\"", True), ("=\"b\">\"a\"", True), ("=1<>1", False), ("=\"x\"&1&TRUE", "x1TRUE"),
    ("=SUM(B2:B6)", 14.5), ("=SUM(B:B)", 14.5), ("=SUM(B2:B6, 10, \"1\")", 25.5),
    ("=COUNT(B2:B6)", 4), ("=COUNTA(A2:A6)", 5), ("=COUNTA(C2:C6)", 4),
    ("=COUNTIF(A2:A6, \"done\")", 3),  # case-insensitive
    ("=COUNTIF(B2:B6, \">2.5\")", 3), ("=COUNTIF(B2:B6, \"<>3\")", 4), ("=COUNTIF(A2:A6, \"in_*\")", 1),
    ("=COUNTIF(C2:C6, \"\")", 1),
    ("=COUNTIFS(A2:A6, \"done\", C2:C6, \"bob\")", 1),
    ("=SUMIF(A2:A6, \"done\", B2:B6)", 9.5), ("=SUMIF(B2:B6, \">=3\")", 12),
    ("=SUMIFS(B2:B6, A2:A6, \"done\", C2:C6, \"ann\")", 3),
    ("=IF(B2>2, \"big\", \"small\")", "big"), ("=IF(FALSE, 1)", False),
    ("=AND(TRUE, 1, B2>1)", True), ("=OR(FALSE, 0)", False), ("=NOT(A2=\"done\")", False),
    ("=IFERROR(1/0, \"n/a\")", "n/a"), ("=IFERROR(5, 0)", 5),
    ("=MAX(B2:B6)", 5), ("=MIN(B2:B6)", 2.5), ("=AVERAGE(B2:B6)", 3.625), ("=ROUND(2.345, 2)", 2.35),
    ("=ROUND(-2.5, 0)", -3), ("=LEN(A3)", 7), ("=UPPER(C2)", "ANN"), ("=CONCATENATE(A2, \"-\", C2)", "done-ann"),
    ("=ISBLANK(B5)", True), ("=DATE(2026, 11, 22)", 46348), ("=YEAR(46348)", 2026), ("=MOD(-1, 3)", 2),
    ("=TEXT(0.5, \"0%\")", "50%"),
])
def test_functions(data, formula, expected):
    assert _eval(data, formula) == (pytest.approx(expected) if isinstance(expected, float) else expected)


@pytest.mark.parametrize(("formula", "error", "etype"), [
    ("=1/0", "#DIV/0!", "DIVIDE_BY_ZERO"),
    ("=\"abc\"+1", "#VALUE!", "VALUE"),
    ("=VLOOKUP(1, A1:B2, 2)", "#NAME?", "NAME"),
    ("=NoSuchRange", "#NAME?", "NAME"),
    ("=Missing!A1", "#REF!", "REF"),
    ("=SUM(1,", "#ERROR!", "ERROR"),
    ("=Z1+1", "#REF!", "REF"),  # a cell referring to itself: circular
])
def test_errors_are_google_error_values(sh, ws, formula, error, etype):
    ws.update([[formula]], "Z1", raw=False)
    assert ws.acell("Z1").value == error
    assert ws.get("Z1", value_render_option="UNFORMATTED_VALUE") == [[error]]
    assert ws.get("Z1", value_render_option="FORMULA") == [[formula]]
    res = sh.client.request(
        "get", f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}",
        params={"ranges": "Z1", "includeGridData": "true"}).json()
    cell = res["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert cell["effectiveValue"]["errorValue"]["type"] == etype
    assert cell["formattedValue"] == error


def test_recomputed_when_inputs_change(data):
    data.update([["=SUM(B2:B)"]], "E1", raw=False)
    assert data.acell("E1").value == "14.5"
    data.update([[10]], "B3")
    assert data.acell("E1").value == "19.5"
    data.update([[1]], "B100")
    assert data.acell("E1").value == "20.5"
    data.batch_clear(["B2:B100"])
    assert data.acell("E1").value == "0"


def test_chained_formulas_and_order_independence(ws):
    ws.update([["=B1*2", "=C1+1", 5]], "A1", raw=False)
    assert ws.get("A1:C1", value_render_option="UNFORMATTED_VALUE") == [[12, 6, 5]]


def test_cross_sheet_open_ended_reference_with_quoted_unicode_name(sh, ws):
    backlog = sh.add_worksheet("Бэклог", rows=20, cols=5)
    backlog.update([["key", "title", "status"], ["T-1", "a", "Бэклог"], ["T-2", "b", "Готово"]], "A1")
    ws.update([["=COUNTIF('Бэклог'!C2:C, \"Бэклог\")", "=COUNTA('Бэклог'!A2:A)"]], "A1", raw=False)
    assert ws.get("A1:B1", value_render_option="UNFORMATTED_VALUE") == [[1, 2]]
    backlog.append_rows([["T-3", "c", "Бэклог"]])
    assert ws.get("A1:B1", value_render_option="UNFORMATTED_VALUE") == [[2, 3]]


def test_formula_in_a_deleted_sheet_reference_becomes_ref(sh, ws):
    other = sh.add_worksheet("Other", rows=5, cols=5)
    other.update([[7]], "A1")
    ws.update([["=Other!A1"]], "A1", raw=False)
    assert ws.acell("A1").value == "7"
    sh.del_worksheet(other)
    ws.update([["touch"]], "B1")
    assert ws.acell("A1").value == "#REF!"


def test_named_range_reference(sh, ws):
    ws.update([[2], [3]], "A1")
    sh.batch_update({"requests": [{"addNamedRange": {"namedRange": {"name": "Hours", "range": {
        "sheetId": 0, "startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 1}}}}]})
    ws.update([["=SUM(Hours)"]], "B1", raw=False)
    assert ws.acell("B1").value == "5"


def test_today_and_now_follow_the_emulator_clock_and_show_as_dates():
    t = datetime(2026, 11, 22, 21, 30, tzinfo=UTC).timestamp()
    emu = Emulator(clock=lambda: t)
    sh = emu.gspread_client("owner@agency.test").create("clock")
    sh.batch_update({"requests": [{"updateSpreadsheetProperties": {
        "properties": {"timeZone": "Europe/Moscow"}, "fields": "timeZone"}}]})
    ws = sh.sheet1
    ws.update([["=TODAY()", "=NOW()", "=TODAY()+7", "=TODAY()-DATE(2026,11,1)"]], "A1", raw=False)
    # 21:30 UTC is 00:30 on the 23rd in Moscow
    assert ws.get("A1:D1", value_render_option="UNFORMATTED_VALUE") == [[46349, pytest.approx(46349 + 0.5 / 24),
                                                                          46356, 22]]
    assert ws.get("A1:D1") == [["11/23/2026", "11/23/2026 0:30:00", "11/30/2026", "22"]]


def test_formula_cell_with_explicit_format(ws):
    ws.update([[0.256, "=A1"]], "A1", raw=False)
    ws.format("B1", {"numberFormat": {"type": "PERCENT", "pattern": "0.0%"}})
    assert ws.acell("B1").value == "25.6%"
    ws.update([[0.5]], "A1")
    assert ws.acell("B1").value == "50.0%"


def test_blank_reference_is_empty_not_zero(ws):
    ws.update([["=A5"]], "A1", raw=False)
    assert ws.get("A1") in ([], [[]])
    assert ws.acell("A1").value is None


def test_raw_input_never_becomes_a_formula(ws):
    ws.update([["=SUM(1,2)"]], "A1", raw=True)
    assert ws.get("A1", value_render_option="FORMULA") == [["=SUM(1,2)"]]
    assert ws.acell("A1").value == "=SUM(1,2)"


def test_formulas_survive_a_batch_update_of_other_cells(ws):
    ws.update([[1, "=A1+1"]], "A1", raw=False)
    ws.batch_update([{"range": "A1", "values": [[41]]}], value_input_option="RAW")
    assert ws.acell("B1").value == "42"


def test_supported_list_is_documented():
    for name in ("SUM", "SUMIF", "SUMIFS", "COUNT", "COUNTA", "COUNTIF", "COUNTIFS", "IF", "AND", "OR", "NOT",
                 "TODAY", "NOW", "IFERROR"):
        assert name in SUPPORTED


def test_parser_rejects_garbage():
    for bad in ("=1+", "=SUM(1", "=)", "={1,2", "={1,2;3}", "=1 2"):
        with pytest.raises(FormulaError):
            parse(bad)


def test_shift_formula():
    assert shift_formula("=SUM(A1:B2)+$C$3+'X y'!D4&\"A1\"", 2, 1) == "=SUM(B3:C4)+$C$3+'X y'!E6&\"A1\""
    assert shift_formula("=A1", -1, 0) == "=#REF!"
    assert shift_formula("=SUM(C:C)", 0, 1) == "=SUM(D:D)"


def test_formulas_follow_inserted_deleted_rows_and_renamed_sheets(sh, ws):
    ws.update([[1], [2], [3], ["=SUM(A1:A3)"]], "A1", raw=False)
    ws.insert_rows([[10]], 2)
    assert ws.get("A5", value_render_option="FORMULA") == [["=SUM(A1:A4)"]]
    assert ws.acell("A5").value == "16"
    ws.delete_rows(1)
    assert ws.get("A4", value_render_option="FORMULA") == [["=SUM(A1:A3)"]]
    assert ws.acell("A4").value == "15"
    other = sh.add_worksheet("Data", rows=5, cols=2)
    other.update([[7]], "A1")
    ws.update([["=Data!A1*2"]], "B1", raw=False)
    other.update_title("Данные клиента")
    assert ws.get("B1", value_render_option="FORMULA") == [["='Данные клиента'!A1*2"]]
    assert ws.acell("B1").value == "14"


def _expr_strategy():
    from hypothesis import strategies as st

    leaves = st.integers(0, 20).map(lambda i: (str(i), float(i)))

    def combine(children):
        def build(a, op, b, paren):
            text = f"{a[0]}{op}{b[0]}"
            value = {"+": a[1] + b[1], "-": a[1] - b[1], "*": a[1] * b[1]}[op]
            return (f"({text})", value) if paren else (text, value)

        # without parentheses precedence decides; keep Python's evaluation as the oracle by
        # always wrapping children that are not plain numbers
        return st.builds(lambda a, op, b: build((f"({a[0]})", a[1]), op, (f"({b[0]})", b[1]), False),
                         children, st.sampled_from("+-*"), children)

    return st.recursive(leaves, combine, max_leaves=8)


def test_arithmetic_matches_python_including_precedence():
    from hypothesis import given
    from hypothesis import strategies as st

    from gsheets_emulator import cellvalues as cv
    from gsheets_emulator.formula import Context, evaluate

    ctx = Context(lambda ref, sheet: None, lambda name: None, lambda: datetime(2026, 1, 1), cv.LOCALES["en_US"],
                  "Sheet1")

    @given(_expr_strategy(), st.integers(0, 9), st.integers(0, 9), st.integers(1, 9))
    def check(expr, a, b, c):
        text, value = expr
        assert evaluate("=" + text, ctx) == pytest.approx(value)
        # precedence without parentheses: * before +/-, left-associative -, unary minus, percent
        assert evaluate(f"={a}-{b}-{c}", ctx) == a - b - c
        assert evaluate(f"={a}+{b}*{c}", ctx) == a + b * c
        assert evaluate(f"={a}*{b}-{c}*{a}", ctx) == a * b - c * a
        assert evaluate(f"=-{a}+{b}", ctx) == -a + b
        assert evaluate(f"={a}*{c}%", ctx) == pytest.approx(a * c / 100)
        assert evaluate(f"={a}/{c}*{b}", ctx) == pytest.approx(a / c * b)
        assert evaluate(f"={a}&{b}={a}&{b}", ctx) is True  # & binds tighter than =
        assert evaluate(f"={a}+{b}>{c}", ctx) == (a + b > c)

    check()


def test_hyperlink_sparkline_and_array_literals(owner_gc):
    """The card's tracker link (HYPERLINK) and the metrics trend (SPARKLINE over an array literal)."""
    ws = owner_gc.create("links").sheet1
    ws.update([['=HYPERLINK("https://tracker.test/b/1","board")', '=HYPERLINK("https://x.test")',
                "=SPARKLINE({1,2,3})", "=SUM({1,2;3,4})", "=SPARKLINE({1,#N/A})", "={1,2"]],
              "A1", value_input_option="USER_ENTERED")
    got = ws.get("A1:F1", value_render_option="UNFORMATTED_VALUE")[0]
    assert got[:4] == ["board", "https://x.test", "", 10]
    assert got[4] == "#N/A" and got[5] == "#ERROR!"
