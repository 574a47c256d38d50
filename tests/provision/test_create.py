"""A new client spreadsheet, checked cell by cell through gspread against the emulator."""

from __future__ import annotations

from gspread.utils import ValueRenderOption

from sheetsync.provision.desired import META_CLIENT, META_COLUMN, META_SHEET, META_TEMPLATE, card_layout
from sheetsync.provision.provision import ensure_spreadsheet

from .conftest import CLIENT_EDITOR, MANAGER, SA, grid, sheet_by_title, structure, writes


def test_create_costs_two_calls_and_a_rerun_writes_nothing(emu, sheets, desired):
    m = emu.mark()
    out = ensure_spreadsheet(sheets, desired, None)
    assert out.created
    assert emu.calls(since=m) == {"sheets.spreadsheets.create": 1, "sheets.spreadsheets.batchUpdate": 1}
    m = emu.mark()
    again = ensure_spreadsheet(sheets, desired, out.spreadsheet_id)
    assert again.plan.requests == [] and again.plan.repairs == []
    assert emu.calls(since=m) == {"sheets.spreadsheets.get": 2}
    assert writes(emu, m) == 0


def test_sheets_headers_and_metadata(emu, sheets, provisioned, templates):
    gc = emu.gspread_client(SA)
    ss = gc.open_by_key(provisioned)
    assert [w.title for w in ss.worksheets()] == ["Карточка", "Бэклог", "В работе", "План-график", "Метрики"]
    assert ss.title == "ACME — проект с агентством"
    backlog = ss.worksheet("Бэклог")
    assert backlog.row_values(1) == templates["backlog"].headers("ru")
    assert (backlog.frozen_row_count, backlog.frozen_col_count) == (1, 1)
    assert ss.worksheet("В работе").row_values(1)[5] == "Срок"
    meta = structure(sheets, provisioned)
    kinds = {m["metadataValue"] for s in meta["sheets"] for m in s.get("developerMetadata", [])
             if m["metadataKey"] == META_SHEET}
    assert kinds == {"card", "backlog", "in_work", "plan_schedule", "metrics"}
    top = {m["metadataKey"]: m["metadataValue"] for m in meta["developerMetadata"]}
    assert top == {META_CLIENT: "acme", META_TEMPLATE: templates.version}
    g = grid(sheets, provisioned, "'Бэклог'!A1:L2")
    col_keys = [next(m["metadataValue"] for m in cm["developerMetadata"] if m["metadataKey"] == META_COLUMN)
                for cm in g["columnMetadata"]]
    assert col_keys == list(templates["backlog"].keys)
    assert [cm["pixelSize"] for cm in g["columnMetadata"]] == [c.width for c in templates["backlog"].columns]


def test_formats_and_validation_cell_by_cell(sheets, provisioned):
    g = grid(sheets, provisioned, "'Бэклог'!A1:L2")
    header, first = g["rowData"][0]["values"], g["rowData"][1]["values"]
    assert all(c["userEnteredFormat"]["textFormat"]["bold"] for c in header)
    assert header[0]["note"].startswith("Номер задачи")
    status = first[9]["dataValidation"]
    assert status["condition"]["type"] == "ONE_OF_LIST" and status["strict"] is True
    assert status["condition"]["values"][3] == {"userEnteredValue": "Ждёт клиента"}
    assert first[8]["dataValidation"]["condition"]["type"] == "NUMBER_BETWEEN"
    assert first[6]["userEnteredFormat"]["numberFormat"] == {"type": "NUMBER", "pattern": "0.0"}
    assert first[5]["dataValidation"]["condition"]["values"][0] == {"userEnteredValue": "anna@agency.test"}
    assert "dataValidation" not in first[1] and "dataValidation" not in first[0]
    iw = grid(sheets, provisioned, "'В работе'!A2:K2")["rowData"][0]["values"]
    assert iw[5]["userEnteredFormat"]["numberFormat"] == {"type": "DATE", "pattern": "dd.mm.yyyy"}
    assert iw[5]["dataValidation"]["condition"]["type"] == "DATE_IS_VALID"


def test_protection_and_conditional_formats(sheets, provisioned):
    meta = structure(sheets, provisioned)
    backlog = sheet_by_title(meta, "Бэклог")
    prot = {p["description"]: p for p in backlog["protectedRanges"]}
    assert prot["sheetsync:backlog:col:key"]["editors"]["users"] == [SA]
    assert prot["sheetsync:backlog:col:key"]["range"]["startColumnIndex"] == 0
    assert set(prot["sheetsync:backlog:col:status"]["editors"]["users"]) == {SA, MANAGER}
    assert set(prot["sheetsync:backlog:col:client_comment"]["editors"]["users"]) == {SA, MANAGER, CLIENT_EDITOR}
    for title in ("Карточка", "План-график"):
        (p,) = sheet_by_title(meta, title)["protectedRanges"]
        assert set(p["range"]) == {"sheetId"} and p["editors"]["users"] == [SA]
    cfs = backlog["conditionalFormats"]
    assert [c["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for c in cfs][:2] == ["Бэклог",
                                                                                               "Запланирована"]
    overdue = sheet_by_title(meta, "В работе")["conditionalFormats"][-1]["booleanRule"]
    assert overdue["condition"] == {"type": "CUSTOM_FORMULA", "values": [
        {"userEnteredValue": '=AND(ISNUMBER(F2),F2<TODAY(),G2<>"Готово")'}]}


def test_card_counters_follow_edits(emu, sheets, provisioned, templates):
    gc = emu.gspread_client(SA)
    ss = gc.open_by_key(provisioned)
    card = ss.worksheet("Карточка")
    layout = card_layout(templates["card"], templates.vocabularies)
    values = card.get_all_values()
    assert values[0][0] == "ACME — карточка проекта"
    assert values[layout.field_rows["contacts"]][1] == "Иван, +7 999 000-00-00"
    assert values[layout.counter_rows["backlog"]] [:2] == ["Бэклог", "0"]
    rows = [["T-000001", "Лендинг", "", "", "", "", "", "", "", "Бэклог"],
            ["T-000002", "Баннер", "", "", "", "", "", "", "", "Бэклог"]]
    ss.worksheet("Бэклог").update(range_name="A2:J3", values=rows)
    ss.worksheet("В работе").update(range_name="A2:G2", values=[["T-000003", "Статья", "", "", "", "", "Готово"]])
    got = card.get_values(value_render_option=ValueRenderOption.unformatted)
    assert got[layout.counter_rows["backlog"]][1] == 2
    assert got[layout.counter_rows["done"]][1] == 1
    assert got[layout.total_row][1] == 2
    legend = grid(sheets, provisioned, f"'Карточка'!A{layout.legend_first_row + 1}:A{layout.legend_first_row + 8}")
    labels = [r["values"][0] for r in legend["rowData"]]
    assert labels[5]["userEnteredValue"] == {"stringValue": "Готово"}
    assert labels[5]["userEnteredFormat"]["backgroundColor"]["green"] > 0.9
    assert labels[7]["userEnteredValue"]["stringValue"].startswith("Срок прошёл")


def test_the_agency_invoices_spreadsheet_from_the_same_templates(emu, sheets, templates, access):
    from sheetsync.provision.desired import ClientInfo, build

    d = build(ClientInfo(slug="agency", name="Ветер"), templates, access=access, kinds=("invoices",),
              title_pattern="{name} — план оборота", rows=50,
              dynamic_vocabularies={"clients": ["acme", "globex"], "departments": ["dev", "ppc"]})
    out = ensure_spreadsheet(sheets, d, None)
    ss = emu.gspread_client(SA).open_by_key(out.spreadsheet_id)
    assert ss.title == "Ветер — план оборота"
    assert ss.worksheet("Счета").row_values(1)[:3] == ["Счёт", "Клиент", "Отдел"]
    g = grid(sheets, out.spreadsheet_id, "'Счета'!A2:I2")["rowData"][0]["values"]
    assert [v["userEnteredValue"] for v in g[1]["dataValidation"]["condition"]["values"]] == ["acme", "globex"]
    assert g[7]["dataValidation"]["condition"]["values"][2] == {"userEnteredValue": "Оплачен"}
    m = emu.mark()
    assert ensure_spreadsheet(sheets, d, out.spreadsheet_id).plan.requests == [] and writes(emu, m) == 0
