"""Drift is repaired without touching user data, and the repaired spreadsheet then needs no writes."""

from __future__ import annotations

import pytest

from sheetsync.provision.provision import ensure_spreadsheet

from .conftest import SA, grid, sheet_by_title, structure, writes

ROWS = [["T-000001", "Лендинг", "Заявки", "landing", "developer", "oleg@agency.test", 16, "Вручную", 1, "Бэклог",
         "срочно"],
        ["T-000002", "=IMPORTXML(\"x\",\"y\")", "+7 999", "design", "designer", "dima@agency.test", 8, "Вручную", 3,
         "Бэклог", ""]]


@pytest.fixture
def filled(emu, sheets, provisioned):
    """ACME's spreadsheet with two backlog rows; returns (spreadsheet id, gspread Spreadsheet, sheetId of backlog)."""
    ss = emu.gspread_client(SA).open_by_key(provisioned)
    ws = ss.worksheet("Бэклог")
    ws.update(range_name="A2:K3", values=ROWS, raw=True)
    return provisioned, ss, ws.id


def by_header(ss, title="Бэклог"):
    """{header: [values of data rows]} read back through gspread (unformatted)."""
    values = ss.worksheet(title).get_values(value_render_option="UNFORMATTED_VALUE")
    header, rows = values[0], values[1:]
    return {h: [r[i] if i < len(r) else "" for r in rows] for i, h in enumerate(header)}


def repair(emu, sheets, desired, spreadsheet_id):
    out = ensure_spreadsheet(sheets, desired, spreadsheet_id)
    m = emu.mark()
    again = ensure_spreadsheet(sheets, desired, spreadsheet_id)
    assert again.plan.requests == [], again.plan.repairs
    assert writes(emu, m) == 0
    return out


def _expected():
    heads = ["ID", "Задача", "Ожидаемый результат", "Тип", "Специализация", "Исполнитель", "Оценка, ч",
             "Источник оценки", "Приоритет", "Статус", "Комментарий клиента"]
    return {h: [r[i] for r in ROWS] for i, h in enumerate(heads)} | {"Заметка планировщика": ["", ""]}


def test_deleted_sheet_is_recreated(emu, sheets, desired, filled):
    sid, ss, _ = filled
    ss.del_worksheet(ss.worksheet("В работе"))
    out = repair(emu, sheets, desired, sid)
    assert "in_work: sheet missing — created" in out.plan.repairs
    ws = ss.worksheet("В работе")
    assert ws.row_values(1)[:2] == ["ID", "Задача"]
    assert {p["description"] for p in sheet_by_title(structure(sheets, sid), "В работе")["protectedRanges"]} >= {
        "sheetsync:in_work:col:key", "sheetsync:in_work:header"}
    assert by_header(ss) == _expected()  # other sheets untouched


def test_renamed_sheet_is_found_and_renamed_back(emu, sheets, desired, filled):
    sid, ss, backlog_id = filled
    ss.worksheet("Бэклог").update_title("Мой бэклог")
    out = repair(emu, sheets, desired, sid)
    assert any("renamed 'Мой бэклог'" in r for r in out.plan.repairs)
    assert ss.worksheet("Бэклог").id == backlog_id  # the same sheet, not a new one
    assert by_header(ss) == _expected()


def test_deleted_column_is_reinserted_at_its_place(emu, sheets, desired, filled):
    sid, ss, backlog_id = filled
    ss.batch_update({"requests": [{"deleteDimension": {"range": {
        "sheetId": backlog_id, "dimension": "COLUMNS", "startIndex": 5, "endIndex": 6}}}]})
    out = repair(emu, sheets, desired, sid)
    assert "backlog: column 'assignee' missing — inserted at F" in out.plan.repairs
    got = by_header(ss)
    want = _expected()
    want["Исполнитель"] = ["", ""]  # values come back from the store at the next sync
    assert got == want
    g = grid(sheets, sid, "'Бэклог'!F2")
    assert g["rowData"][0]["values"][0]["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"


def test_moved_column_is_moved_back_with_its_values(emu, sheets, desired, filled):
    sid, ss, backlog_id = filled
    ss.batch_update({"requests": [{"moveDimension": {"source": {
        "sheetId": backlog_id, "dimension": "COLUMNS", "startIndex": 9, "endIndex": 10}, "destinationIndex": 1}}]})
    assert ss.worksheet("Бэклог").row_values(1)[1] == "Статус"
    out = repair(emu, sheets, desired, sid)
    assert "backlog: column 'status' moved back from B to J" in out.plan.repairs
    assert sum("moveDimension" in r for r in out.plan.requests) == 1
    assert by_header(ss) == _expected()
    assert ss.worksheet("Бэклог").row_values(1)[9] == "Статус"


def test_edited_header_is_rewritten(emu, sheets, desired, filled):
    sid, ss, _ = filled
    ss.worksheet("Бэклог").update(range_name="B1", values=[["Что сделать"]])
    out = repair(emu, sheets, desired, sid)
    assert out.plan.repairs == ["backlog: header of 'title' rewritten"]
    assert len(out.plan.requests) == 1
    assert by_header(ss) == _expected()


def test_removed_validation_and_protection_are_restored(emu, sheets, desired, filled):
    sid, ss, backlog_id = filled
    meta = structure(sheets, sid)
    key_prot = next(p for p in sheet_by_title(meta, "Бэклог")["protectedRanges"]
                    if p["description"] == "sheetsync:backlog:col:key")
    ss.batch_update({"requests": [
        {"setDataValidation": {"range": {"sheetId": backlog_id, "startRowIndex": 1, "startColumnIndex": 9,
                                         "endColumnIndex": 10}}},
        {"deleteProtectedRange": {"protectedRangeId": key_prot["protectedRangeId"]}},
        {"deleteConditionalFormatRule": {"sheetId": backlog_id, "index": 0}},
    ]})
    out = repair(emu, sheets, desired, sid)
    assert set(out.plan.repairs) == {"backlog: validation of 'status' restored",
                                     "backlog: protection 'col:key' restored",
                                     "backlog: conditional formats restored"}
    g = grid(sheets, sid, "'Бэклог'!J2")
    assert g["rowData"][0]["values"][0]["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"
    assert by_header(ss) == _expected()


def test_widened_protection_editors_are_corrected(emu, sheets, desired, filled):
    sid, ss, _ = filled
    meta = structure(sheets, sid)
    key_prot = next(p for p in sheet_by_title(meta, "Бэклог")["protectedRanges"]
                    if p["description"] == "sheetsync:backlog:col:key")
    key_prot["editors"] = {"users": [SA, "intruder@else.test"]}
    ss.batch_update({"requests": [{"updateProtectedRange": {"protectedRange": key_prot, "fields": "editors"}}]})
    out = repair(emu, sheets, desired, sid)
    assert out.plan.repairs == ["backlog: protection 'col:key' corrected"]


def test_a_spreadsheet_of_another_client_is_refused(emu, sheets, desired, provisioned, templates, access):
    from sheetsync.provision.desired import ClientInfo, build
    from sheetsync.provision.diff import WrongSpreadsheet

    other = build(ClientInfo(slug="globex", name="Globex"), templates, access=access)
    m = emu.mark()
    with pytest.raises(WrongSpreadsheet, match="belongs to client 'acme', not 'globex'"):
        ensure_spreadsheet(sheets, other, provisioned)
    assert writes(emu, m) == 0


def test_rows_appended_beyond_the_grid_get_formats_and_validation(emu, sheets, desired, filled):
    sid, ss, backlog_id = filled
    ss.batch_update({"requests": [
        {"appendDimension": {"sheetId": backlog_id, "dimension": "ROWS", "length": 20}},
        {"setDataValidation": {"range": {"sheetId": backlog_id, "startRowIndex": 60, "startColumnIndex": 9,
                                         "endColumnIndex": 10}}}]})
    out = repair(emu, sheets, desired, sid)
    assert set(out.plan.repairs) == {"backlog: number format of 'estimate_hours' restored",
                                "backlog: number format of 'priority' restored",
                                "backlog: validation of 'task_type' restored",
                                "backlog: validation of 'role' restored", "backlog: validation of 'assignee' restored",
                                "backlog: validation of 'estimate_hours' restored",
                                "backlog: validation of 'estimate_source' restored",
                                "backlog: validation of 'priority' restored",
                                "backlog: validation of 'status' restored"}
    last = ss.worksheet("Бэклог").row_count
    g = grid(sheets, sid, f"'Бэклог'!A{last}:K{last}")["rowData"][0]["values"]
    assert g[9]["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"
    assert g[6]["userEnteredFormat"]["numberFormat"]["pattern"] == "0.0"
    assert by_header(ss) == _expected()


def test_renamed_sheet_whose_name_was_taken_is_reported_not_clobbered(emu, sheets, desired, filled):
    sid, ss, backlog_id = filled
    ss.worksheet("Бэклог").update_title("Старый бэклог")
    mine = ss.add_worksheet("Бэклог", rows=5, cols=2)
    mine.update(range_name="A1", values=[["заметки менеджера"]])
    out = ensure_spreadsheet(sheets, desired, sid)
    assert any("not renamed back to 'Бэклог': another sheet has that name" in r for r in out.plan.repairs)
    assert ss.worksheet("Бэклог").acell("A1").value == "заметки менеджера"  # the person's sheet untouched
    assert ss.worksheet("Старый бэклог").id == backlog_id
    assert by_header(ss, "Старый бэклог") == _expected()


def test_a_spreadsheet_whose_first_batch_never_landed_is_laid_out_cleanly(emu, sheets, desired):
    from sheetsync.provision.provision import create_body

    sid = sheets.create_spreadsheet(create_body(desired))["spreadsheetId"]  # ...then the run crashed
    out = ensure_spreadsheet(sheets, desired, sid)
    assert not out.created
    ss = emu.gspread_client(SA).open_by_key(sid)
    backlog = ss.worksheet("Бэклог")
    assert backlog.col_count == len(desired.sheet("backlog").columns)  # no doubled, empty columns
    assert backlog.row_values(1)[:2] == ["ID", "Задача"]
    assert ss.worksheet("Карточка").acell("A1").value == "ACME — карточка проекта"
    m = emu.mark()
    assert ensure_spreadsheet(sheets, desired, sid).plan.requests == [] and writes(emu, m) == 0


def test_card_cells_overwritten_are_restored_but_sync_blocks_are_left(emu, sheets, desired, filled, templates):
    from sheetsync.provision.desired import card_layout

    sid, ss, _ = filled
    layout = card_layout(templates["card"], templates.vocabularies)
    card = ss.worksheet("Карточка")
    done_row = layout.counter_rows["done"] + 1
    card.update(range_name=f"B{done_row}", values=[["999"]])
    card.update(range_name=f"B{layout.last_sync[0] + 1}", values=[["вчера"]])  # the sync's cell
    out = repair(emu, sheets, desired, sid)
    assert out.plan.repairs == [f"card: 1 cell(s) restored (B{done_row})"]
    assert card.acell(f"B{done_row}").value == "0"
    assert card.acell(f"B{layout.last_sync[0] + 1}").value == "вчера"
