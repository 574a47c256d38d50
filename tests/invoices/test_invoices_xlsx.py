"""The turnover spreadsheet exported to xlsx (Drive files.export, as `sheetsync export` does) looks like the
sheet: amounts fit their columns (no ``###``), dates and money keep their formats, the carry-over marks are
grey and struck through with their notes, status colours, frozen header and first column, the dropdown."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
import time_machine
from invoice_helpers import ACTOR, at
from openpyxl.utils import get_column_letter


@pytest.fixture
def book(tmp_path, store, sheets, invoices, agency):
    from sheetsync.cli.ops import export_xlsx

    with time_machine.travel(at(11, 12), tick=False):
        store.invoices.move(agency["a"], "2026-11-17", origin="cli", actor=ACTOR, reason="client approval")
    with time_machine.travel(at(11, 20), tick=False):
        store.invoices.move(agency["c"], "2026-12-02", origin="cli", actor=ACTOR, reason="budget")
        store.invoices.update(agency["b"], status="paid", paid_date="2026-11-18", origin="cli", actor=ACTOR)
    with time_machine.travel(at(11, 20, 9), tick=False):
        report = invoices.refresh("2026-11")
    path = tmp_path / "turnover.xlsx"
    export_xlsx(sheets, report.spreadsheet_id, path)
    return openpyxl.load_workbook(path)


def _shown(value, pattern: str) -> str:
    """What Excel shows for a number in the patterns the turnover uses."""
    if pattern == "#,##0.00":
        return f"{value:,.2f}"
    if isinstance(value, dt.datetime):
        return f"{value:%d.%m.%Y}"
    return str(value)


def test_amounts_fit_their_columns_no_hashes(book):
    ws = book["2026-11"]
    checked = 0
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, int | float | dt.datetime) and not isinstance(cell.value, bool):
                letter = get_column_letter(cell.column)
                # a column the file does not size is Excel's default, 8.43 digits (openpyxl would say 13)
                width = ws.column_dimensions[letter].width if letter in ws.column_dimensions else 8.43
                # Excel's width unit is one digit of the default font; a grouped amount needs its length
                assert width >= len(_shown(cell.value, cell.number_format)) + 1, (cell.coordinate, cell.value, width)
                checked += 1
    assert checked > 40
    assert ws["O6"].value == 1_000_000 and ws["O6"].number_format == "#,##0.00"  # the widest: a month plan


def test_money_and_date_formats(book):
    ws = book["2026-11"]
    assert ws["A3"].value == "INV-000001"
    assert ws["D3"].value == 250000 and ws["D3"].number_format == "#,##0.00"
    assert ws["F3"].value == dt.datetime(2026, 11, 17) and ws["F3"].number_format == "dd.mm.yyyy"
    assert book["Summary"]["F2"].number_format == "#,##0.00"


def test_carry_over_marks_are_grey_struck_through_with_their_notes(book):
    ws = book["2026-11"]
    mark = ws["K3"]  # INV-000001's old week 09.11-15.11
    assert mark.value == 250000 and mark.font.strike and mark.font.color.rgb == "FF999999"
    assert mark.comment is not None and "client approval" in mark.comment.text
    live = ws["L3"]
    assert live.value == 250000 and not live.font.strike and live.comment is None
    assert live.fill.fgColor.rgb == "FFCFE2F3"  # planned: the status colour, as in the sheet
    carried = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "INV-000003")
    assert carried[4].value == "→ carried to 2026-12" and carried[4].font.i and carried[4].font.color.rgb == "FF999999"


def test_frozen_header_and_status_dropdown(book):
    ws = book["2026-11"]
    assert ws.freeze_panes == "B2" and ws["A1"].font.b
    (dv,) = [d for d in ws.data_validations.dataValidation if d.type == "list"]
    assert "Paid" in dv.formula1 and any(str(r).startswith("E") for r in dv.sqref.ranges)
