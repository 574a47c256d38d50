"""What the emulator holds per spreadsheet: one validation rule per range, not one per cell.

sheetsync's client template validates whole columns (1,000 rows x several columns on four tabs). A copy of the
rule in every cell made each provisioned spreadsheet cost about 25 MB, so a 1,000-client agency did not fit in
24 GiB. A rule set over a range is now one shared object; every write path replaces a cell's rule (or copies it
before changing a part of it), so sharing is never visible through the API. These tests pin both halves.
"""

from __future__ import annotations

import tracemalloc

RULE = {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": v} for v in
                                                        ("Бэклог", "В работе", "На согласовании", "Готово", "Отменено")]},
        "strict": True, "showCustomUi": True, "inputMessage": "Выберите статус задачи из списка"}


def gr(r0, r1, c0, c1):
    return {"sheetId": 0, "startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0, "endColumnIndex": c1}


def cells(sh, a1):
    data = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": f"Sheet1!{a1}"})["sheets"][0]["data"][0]
    return [[v.get("dataValidation") for v in row.get("values", [])] for row in data.get("rowData", [])]


def test_a_rule_over_ten_thousand_cells_costs_a_cell_not_a_rule_per_cell(owner_gc):
    sh = owner_gc.create("Validated")
    sh.sheet1.resize(1000, 10)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        sh.batch_update({"requests": [{"setDataValidation": {"range": gr(0, 1000, 0, 10), "rule": RULE}}]})
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # a cell dict and its slot in the row cost ~250 bytes; a private copy of RULE costs ~1,900 more
    assert grown / 10_000 < 600, f"{grown / 10_000:.0f} bytes per validated cell"


def test_a_shared_rule_changes_only_where_it_is_written(owner_gc, emu):
    sh = owner_gc.create("Validated")
    sh.sheet1.resize(10, 3)
    sh.batch_update({"requests": [{"setDataValidation": {"range": gr(0, 10, 0, 2), "rule": RULE}}]})
    # a part of one cell's rule (updateCells with a sub-field mask), one whole rule, a row inserted (inherits)
    sh.batch_update({"requests": [
        {"updateCells": {"range": gr(1, 2, 0, 1), "fields": "dataValidation.strict",
                         "rows": [{"values": [{"dataValidation": {"strict": False}}]}]}},
        {"repeatCell": {"range": gr(2, 3, 1, 2), "fields": "dataValidation.inputMessage",
                        "cell": {"dataValidation": {"inputMessage": "другое"}}}},
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 5, "endIndex": 6},
                             "inheritFromBefore": True}},
    ]})
    sh.batch_update({"requests": [{"updateCells": {"range": gr(5, 6, 0, 1), "fields": "dataValidation.showCustomUi",
                                                   "rows": [{"values": [{"dataValidation": {"showCustomUi": False}}]}]}}]})
    got = cells(sh, "A1:B11")
    assert got[1][0] == {**RULE, "strict": False}
    assert got[2][1] == {**RULE, "inputMessage": "другое"}
    assert got[5][0] == {**RULE, "showCustomUi": False}
    untouched = [(r, c) for r in range(11) for c in range(2) if (r, c) not in {(1, 0), (2, 1), (5, 0)}]
    assert all(got[r][c] == RULE for r, c in untouched), got


def test_a_copied_spreadsheet_does_not_share_rules_with_its_original(owner_gc):
    sh = owner_gc.create("Template")
    sh.sheet1.resize(10, 2)
    sh.batch_update({"requests": [{"setDataValidation": {"range": gr(0, 10, 0, 2), "rule": RULE}}]})
    copy = owner_gc.copy(sh.id, title="Client")
    copy.batch_update({"requests": [{"updateCells": {"range": gr(0, 10, 0, 2), "fields": "dataValidation.strict",
                                                     "rows": [{"values": [{"dataValidation": {"strict": False}}] * 2}] * 10}}]})
    assert all(v == RULE for row in cells(sh, "A1:B10") for v in row)
    assert all(v == {**RULE, "strict": False} for row in cells(copy, "A1:B10") for v in row)
