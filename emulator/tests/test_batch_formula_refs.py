"""Formula references follow their cells through insertDimension / deleteDimension / moveDimension,
sheet renames and sheet deletion, as in Google Sheets (a range grows when rows are inserted inside
it, shrinks when some of its rows are deleted, and a reference whose cells are all gone is #REF!)."""

from __future__ import annotations

import pytest


@pytest.fixture
def sh(owner_gc):
    sh = owner_gc.create("Refs")
    ws = sh.sheet1
    ws.resize(10, 6)
    ws.update([[1], [2], [3], [4], [5]], "A1")
    ws.update([["=SUM(A1:A5)", "=A3", "=SUM(A2:A)", "=SUM($A$4:A5)", "=SUM(A:A)"]], "B1", raw=False)
    return sh


def formulas(ws, rng="B1:F1"):
    return ws.get(rng, value_render_option="FORMULA")[0]


def rows(a, b, d="ROWS"):
    return {"sheetId": 0, "dimension": d, "startIndex": a, "endIndex": b}


def test_insert_rows_inside_and_before_references(sh):
    sh.batch_update({"requests": [{"insertDimension": {"range": rows(1, 3)}}]})
    ws = sh.sheet1
    assert formulas(ws) == ["=SUM(A1:A7)", "=A5", "=SUM(A4:A)", "=SUM($A$6:A7)", "=SUM(A:A)"]
    assert ws.get("B1:F1")[0] == ["15", "3", "14", "9", "15"]  # same cells, same results


def test_delete_rows_shrinks_ranges_and_breaks_lost_cells(sh):
    sh.batch_update({"requests": [{"deleteDimension": {"range": rows(1, 3)}}]})  # the 2 and the 3
    ws = sh.sheet1
    assert formulas(ws) == ["=SUM(A1:A3)", "=#REF!", "=SUM(A2:A)", "=SUM($A$2:A3)", "=SUM(A:A)"]
    assert ws.get("B1:F1")[0] == ["10", "#REF!", "9", "9", "10"]


def test_moving_a_column_carries_references_with_it(sh):
    other = sh.add_worksheet("Other", 3, 3)
    other.update([["=Sheet1!A2*10"]], "A1", raw=False)
    sh.batch_update({"requests": [{"moveDimension": {"source": rows(0, 1, "COLUMNS"), "destinationIndex": 6}}]})
    assert formulas(other, "A1:A1") == ["=Sheet1!F2*10"]
    assert other.acell("A1").value == "20"


def test_rename_and_delete_sheet(sh):
    other = sh.add_worksheet("Other", 3, 3)
    other.update([["=Sheet1!A1+1", "=SUM(Sheet1!A1:A2)"]], "A1", raw=False)
    sh.sheet1.update_title("Клиенты 2026")
    assert formulas(other, "A1:B1") == ["='Клиенты 2026'!A1+1", "=SUM('Клиенты 2026'!A1:A2)"]
    assert other.get("A1:B1")[0] == ["2", "3"]
    sh.del_worksheet(sh.worksheet("Клиенты 2026"))
    assert formulas(other, "A1:B1") == ["=#REF!+1", "=SUM(#REF!)"]
    assert other.get("A1:B1")[0] == ["#REF!", "#REF!"]
