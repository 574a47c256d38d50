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


@pytest.mark.parametrize(("nf", "locale", "excel"), [
    ({"type": "DATE", "pattern": "dd.mm.yyyy"}, "ru", "dd.mm.yyyy"),
    ({"type": "DATE"}, "ru", "dd.mm.yyyy"),  # a bare type: the locale's own pattern, as Sheets shows it
    ({"type": "DATE"}, "en", "m/d/yyyy"),
    ({"type": "NUMBER", "pattern": "#,##0.00"}, "ru", "#,##0.00"),
    ({"type": "PERCENT", "pattern": "0.0%"}, "en", "0.0%"),
    ({"type": "CURRENCY"}, "ru", "#,##0.00 [$₽-419]"),
    ({"type": "CURRENCY", "pattern": "#,##0 ₽"}, "ru", '#,##0 "₽"'),
    ({"type": "CURRENCY", "pattern": '"₽"#,##0'}, "ru", '"₽"#,##0'),  # already quoted: left alone
    ({"type": "CURRENCY", "pattern": "[$€-407] #,##0.00"}, "en", "[$€-407] #,##0.00"),
    ({"type": "TIME", "pattern": "h:mm am/pm"}, "en", "h:mm AM/PM"),
])
def test_sheets_patterns_become_excel_patterns(nf, locale, excel):
    from gsheets_emulator.xlsx import excel_pattern

    assert excel_pattern(nf, locale) == excel


def test_conditional_formats_become_excel_rules(owner_gc):
    sh = owner_gc.create("Rules")
    ws = sh.sheet1
    ws.update([["n", "s", "d"], [5, "late", "2026-01-01"], [50, "ok", "2199-01-01"]], value_input_option="USER_ENTERED")
    sid = ws.id

    def rule(c0, condition, fmt):
        return {"addConditionalFormatRule": {"index": 0, "rule": {
            "ranges": [{"sheetId": sid, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": c0,
                        "endColumnIndex": c0 + 1}], "booleanRule": {"condition": condition, "format": fmt}}}}

    red = {"red": 1}
    sh.batch_update({"requests": [
        rule(0, {"type": "NUMBER_BETWEEN", "values": [{"userEnteredValue": "1"}, {"userEnteredValue": "10"}]},
             {"backgroundColor": red}),
        rule(1, {"type": "TEXT_CONTAINS", "values": [{"userEnteredValue": 'la"te'}]},
             {"textFormat": {"strikethrough": True, "foregroundColor": red}}),
        rule(2, {"type": "DATE_BEFORE", "values": [{"relativeDate": "TODAY"}]}, {"backgroundColor": red}),
        {"addConditionalFormatRule": {"index": 0, "rule": {
            "ranges": [{"sheetId": sid, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 0,
                        "endColumnIndex": 1}],
            "gradientRule": {"minpoint": {"type": "MIN", "color": {"red": 1, "green": 1, "blue": 1}},
                             "maxpoint": {"type": "NUMBER", "value": "100", "color": {"green": 1}}}}}},
    ]})
    book = openpyxl.load_workbook(io.BytesIO(sh.export(ExportFormat.EXCEL)))
    got = {(str(cf.sqref), r.type, tuple(r.formula)): r for cf in book["Sheet1"].conditional_formatting
           for r in cf.rules}
    scale = got[("A2:A3", "colorScale", ())].colorScale
    assert [v.type for v in scale.cfvo] == ["min", "num"] and scale.cfvo[1].val == 100
    assert [c.rgb for c in scale.color] == ["FFFFFFFF", "FF00FF00"]
    between = got[("A2:A3", "expression", ("AND(ISNUMBER(A2),A2>=1,A2<=10)",))]
    assert between.dxf.fill.fgColor.rgb == "FFFF0000" and between.stopIfTrue
    contains = got[("B2:B3", "expression", ('ISNUMBER(SEARCH("la""te",B2))',))]
    assert contains.dxf.font.strike and contains.dxf.font.color.rgb == "FFFF0000"
    assert ("C2:C3", "expression", ("AND(ISNUMBER(C2),INT(C2)<TODAY())",)) in got
