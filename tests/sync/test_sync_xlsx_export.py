"""`sheetsync export --xlsx` of a provisioned and synced client spreadsheet looks like the sheet.

The spreadsheet is built by provisioning and a sync on the emulator (a manager's invalid date gives a
note, the in-work rows carry statuses and an overdue deadline), exported through Drive's files.export
as the command does, and read back with openpyxl.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

BACKLOG, IN_WORK, CARD = "Бэклог", "В работе", "Карточка"


@pytest.fixture
def book(tmp_path, store, sheets, sid, manager):
    from sheetsync.cli.ops import export_xlsx
    from sheetsync.sync.engine import SyncEngine

    store.tasks.create("acme", {"title": "Backlog task", "estimate_hours": 12.5}, origin="cli", actor="team")
    store.tasks.create("acme", {"title": "Overdue", "status": "in_progress", "start_date": "2026-01-05",
                                "deadline": "2026-01-09"}, origin="cli", actor="team")
    store.tasks.create("acme", {"title": "Later", "status": "planned", "deadline": "2199-01-01"},
                       origin="cli", actor="team")
    engine = SyncEngine(store, sheets)
    assert engine.sync_client("acme").failed is None
    ws = manager.worksheet(IN_WORK)
    ws.update_cell(3, ws.row_values(1).index("Срок") + 1, "завтра")  # invalid: the sync notes it
    assert engine.sync_client("acme").errors == 1
    path = tmp_path / "acme.xlsx"
    export_xlsx(sheets, sid, path)
    return openpyxl.load_workbook(path)


def _state(emu, sid, title):
    return next(s for s in emu.files[sid].spreadsheet.sheets if s.title == title)


def test_every_sheet_with_its_frozen_panes_and_column_widths(book, emu, sid):
    assert book.sheetnames == [s.title for s in emu.files[sid].spreadsheet.sheets]
    assert book[BACKLOG].freeze_panes == "B2" and book[IN_WORK].freeze_panes == "B2"
    assert book["План-график"].freeze_panes == "D3" and book["Метрики"].freeze_panes == "C2"
    for title in book.sheetnames:
        sheet = _state(emu, sid, title)
        ws = book[title]
        for i in range(sheet.col_count):
            px = (sheet.col_meta[i] if i < len(sheet.col_meta) else {}).get("pixelSize", 100)
            assert ws.column_dimensions[get_column_letter(i + 1)].width == pytest.approx(px / 7, abs=0.01), (title, i)
    assert book[BACKLOG]["B1"].value == "Задача" and book[BACKLOG].column_dimensions["B"].width > 40


def test_number_formats_as_excel_patterns(book):
    work = book[IN_WORK]
    header = [c.value for c in work[1]]
    deadline = work.cell(2, header.index("Срок") + 1)
    assert deadline.value == dt.datetime(2026, 1, 9) and deadline.number_format == "dd.mm.yyyy"
    assert work.cell(2, header.index("Оценка, ч") + 1).number_format == "0.0"
    backlog = book[BACKLOG]
    est = backlog.cell(2, [c.value for c in backlog[1]].index("Оценка, ч") + 1)
    assert est.value == 12.5 and est.number_format == "0.0"
    metrics = book["Метрики"]
    mh = [c.value for c in metrics[1]]
    assert metrics.cell(2, mh.index("Цель на период") + 1).number_format == "#,##0.##"  # grouped
    assert metrics.cell(2, mh.index("% от плана на сегодня") + 1).number_format == "0%"
    assert book[CARD]["B7"].number_format == "yyyy-mm-dd hh:mm"


def _rules(ws):
    return [(str(cf.sqref), r) for cf in ws.conditional_formatting for r in cf.rules]


def test_status_colours_and_overdue_red_are_live_rules(book, emu, sid):
    work = book[IN_WORK]
    rules = _rules(work)
    assert len(rules) == len(_state(emu, sid, IN_WORK).conditional_formats) == 8
    assert len(_rules(book[BACKLOG])) == len(_state(emu, sid, BACKLOG).conditional_formats) == 7
    by_formula = {r.formula[0]: (rng, r) for rng, r in rules}
    rng, in_progress = by_formula['G2="В работе"']
    assert rng.startswith("G2:G") and in_progress.type == "expression" and in_progress.stopIfTrue
    assert in_progress.dxf.fill.fgColor.rgb == "FFFFF2CC"  # vocabularies.toml: in_progress #FFF2CC
    assert by_formula['G2="Готово"'][1].dxf.fill.fgColor.rgb == "FFD9EAD3"
    rng, overdue = by_formula['AND(ISNUMBER(F2),F2<TODAY(),G2<>"Готово")']
    assert rng.startswith("F2:F") and overdue.dxf.font.b and overdue.dxf.fill.fgColor.rgb == "FFF4CCCC"
    # the rule is the sheet's own: red on the overdue row, not on the one due in 2199
    header = [c.value for c in work[1]]
    rows = {work.cell(r, 2).value: r for r in range(2, work.max_row + 1)}
    assert work.cell(rows["Overdue"], header.index("Срок") + 1).value < dt.datetime.now()
    assert work.cell(rows["Overdue"], header.index("Статус") + 1).value == "В работе"
    priorities = [r.priority for _, r in rules]
    assert priorities == sorted(priorities) and len(set(priorities)) == len(priorities)  # the sheet's order


def test_notes_bold_headers_and_dropdowns(book, emu, sid):
    work = book[IN_WORK]
    header = [c.value for c in work[1]]
    note = work.cell(3, header.index("Срок") + 1).comment
    assert note is not None and "ДД.ММ.ГГГГ" in note.text
    assert work["A1"].font.b and book[BACKLOG]["B1"].font.b
    status_col = get_column_letter(header.index("Статус") + 1)
    lists = [dv for dv in work.data_validations.dataValidation if dv.type == "list"]
    status = [dv for dv in lists if any(str(r).startswith(status_col) for r in dv.sqref.ranges)]
    assert status and "В работе" in status[0].formula1 and len(status[0].formula1) <= 255
