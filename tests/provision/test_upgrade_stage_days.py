"""In-work template v2 (the "days in stage" column) and card v2 (working days, the stage-norm legend):
a spreadsheet provisioned by the old templates, with tasks synced into it and people's edits, gains the
column in place — nothing lost or shifted — and then shows the stage clock (emulator, gspread)."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import gspread
import pytest
import time_machine

from sheetsync.config import load_config
from sheetsync.provision import ProvisionSettings, provision_client
from sheetsync.provision.render import layout_of
from sheetsync.templates import load_templates

from .conftest import MANAGER, SA, grid, writes
from .test_repair import by_header

IN_WORK, CARD = "В работе", "Карточка"
DAYS = "Дней в этапе"
OVERDUE = "Просрочка, дн"
FAST = ProvisionSettings(rows=30)


def old_templates(templates, tmp_path):
    """The shipped templates as they were before the stage clock: in_work v1 without the column, card v1."""
    d = tmp_path / "tpl_old"
    shutil.copytree(templates.directory, d)
    p = d / "in_work.toml"
    text = re.sub(r'(?s)\[\[columns\]\]\nkey = "stage_days".*?(?=\n\[\[conditional_formats\]\])', "", p.read_text())
    p.write_text(re.sub(r"(?m)^version = \d+.*$", "version = 1", text, count=1))
    p = d / "card.toml"
    text = re.sub(r'(?s)\n\[\[card\.legend\.extra\]\]\nlabel = \{ ru = "Дольше нормы этапа.*', "\n", p.read_text())
    text = text.replace('{ ru = "Раб. дней", en = "Working days" }', '{ ru = "Дней", en = "Days" }')
    p.write_text(re.sub(r"(?m)^version = \d+.*$", "version = 1", text, count=1))
    old = load_templates(d)
    assert "stage_days" not in old["in_work"].keys and old["in_work"].version == 1 and old["card"].version == 1
    assert len(old["card"].card.legend.extra) == len(templates["card"].card.legend.extra) - 1
    return old


def at(y, m, d, hour=9):
    return time_machine.travel(dt.datetime(y, m, d, hour, tzinfo=dt.UTC), tick=False)


def test_an_old_spreadsheet_gains_the_days_column_keeping_every_value(emu, store, sheets, templates, tmp_path):
    from sheetsync.cli.sync import make_engine

    cfg = load_config({"agency": {"holidays_country": "RU", "timezone": "Europe/Moscow"}})
    old = old_templates(templates, tmp_path)
    with at(2026, 12, 21):
        sid = provision_client(store=store, sheets=sheets, slug="acme", templates=old, settings=FAST).spreadsheet_id
        t = store.tasks
        waiting = t.create("acme", {"title": "Доступы к CRM", "status": "waiting_client",
                                    "assignee": "dima@agency.test", "estimate_hours": 2}, origin="cli", actor="pm").key
        review = t.create("acme", {"title": "Макет главной", "status": "review", "deadline": dt.date(2026, 12, 23)},
                          origin="cli", actor="pm").key
        t.create("acme", {"title": "Баннер", "status": "done", "actual_hours": 3}, origin="cli", actor="pm")
        engine = make_engine(store, sheets, cfg)  # the new code, against the old spreadsheet
        first = engine.sync_client("acme")
    assert first.failed is None
    assert any("stage_days" in w and "provision" in w for w in first.warnings), first.warnings
    ss = emu.gspread_client(SA).open_by_key(sid)
    ws = ss.worksheet(IN_WORK)
    assert DAYS not in ws.row_values(1)
    # people's data: the client's comment, and a manager's own column right of the template's
    row = ws.col_values(1).index(review) + 1
    emu.gspread_client(MANAGER).open_by_key(sid).worksheet(IN_WORK).update_cell(
        row, ws.row_values(1).index("Комментарий клиента") + 1, "ждём правки от юриста")
    ws.add_cols(1)
    n = len(ws.row_values(1))
    ws.update_cell(1, n + 1, "Мои пометки")
    ws.update_cell(row, n + 1, "позвонить во вторник")
    with at(2026, 12, 22):
        assert engine.sync_client("acme").pulled == 1  # the client's comment, taken in
    assert store.tasks.get(review).client_comment == "ждём правки от юриста"
    before = by_header(ss, IN_WORK)
    before.pop(OVERDUE)  # a TODAY() formula: recalculated at the travelled-to day of the next write
    log_before = len(store.log())

    with at(2026, 12, 28):
        out = provision_client(store=store, sheets=sheets, slug="acme", templates=templates, settings=FAST)
    assert f"in_work: column 'stage_days' missing — inserted at {chr(ord('A') + n)}" in out.repairs, out.repairs
    assert "card: new template layout — rewritten" in out.repairs
    after = by_header(ss, IN_WORK)
    after.pop(OVERDUE)
    assert after.pop(DAYS) == [""] * len(before["ID"])  # the new column starts empty
    assert after == before  # every value under its header, the person's column included
    assert ws.row_values(1) == [*templates["in_work"].headers("ru"), "Мои пометки"]
    # the column is sheetsync's: metadata on its header, protected from managers
    g = grid(sheets, sid, f"'{IN_WORK}'!{chr(ord('A') + n)}1:{chr(ord('A') + n)}2")
    assert any(m["metadataValue"] == "stage_days" for m in g["columnMetadata"][0]["developerMetadata"])
    with pytest.raises(gspread.exceptions.APIError, match="protected"):
        emu.gspread_client(MANAGER).open_by_key(sid).worksheet(IN_WORK).update_cell(row, n + 1, 5)

    with at(2026, 12, 28):
        report = make_engine(store, sheets, cfg).sync_client("acme")
    assert report.failed is None and report.pulled == 0 and report.conflicts == 0, report
    assert not any("stage_days" in w for w in report.warnings)
    assert len(store.log()) == log_before  # nothing from the sheet went into the store
    shown = by_header(ss, IN_WORK)
    days = dict(zip(shown["ID"], shown[DAYS], strict=True))
    assert days[waiting] == 5  # 22-25 Dec, 28 Dec; waiting on the client is the client's to see
    assert days[review] == ""  # in review: internal (stages.client_visible)
    assert {k: v for k, v in shown.items() if k not in (DAYS, OVERDUE)} == before  # the sync moved nothing either
    red = grid(sheets, sid, f"'{IN_WORK}'!{chr(ord('A') + n)}{shown['ID'].index(waiting) + 2}",
               "sheets(data(rowData(values(userEnteredFormat))))")
    fmt = red["rowData"][0]["values"][0]["userEnteredFormat"]
    assert fmt["numberFormat"]["pattern"] == "0" and fmt["backgroundColor"]["red"] > 0.9  # a number, red: 5 > 3

    # the card: working days in its waiting list, the legend names the red
    card = ss.worksheet(CARD).get_all_values()
    lay = layout_of(templates)
    assert card[lay.waiting_first_row - 1][3] == "Раб. дней"
    assert any(r[0].startswith("Дольше нормы этапа") for r in card)
    # nothing left to repair: the written numbers and colours are no drift
    m = emu.mark()
    with at(2026, 12, 28):
        again = provision_client(store=store, sheets=sheets, slug="acme", templates=templates, settings=FAST)
    assert again.requests_applied == 0 and writes(emu, m) == 0, again.repairs
