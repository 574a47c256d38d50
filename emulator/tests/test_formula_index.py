"""The formula index: recalc reuses where the formula cells are only when a write cannot have moved
or entered one, and whatever happened, the values it computes equal a full rescan's."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gsheets_emulator import recalc as rc


def _state(emu, sh):
    return emu.files[sh.id].spreadsheet


def _positions(cells):
    return sorted((s.sheet_id, r, c) for s, r, c, *_ in cells)


def assert_agrees_with_a_rescan(emu, sh):
    """The index lists exactly the formula cells, and their values equal a from-scratch recalc."""
    ss = _state(emu, sh)
    truth = rc.formula_cells(ss)
    idx = emu.formula_index[sh.id]
    assert idx.ss is ss
    live = [(s, r, c) for s, r, c in idx.positions
            if "formulaValue" in (s.get_cell(r, c) or {}).get("userEnteredValue", {})]
    assert _positions(live) == _positions(truth)
    fresh = pickle.loads(pickle.dumps(ss))
    rc.Recalc(fresh, emu).run(rc.formula_cells(fresh))
    for s, r, c, cell in truth:
        want = fresh.sheet_by_id(s.sheet_id).get_cell(r, c)
        assert cell.get("effectiveValue") == want.get("effectiveValue"), (s.title, r, c, cell)
        assert cell.get("formattedValue") == want.get("formattedValue"), (s.title, r, c, cell)


def poke(ws, cell="Z50", value="x"):
    """An in-place RAW values write with no formula: the kind of write that reuses the index."""
    ws.update([[value]], cell, raw=True)


@pytest.fixture
def counted(monkeypatch):
    """How many full scans recalc made (the real scan runs; it is only counted)."""
    calls = []
    real = rc.formula_cells

    def scan(ss):
        calls.append(ss.spreadsheet_id)
        return real(ss)

    monkeypatch.setattr(rc, "formula_cells", scan)
    return calls


@pytest.fixture
def grid(ws):
    """Numbers in A1:A5, formulas over them in B1:B5 and C1."""
    ws.update([[1, "=A1*2"], [2, "=A2*2"], [3, "=A3*2"], [4, "=A4*2"], [5, "=A5*2"]], "A1", raw=False)
    ws.update([["=SUM(A1:A5)"]], "C1", raw=False)
    return ws


def value(ws, a1):
    got = ws.get(a1, value_render_option="UNFORMATTED_VALUE")
    return got[0][0] if got and got[0] else None


def test_in_place_value_writes_reuse_the_index(emu, sh, grid, counted):
    poke(grid)
    grid.update([[10]], "A1", raw=True)
    assert counted == []
    assert value(grid, "B1") == 20 and value(grid, "C1") == 24
    assert_agrees_with_a_rescan(emu, sh)


def test_a_formula_entered_by_a_values_write_is_found(emu, sh, grid, counted):
    grid.update([["=A1+A2"]], "D1", raw=False)
    assert len(counted) == 1  # the body held "=": rescanned
    grid.update([[100]], "A1", raw=True)
    assert value(grid, "D1") == 102
    assert_agrees_with_a_rescan(emu, sh)


def test_a_formula_written_as_an_escaped_string_is_found(emu, sh, grid):
    session = emu.session("owner@agency.test")
    r = session.put(f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}/values/D1",
                    params={"valueInputOption": "USER_ENTERED"},
                    data=b'{"values": [["\\u003dA1*10"]]}', headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    grid.update([[7]], "A1", raw=True)
    assert value(grid, "D1") == 70
    assert_agrees_with_a_rescan(emu, sh)


def test_overwriting_and_clearing_formulas_drops_them(emu, sh, grid):
    grid.update([["plain"]], "B1", raw=True)
    grid.batch_clear(["B2"])
    grid.update([[9]], "A3", raw=True)
    assert value(grid, "B1") == "plain" and value(grid, "B2") is None and value(grid, "B3") == 18
    assert_agrees_with_a_rescan(emu, sh)
    assert len(emu.formula_index[sh.id].positions) == 4  # B3, B4, B5, C1


def rows(sid, a, b, dim="ROWS"):
    return {"sheetId": sid, "dimension": dim, "startIndex": a, "endIndex": b}


STRUCTURAL = {
    "insert rows": lambda sid: {"insertDimension": {"range": rows(sid, 0, 2)}},
    "delete rows": lambda sid: {"deleteDimension": {"range": rows(sid, 0, 1)}},
    "move rows": lambda sid: {"moveDimension": {"source": rows(sid, 0, 1), "destinationIndex": 4}},
    "move columns": lambda sid: {"moveDimension": {"source": rows(sid, 1, 2, "COLUMNS"), "destinationIndex": 5}},
    "sort": lambda sid: {"sortRange": {"range": {"sheetId": sid, "startRowIndex": 0, "endRowIndex": 5,
                                                 "startColumnIndex": 0, "endColumnIndex": 2},
                                       "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}]}},
    "copyPaste": lambda sid: {"copyPaste": {
        "source": {"sheetId": sid, "startRowIndex": 0, "endRowIndex": 5, "startColumnIndex": 1, "endColumnIndex": 2},
        "destination": {"sheetId": sid, "startRowIndex": 0, "endRowIndex": 5, "startColumnIndex": 4,
                        "endColumnIndex": 5}, "pasteType": "PASTE_NORMAL"}},
    "cutPaste": lambda sid: {"cutPaste": {
        "source": {"sheetId": sid, "startRowIndex": 0, "endRowIndex": 5, "startColumnIndex": 1, "endColumnIndex": 2},
        "destination": {"sheetId": sid, "rowIndex": 10, "columnIndex": 6}, "pasteType": "PASTE_NORMAL"}},
    "duplicateSheet": lambda sid: {"duplicateSheet": {"sourceSheetId": sid, "insertSheetIndex": 0}},
    "updateCells": lambda sid: {"updateCells": {
        "rows": [{"values": [{"userEnteredValue": {"formulaValue": "=A1+A2"}}]}],
        "start": {"sheetId": sid, "rowIndex": 7, "columnIndex": 3}, "fields": "userEnteredValue"}},
}


@pytest.mark.parametrize("op", sorted(STRUCTURAL))
def test_after_a_structural_change_an_input_write_updates_every_formula(emu, sh, grid, op):
    sh.batch_update({"requests": [STRUCTURAL[op](grid.id)]})
    assert_agrees_with_a_rescan(emu, sh)
    for ws in sh.worksheets():
        for a1 in ("A1", "A2", "A5", "A6", "A7"):
            ws.update([[42]], a1, raw=True)  # in place: the index from after the change is reused
            assert_agrees_with_a_rescan(emu, sh)


def test_append_inserting_rows_moves_formulas(emu, sh, grid):
    grid.append_rows([["new"]], table_range="A1", insert_data_option="INSERT_ROWS", value_input_option="RAW")
    grid.update([[1000]], "A1", raw=True)
    assert_agrees_with_a_rescan(emu, sh)


def test_a_failed_batch_leaves_a_usable_index(emu, sh, grid):
    bad = [STRUCTURAL["insert rows"](grid.id), {"deleteSheet": {"sheetId": 999}}]
    with pytest.raises(Exception, match="999"):
        sh.batch_update({"requests": bad})
    grid.update([[11]], "A1", raw=True)
    assert value(grid, "B1") == 22
    assert_agrees_with_a_rescan(emu, sh)


def test_a_hook_editing_cells_directly_is_not_missed(emu, sh, grid):
    def typist(req):
        if req.name == "sheets.spreadsheets.values.update":
            _state(emu, sh).sheets[0].cell_for_write(8, 3)["userEnteredValue"] = {"formulaValue": "=A1*3"}

    remove = emu.on_request(typist)
    grid.update([[5]], "A1", raw=True)
    remove()
    assert value(grid, "D9") == 15
    assert_agrees_with_a_rescan(emu, sh)


def test_replaced_spreadsheet_state_is_rescanned(emu, sh, grid):
    poke(grid)
    emu.files = pickle.loads(pickle.dumps(emu.files))  # what the sync machine does per example
    grid.update([[3]], "A1", raw=True)
    assert value(grid, "B1") == 6
    assert_agrees_with_a_rescan(emu, sh)


CELLS = st.sampled_from(["A1", "A2", "A3", "B1", "B2", "C3", "D4", "A6"])
ENTRIES = st.one_of(st.integers(-5, 5), st.sampled_from(["=A1+1", "=SUM(A1:A5)", "=B1*2", "=C3&\"!\"", "txt"]))
OPS = st.one_of(
    st.tuples(st.just("value"), CELLS, ENTRIES, st.booleans()),
    st.tuples(st.just("clear"), CELLS),
    st.tuples(st.just("batch"), st.sampled_from(sorted(set(STRUCTURAL) - {"duplicateSheet"}))),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=1, max_size=8))
def test_any_sequence_of_writes_agrees_with_a_rescan(emu, owner_gc, ops):
    sh = owner_gc.create("index property")  # one emulator for all examples, a new spreadsheet each
    ws = sh.sheet1
    for op in ops:
        if op[0] == "value":
            ws.update([[op[2]]], op[1], raw=op[3])
        elif op[0] == "clear":
            ws.batch_clear([op[1]])
        else:
            sh.batch_update({"requests": [STRUCTURAL[op[1]](ws.id)]})
        poke(ws)
        assert_agrees_with_a_rescan(emu, sh)



@pytest.mark.parametrize("first", [
    {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 2}}},
    {"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}}},
    {"moveDimension": {"source": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1},
                       "destinationIndex": 4}},
    {"updateSheetProperties": {"properties": {"sheetId": 0, "title": "Renamed"}, "fields": "title"}},
])
def test_a_failed_batch_puts_rewritten_formulas_back_on_every_sheet(emu, sh, grid, first):
    """All-or-nothing covers the formula references a structural change rewrote, on other sheets too."""
    other = sh.add_worksheet("Other", rows=10, cols=3)
    other.update([["=Sheet1!A1+Sheet1!A3"]], "A1", raw=False)
    with pytest.raises(Exception, match="999"):
        sh.batch_update({"requests": [first, {"deleteSheet": {"sheetId": 999}}]})
    assert grid.get("B1:B3", value_render_option="FORMULA") == [["=A1*2"], ["=A2*2"], ["=A3*2"]]
    assert other.get("A1", value_render_option="FORMULA") == [["=Sheet1!A1+Sheet1!A3"]]
    grid.update([[10]], "A1", raw=True)
    assert value(other, "A1") == 13 and value(grid, "B1") == 20
    assert_agrees_with_a_rescan(emu, sh)


# --- the dependency graph: recalculation in proportion to what changed (issue 13 item 15) ----------

@pytest.fixture
def evaluations(monkeypatch):
    """How many formula evaluations recalc made (counted around formula.evaluate, as recalc calls it)."""
    seen = []
    real = rc.evaluate

    def count(formula, ctx):
        seen.append(formula)
        return real(formula, ctx)

    monkeypatch.setattr(rc, "evaluate", count)
    return seen


@pytest.fixture
def board(sh):
    """A backlog of 200 rows with a formula per row, and a card counting it with open ranges."""
    data = sh.sheet1
    data.update_title("Data")
    data.resize(rows=210, cols=6)
    data.update([[f"t{i}", "open" if i % 3 else "done", i, f"=C{i + 2}*2"] for i in range(200)], "A2", raw=False)
    card = sh.add_worksheet("Card", rows=20, cols=4)
    card.update([['=COUNTIF(Data!$B$2:$B,"open")'], ['=COUNTA(Data!A2:A)'], ["=SUM(Data!D:D)"], ["=A1+A2"],
                 ["=Data!D5+1"], ['=A4&" tasks"']], "A1", raw=False)
    return data, card


def test_a_write_re_evaluates_only_the_formulas_that_read_it(emu, sh, board, evaluations):
    data, card = board
    data.update([["zz"]], "F50", raw=True)  # read by no formula
    assert evaluations == []
    data.update([[1000]], "C5", raw=True)  # D5 reads it; SUM(D:D) reads D5; A5 of the card reads D5
    assert sorted(evaluations) == sorted(["=C5*2", "=SUM(Data!D:D)", "=Data!D5+1"])
    assert value(card, "A3") == sum(2 * i for i in range(200)) - 6 + 2000 and value(card, "A5") == 2001
    evaluations.clear()
    data.update([["done"]], "B9", raw=True)  # the open-range COUNTIF, then what reads it, transitively
    assert sorted(evaluations) == sorted(['=COUNTIF(Data!$B$2:$B,"open")', "=A1+A2", '=A4&" tasks"'])
    assert value(card, "A6") == f"{sum(1 for i in range(200) if i % 3) - 1 + 200} tasks"
    assert_agrees_with_a_rescan(emu, sh)


def test_one_recalculation_per_request_however_many_ranges_it_writes(emu, sh, board, evaluations):
    """The sync writes one range per row in one values:batchUpdateByDataFilter with includeValuesInResponse:
    the formulas are brought up to date once, after the whole request (was: once per range)."""
    data, _ = board
    rest = emu.session(OWNER_USER)
    body = {"valueInputOption": "RAW", "includeValuesInResponse": True,
            "data": [{"dataFilter": {"a1Range": f"Data!B{r}"}, "values": [["done"]]} for r in range(2, 202)]}
    r = rest.post(f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}/values:batchUpdateByDataFilter", json=body)
    assert r.status_code == 200, r.text
    assert len(r.json()["responses"]) == 200
    assert len(evaluations) == 3  # the COUNTIF and its two readers, once
    assert value(board[1], "A1") == 0
    assert_agrees_with_a_rescan(emu, sh)


OWNER_USER = "owner@agency.test"
GRAPH_CELLS = st.sampled_from(["A1", "A2", "A3", "B1", "B2", "B3", "C1", "C4", "D2", "A7"])
GRAPH_FORMULAS = st.sampled_from([
    "=A1+1", "=SUM(A1:A5)", "=B1*2", '=COUNTIF(A:A,">1")', "=COUNTA(B2:B)", "=Other!A1+A2", "=SUM(Other!B:B)",
    "=C1+D2", "=A1+B1+C1", "=TODAY()-A1", "=IF(A2>0,B2,C4)", "=D2", "=Other!C1*3", '=A3&"!"', "=SUM(2:2)",
])
GRAPH_VALUES = st.tuples(st.just("values"), st.lists(st.tuples(GRAPH_CELLS, st.one_of(st.integers(-3, 9), st.just("x"))),
                                          min_size=1, max_size=4), st.booleans(), st.booleans())
GRAPH_OPS = st.one_of(
    GRAPH_VALUES, GRAPH_VALUES, GRAPH_VALUES,  # mostly the writes the graph handles incrementally
    st.tuples(st.just("formula"), st.sampled_from(["E1", "E3", "F5", "A7", "B3"]), GRAPH_FORMULAS, st.booleans()),
    st.tuples(st.just("clear"), GRAPH_CELLS, st.booleans()),
    st.tuples(st.just("batch"), st.sampled_from(["insert rows", "delete rows", "move rows", "sort", "cutPaste"]),
              st.booleans()),
    st.tuples(st.just("rename"),),
)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# examples: the profile's (tests/conftest.py: 50 by default, 200 with CI=true, 2,000 with SHEETSYNC_LONG=1)
@given(ops=st.lists(GRAPH_OPS, min_size=1, max_size=10))
def test_incremental_recalculation_equals_a_full_one(emu, owner_gc, ops):
    """After any sequence of value writes (on either sheet), formulas entered or removed, structural
    changes and renamed sheets, every formula's value equals a from-scratch recalculation's."""
    sh = owner_gc.create("graph property")
    ws = sh.sheet1
    other = sh.add_worksheet("Other", rows=20, cols=8)
    ws.update([[1, "=A1*2", "=SUM(A:A)", "=C1+B1"], [2, "=A2*2", '=COUNTIF(A:A,">1")', "=Other!A1"]], "A1", raw=False)
    other.update([[5, "=Sheet1!A1+Sheet1!B1"], ["=SUM(Sheet1!A:A)", 3]], "A1", raw=False)
    titles = ["Other", "Renamed"]
    for op in ops:
        target = ws if op[-1] else other
        if op[0] == "values":
            target.batch_update([{"range": a1, "values": [[v]]} for a1, v in op[1]], raw=op[2])
        elif op[0] == "formula":
            (ws if op[3] else other).update([[op[2]]], op[1], raw=False)
        elif op[0] == "clear":
            (ws if op[2] else other).batch_clear([op[1]])
        elif op[0] == "rename":
            other.update_title(titles[1])
            titles.reverse()
        else:
            sh.batch_update({"requests": [STRUCTURAL[op[1]](target.id)]})
        assert_agrees_with_a_rescan(emu, sh)
