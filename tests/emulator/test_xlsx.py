"""xlsx export (Drive files.export as spreadsheetml), read back with openpyxl."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest
from gspread.utils import ExportFormat


@pytest.fixture
def book(owner_gc):
    sh = owner_gc.create("Acme")
    ws = sh.sheet1
    ws.update([["ID", "Title", "Status", "Hours", "Due", "Total"],
               ["T-1", "Brief", "Backlog", 2.5, "2026-11-27", "=D2*2"],
               ["T-2", "=not a formula", "Done", 4, "2026-12-01", "=D3*2"]], value_input_option="USER_ENTERED")
    ws.update([["=cmd"]], "B3", value_input_option="RAW")
    sid = ws.id
    red = {"red": 1, "green": 0, "blue": 0}
    sh.batch_update({"requests": [
        {"repeatCell": {"range": {"sheetId": sid, "startRowIndex": 0, "endRowIndex": 1},
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": True},
                                                       "backgroundColor": {"red": 0.8, "green": 0.9, "blue": 1}}},
                        "fields": "userEnteredFormat(textFormat,backgroundColor)"}},
        {"repeatCell": {"range": {"sheetId": sid, "startRowIndex": 2, "endRowIndex": 3, "startColumnIndex": 1,
                                  "endColumnIndex": 2},
                        "cell": {"userEnteredFormat": {"textFormat": {"strikethrough": True, "foregroundColor": red}}},
                        "fields": "userEnteredFormat.textFormat"}},
        {"repeatCell": {"range": {"sheetId": sid, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 4,
                                  "endColumnIndex": 5},
                        "cell": {"userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "dd.mm.yyyy"}}},
                        "fields": "userEnteredFormat.numberFormat"}},
        {"updateCells": {"range": {"sheetId": sid, "startRowIndex": 1, "endRowIndex": 2, "startColumnIndex": 1,
                                   "endColumnIndex": 2},
                         "rows": [{"values": [{"note": "Client asked twice"}]}], "fields": "note"}},
        {"updateSheetProperties": {"properties": {"sheetId": sid, "gridProperties": {"frozenRowCount": 1}},
                                   "fields": "gridProperties.frozenRowCount"}},
        {"updateDimensionProperties": {"range": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": 1,
                                                 "endIndex": 2},
                                       "properties": {"pixelSize": 280}, "fields": "pixelSize"}},
        {"mergeCells": {"range": {"sheetId": sid, "startRowIndex": 4, "endRowIndex": 5, "startColumnIndex": 0,
                                  "endColumnIndex": 3}, "mergeType": "MERGE_ALL"}},
        {"setDataValidation": {"range": {"sheetId": sid, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 2,
                                         "endColumnIndex": 3},
                               "rule": {"condition": {"type": "ONE_OF_LIST",
                                                      "values": [{"userEnteredValue": "Backlog"},
                                                                 {"userEnteredValue": "Done"}]},
                                        "strict": True, "showCustomUi": True}}},
    ]})
    sh.add_worksheet("in-work", 5, 3).update_acell("A1", "second")
    data = sh.export(ExportFormat.EXCEL)
    return openpyxl.load_workbook(io.BytesIO(data))


def test_sheets_values_and_formula_results(book):
    assert book.sheetnames == ["Sheet1", "in-work"]
    ws = book["Sheet1"]
    assert [c.value for c in ws[1]][:7] == ["ID", "Title", "Status", "Hours", "Due", "Total", None]
    assert ws["D2"].value == 2.5 and ws["F2"].value == 5 and ws["F3"].value == 8
    assert ws["B3"].value == "=cmd" and ws["B3"].data_type == "s"  # text that looks like a formula stays text
    assert book["in-work"]["A1"].value == "second"


def test_formats(book):
    ws = book["Sheet1"]
    assert ws["A1"].font.b is True and ws["B2"].font.b is not True
    assert ws["A1"].fill.fgColor.rgb == "FFCCE6FF"
    assert ws["B3"].font.strike is True and ws["B3"].font.color.rgb == "FFFF0000"
    assert ws["E2"].number_format == "dd.mm.yyyy"
    assert ws["E2"].value == datetime(2026, 11, 27)


def test_layout_notes_and_validation(book):
    ws = book["Sheet1"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width == pytest.approx(40, abs=0.1)
    assert [str(r) for r in ws.merged_cells.ranges] == ["A5:C5"]
    assert ws["B2"].comment is not None and ws["B2"].comment.text == "Client asked twice"
    dvs = ws.data_validations.dataValidation
    assert len(dvs) == 1
    assert dvs[0].type == "list" and dvs[0].formula1 == '"Backlog,Done"'
    assert {str(r) for r in dvs[0].sqref.ranges} == {"C2", "C3"}
