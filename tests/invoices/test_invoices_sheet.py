"""The rendered month tab in the emulator, cell by cell: values, marks, notes, formats, totals, warnings,
the summary tab, protection and sharing."""

from __future__ import annotations

import datetime as dt

import gspread
import pytest
import time_machine
from invoice_helpers import ACCOUNTS, ACTOR, at, cells, values

from sheetsync.invoices.render import sheet_id_for
from sheetsync.sheets.values import EPOCH

SERIAL = EPOCH  # day 0 of Sheets serial numbers


def serial(day: str) -> int:
    return (dt.date.fromisoformat(day) - SERIAL).days


@pytest.fixture
def moved(store, agency):
    """a: 10.11 -> 17.11 on 12.11 -> 24.11 on 19.11; c: 26.11 -> 02.12 (December) on 20.11; b paid on 18.11."""
    with time_machine.travel(at(11, 12), tick=False):
        store.invoices.move(agency["a"], "2026-11-17", origin="cli", actor=ACTOR, reason="client approval")
    with time_machine.travel(at(11, 19), tick=False):
        store.invoices.move(agency["a"], "2026-11-24", origin="cli", actor=ACTOR, reason="act not signed")
    with time_machine.travel(at(11, 20), tick=False):
        store.invoices.move(agency["c"], "2026-12-02", origin="cli", actor=ACTOR, reason="budget")
        store.invoices.update(agency["b"], status="paid", paid_date="2026-11-18", origin="cli", actor=ACTOR)
    return agency


@pytest.fixture
def refreshed(invoices, moved):
    with time_machine.travel(at(11, 20, 9), tick=False):
        report = invoices.refresh("2026-11")
    return report


EXPECTED_NOV = [
    ["Invoice", "Client", "Description", "Amount", "Status", "Planned date", "Paid on", "Moves",
     "01.11–01.11", "02.11–08.11", "09.11–15.11", "16.11–22.11", "23.11–29.11", "30.11–30.11", "Month"],
    ["Development", "", "minimum 1,000,000.00"],
    ["INV-000001", "ACME", "Stage 1", 250000, "Planned", serial("2026-11-24"), "", 2, "", "", 250000, 250000, 250000, "",
     250000],
    ["INV-000004", "Initech", "=SUM(1,2) support", 150000, "Planned", serial("2026-11-05"), "", 0, "", 150000, "", "",
     "", "", 150000],
    ["INV-000003", "ACME", "Stage 2", 400000, "→ carried to 2026-12", serial("2026-12-02"), "", 1, "", "", "", "",
     400000, "", ""],
    ["Plan", "Development", "", "", "", "", "", "", 0, 200000, 250000, 250000, 250000, 50000, 1000000],
    ["Forecast", "Development", "", "", "", "", "", "", 0, 150000, 0, 0, 250000, 0, 400000],
    ["Fact", "Development", "", "", "", "", "", "", 0, 0, 0, 0, 0, 0, 0],
    ["Gap to plan", "Development", "", "", "", "", "", "", 0, 50000, 250000, 250000, 0, 50000, 600000],
    [],
    ["Advertising", "", "minimum 300,000.00"],
    ["INV-000002", "Globex", "Ads, November", 120000, "Paid", serial("2026-11-17"), serial("2026-11-18"), 0, "", "", "",
     120000, "", "", 120000],
    ["INV-000005", "Initech", "Media plan", 60000, "Planned", serial("2026-11-12"), "", 0, "", "", 60000, "", "", "",
     60000],
    ["Plan", "Advertising", "", "", "", "", "", "", 0, 60000, 75000, 75000, 75000, 15000, 300000],
    ["Forecast", "Advertising", "", "", "", "", "", "", 0, 0, 60000, 0, 0, 0, 60000],
    ["Fact", "Advertising", "", "", "", "", "", "", 0, 0, 0, 120000, 0, 0, 120000],
    ["Gap to plan", "Advertising", "", "", "", "", "", "", 0, 60000, 15000, -45000, 75000, 15000, 120000],
    [],
    ["All departments"],
    ["Plan", "All departments", "", "", "", "", "", "", 0, 260000, 325000, 325000, 325000, 65000, 1300000],
    ["Forecast", "All departments", "", "", "", "", "", "", 0, 150000, 60000, 0, 250000, 0, 460000],
    ["Fact", "All departments", "", "", "", "", "", "", 0, 0, 0, 120000, 0, 0, 120000],
    ["Gap to plan", "All departments", "", "", "", "", "", "", 0, 110000, 265000, 205000, 75000, 65000, 720000],
    [],
    ["⚠ Development: 62% of the month's forecast (250,000.00) falls in the last week (limit 50%)"],
    ["⚠ All departments: 54% of the month's forecast (250,000.00) falls in the last week (limit 50%)"],
]


def test_month_tab_values_cell_by_cell(sheets, refreshed):
    got = values(sheets, refreshed.spreadsheet_id, "2026-11")
    trimmed = [_trim(r) for r in got]
    assert trimmed == [_trim(r) for r in EXPECTED_NOV]
    assert refreshed.tabs == ["2026-11", "2026-12"]  # the carried invoice's month is written too
    assert refreshed.concentration == [EXPECTED_NOV[-2][0], EXPECTED_NOV[-1][0]]


def _trim(row):
    row = list(row)
    while row and row[-1] == "":
        row.pop()
    return row


def test_marks_are_struck_through_in_grey_with_notes(sheets, refreshed):
    grid = cells(sheets, refreshed.spreadsheet_id, "'2026-11'!I3:N5")
    a, _d, c = grid
    for cell, note in ((a[2], "moved → week of 16.11 on 12.11 (1st move): client approval"),
                       (a[3], "moved → week of 23.11 on 19.11 (2nd move): act not signed"),
                       (c[4], "moved → week of 01.12 (2026-12) on 20.11 (1st move): budget")):
        assert cell["note"] == note
        fmt = cell["userEnteredFormat"]["textFormat"]
        assert fmt["strikethrough"] is True
        assert fmt["foregroundColor"] == {"red": 0.6, "green": 0.6, "blue": 0.6}
    live = a[4]  # 24.11: the live amount, not struck, coloured by its status
    assert live["effectiveValue"] == {"numberValue": 250000}
    assert "note" not in live
    assert not live.get("userEnteredFormat", {}).get("textFormat", {}).get("strikethrough")
    assert live["userEnteredFormat"]["backgroundColor"] == pytest.approx({"red": 0xCF / 255, "green": 0xE2 / 255,
                                                                          "blue": 0xF3 / 255})
    assert live["formattedValue"] == "250,000.00"


def test_december_tab_has_the_carried_invoice_live_and_no_mark(sheets, refreshed):
    got = values(sheets, refreshed.spreadsheet_id, "2026-12")
    row = next(r for r in got if r and r[0] == "INV-000003")
    assert row[:8] == ["INV-000003", "ACME", "Stage 2", 400000, "Planned", serial("2026-12-02"), "", 1]
    # December 2026: 01.12 is a Tuesday; week 1 is 01.12-06.12 and holds the amount
    assert row[8] == 400000 and row[-1] == 400000
    notes = [c.get("note") for r in cells(sheets, refreshed.spreadsheet_id, "'2026-12'") for c in r]
    assert not any(notes)


def test_summary_tab_shows_payment_behaviour_per_client(sheets, refreshed):
    got = values(sheets, refreshed.spreadsheet_id, "Summary")
    assert got == [
        ["Client", "Invoices", "Paid", "Days from first planned date to payment", "Average moves", "Amount", "Unpaid"],
        ["ACME", 2, 0, "", 1.5, 650000, 650000],
        ["Globex", 1, 1, 1, 0, 120000, 0],
        ["Initech", 2, 0, "", 0, 210000, 210000],
    ]


def test_descriptions_stay_text_and_a_second_refresh_changes_nothing(sheets, invoices, refreshed):
    grid = cells(sheets, refreshed.spreadsheet_id, "'2026-11'!C4")
    assert grid[0][0]["effectiveValue"] == {"stringValue": "=SUM(1,2) support"}
    before = values(sheets, refreshed.spreadsheet_id, "2026-11")
    with time_machine.travel(at(11, 20, 10), tick=False):
        again = invoices.refresh("2026-11")
    assert (again.pulled, again.errors, again.conflicts, again.snapshot) == (0, 0, 0, None)
    assert again.api_calls == 5  # metadata, values read, confirm read, one structural batch, one values write
    assert values(sheets, refreshed.spreadsheet_id, "2026-11") == before


def test_shared_with_accounts_who_may_edit_only_invoice_cells(emu, sheets, refreshed):
    sid = refreshed.spreadsheet_id
    perms = {(p["emailAddress"], p["role"]) for p in sheets.list_permissions(sid) if p.get("emailAddress")}
    assert (ACCOUNTS, "writer") in perms
    assert len(perms) == 2  # the owner and accounts: nobody else
    ws = emu.gspread_client(user=ACCOUNTS).open_by_key(sid).worksheet("2026-11")
    ws.update([["issued"]], "E3")  # status of a live invoice: allowed
    for protected in ("A3", "B3", "H3", "K3", "O3", "I6", "D5"):  # ID, client, moves, marks, totals, a carried row
        with pytest.raises(gspread.exceptions.APIError) as err:
            ws.update([["x"]], protected)
        assert err.value.response.status_code == 400 and "protected" in str(err.value)
    meta = sheets.get_metadata(sid, "sheets(properties(sheetId,title))")
    assert {s["properties"]["title"]: s["properties"]["sheetId"] for s in meta["sheets"]} == {
        "Summary": 1, "2026-11": sheet_id_for("2026-11"), "2026-12": sheet_id_for("2026-12")}


def test_a_deleted_spreadsheet_is_made_again_from_the_store(emu, sheets, invoices, refreshed):
    old = refreshed.spreadsheet_id
    sheets.request("DELETE", f"https://www.googleapis.com/drive/v3/files/{old}")
    with time_machine.travel(at(11, 20, 10), tick=False):
        again = invoices.refresh("2026-11")
    assert again.spreadsheet_id != old and "was gone" in again.warnings[0]
    assert values(sheets, again.spreadsheet_id, "2026-11")[2][0] == "INV-000001"
    assert str(again).startswith("tabs 2026-11, 2026-12: 0 edits pulled, 0 invalid, 0 conflicts")


def test_sharing_follows_the_config(sheets, store, refreshed):
    from sheetsync.config import load_config
    from sheetsync.invoices import Invoices

    sid = refreshed.spreadsheet_id
    sheets.share(sid, "intruder@else.test", "reader")
    cfg = load_config({"agency": {"locale": "en"},
                       "invoices": {"editor_emails": ["cfo@agency.test", ACCOUNTS.upper()]}})
    changed = Invoices(store, sheets, cfg).share()
    assert changed == {"added": ["cfo@agency.test"], "removed": ["intruder@else.test"]}
    perms = {(p.get("emailAddress"), p["role"]) for p in sheets.list_permissions(sid)}
    assert perms == {(sheets.identity, "owner"), (ACCOUNTS, "writer"), ("cfo@agency.test", "writer")}
