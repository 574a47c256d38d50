"""gspread 6 Worksheet/Spreadsheet/Client methods not exercised elsewhere, each checked by reading back."""

from __future__ import annotations

import gspread


def test_notes(ws):
    ws.insert_note("A1", "first")
    ws.update_notes({"B2": "second", "C3": "third"})
    assert ws.get_note("A1") == "first"
    assert ws.get_notes() == [["first"], ["", "second"], ["", "", "third"]]
    ws.clear_note("A1")
    assert ws.get_note("A1") == ""


def test_hidden_rows_columns_and_auto_resize(sh, ws):
    ws.update([["a long header text", "b"], ["x", "y"]], "A1")
    ws.hide_columns(1, 2)
    ws.hide_rows(1, 2)
    ws.rows_auto_resize(0, 1)
    meta = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A1:C3"})
    data = meta["sheets"][0]["data"][0]
    assert [c.get("hiddenByUser", False) for c in data["columnMetadata"]] == [False, True, False]
    assert [r.get("hiddenByUser", False) for r in data["rowMetadata"]] == [False, True, False]
    ws.unhide_columns(1, 2)
    meta = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!B1"})
    assert not meta["sheets"][0]["data"][0]["columnMetadata"][0].get("hiddenByUser", False)


def test_spreadsheet_properties_and_last_update_time(emu, sh):
    before = sh.get_lastUpdateTime()
    sh.update_locale("ru_RU")
    sh.update_timezone("Europe/Moscow")
    props = sh.fetch_sheet_metadata()["properties"]
    assert (props["locale"], props["timeZone"]) == ("ru_RU", "Europe/Moscow")
    assert sh.get_lastUpdateTime() > before


def test_named_and_protected_ranges_through_gspread(sh, ws):
    ws.define_named_range("A1:B2", "Head")
    (named,) = sh.list_named_ranges()
    assert named["name"] == "Head" and named["range"]["endColumnIndex"] == 2
    ws.delete_named_range(named["namedRangeId"])
    assert sh.list_named_ranges() == []
    ws.add_protected_range("A1:A5", editor_users_emails=["owner@agency.test"], description="ids")
    (prot,) = sh.list_protected_ranges(ws.id)
    assert prot["description"] == "ids" and prot["editors"]["users"] == ["owner@agency.test"]


def test_records_cells_find_and_merged_reads(ws):
    ws.update([["id", "hours"], ["T-1", 2], ["T-2", 3]], "A1")
    assert ws.get_all_records() == [{"id": "T-1", "hours": 2}, {"id": "T-2", "hours": 3}]
    cells = ws.range("A2:B2")
    assert [c.value for c in cells] == ["T-1", "2"]
    cells[1].value = "5"
    ws.update_cells(cells)
    assert ws.find("T-2").row == 3 and ws.acell("B2").value == "5"
    ws.update_acell("C1", "z")
    ws.merge_cells("A1:B1")  # B1's "hours" goes: a merge keeps the top-left value only
    assert ws.get("A1:C1") == [["id", "", "z"]]
    assert ws.get("A1:C1", combine_merged_cells=True) == [["id", "id", "z"]]
    ws.batch_format([{"range": "A2", "format": {"textFormat": {"italic": True}}}])
    fmt = ws.spreadsheet.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A2"})
    cell = fmt["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert cell["userEnteredFormat"]["textFormat"]["italic"] is True


def test_openall_and_export_through_gspread(owner_gc, sh, ws):
    owner_gc.create("Other")
    assert sorted(s.title for s in owner_gc.openall()) == ["Other", "Values test"]
    assert [s.title for s in owner_gc.openall("Other")] == ["Other"]
    ws.update([["a", 1]], "A1")
    assert sh.export(gspread.utils.ExportFormat.CSV).splitlines() == [b"a,1"]
    assert sh.export(gspread.utils.ExportFormat.EXCEL)[:2] == b"PK"  # a zip: xlsx
