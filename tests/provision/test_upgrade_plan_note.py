"""Backlog template v2 (the planner's note column): a v1 spreadsheet gains the column in place, values kept."""

from __future__ import annotations

import re
import shutil

import gspread
import pytest

from sheetsync.provision.desired import META_TEMPLATE, build
from sheetsync.provision.provision import ensure_spreadsheet, share
from sheetsync.provision.sharing import wanted_roles
from sheetsync.templates import load_templates

from .conftest import DYNAMIC, GRID_ROWS, MANAGER, SA, grid, structure, writes
from .test_repair import ROWS, by_header

NOTE = "Заметка планировщика"


def v1_templates(templates, tmp_path):
    """The shipped templates as they were before the note column: backlog version 1 without it."""
    d = tmp_path / "tpl_v1"
    shutil.copytree(templates.directory, d)
    p = d / "backlog.toml"
    text = p.read_text()
    text = re.sub(r"(?s)# Written by the planner.*?(?=\n\[\[conditional_formats\]\])", "", text)
    text = re.sub(r"(?m)^version = \d+.*$", "version = 1", text, count=1)
    p.write_text(text)
    t1 = load_templates(d)
    assert "plan_note" not in t1["backlog"].keys and t1["backlog"].version == 1
    return t1


def test_a_v1_spreadsheet_gains_the_note_column_keeping_every_value(emu, sheets, acme, access, templates, tmp_path):
    t1 = v1_templates(templates, tmp_path)
    sid = ensure_spreadsheet(sheets, build(acme, t1, access=access, dynamic_vocabularies=DYNAMIC, rows=GRID_ROWS),
                             None).spreadsheet_id
    ss = emu.gspread_client(SA).open_by_key(sid)
    ss.worksheet("Бэклог").update(range_name="A2:K3", values=ROWS, raw=True)
    ss.worksheet("Бэклог").add_cols(1)  # a person's own column, right of the template's
    ss.worksheet("Бэклог").update(range_name="L1:L2", values=[["Мои пометки"], ["заметка менеджера"]])
    ss.worksheet("В работе").update(range_name="A2:C2", values=[["T-000009", "Статья", "dima@agency.test"]])
    before = {"Бэклог": by_header(ss), "В работе": by_header(ss, "В работе")}
    assert NOTE not in before["Бэклог"]

    out = ensure_spreadsheet(sheets, build(acme, templates, access=access, dynamic_vocabularies=DYNAMIC,
                                           rows=GRID_ROWS), sid)
    assert "backlog: column 'plan_note' missing — inserted at L" in out.plan.repairs, out.plan.repairs
    after = by_header(ss)
    assert after.pop(NOTE) == ["", ""]
    assert after == before["Бэклог"]  # every value kept, the person's column included
    assert by_header(ss, "В работе") == before["В работе"]
    assert ss.worksheet("Бэклог").row_values(1) == [*templates["backlog"].headers("ru"), "Мои пометки"]
    top = {m["metadataKey"]: m["metadataValue"] for m in structure(sheets, sid)["developerMetadata"]}
    assert top[META_TEMPLATE] == templates.version
    # the new column is the planner's: its header carries the column key, managers cannot type in it
    g = grid(sheets, sid, "'Бэклог'!L1:L2")
    assert any(m["metadataValue"] == "plan_note" for m in g["columnMetadata"][0]["developerMetadata"])
    assert g["rowData"][0]["values"][0]["note"].startswith("Пишет sheetsync")
    share(sheets, sid, wanted_roles(viewers=[], managers=[MANAGER]))
    with pytest.raises(gspread.exceptions.APIError, match="protected"):
        emu.gspread_client(MANAGER).open_by_key(sid).worksheet("Бэклог").update(range_name="L2", values=[["x"]])
    emu.gspread_client(MANAGER).open_by_key(sid).worksheet("Бэклог").update(range_name="K2", values=[["ok"]])
    m = emu.mark()
    again = ensure_spreadsheet(sheets, build(acme, templates, access=access, dynamic_vocabularies=DYNAMIC,
                                             rows=GRID_ROWS), sid)
    assert again.plan.requests == [] and writes(emu, m) == 0
