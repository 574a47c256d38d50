"""A template version bump upgrades in place keeping every value; who can edit what; sharing."""

from __future__ import annotations

import shutil

import gspread
import pytest
from gspread.utils import rowcol_to_a1

from sheetsync.provision.desired import META_TEMPLATE, build
from sheetsync.provision.provision import ensure_spreadsheet, share
from sheetsync.provision.sharing import wanted_roles
from sheetsync.templates import load_templates

from .conftest import DYNAMIC, GRID_ROWS, MANAGER, SA, VIEWER, structure, writes
from .test_repair import ROWS, by_header

NEW_COLUMN = '''
[[columns]]
key = "deadline"
header = { ru = "Желаемый срок", en = "Wanted by" }
type = "date"
width = 110
edit = "manager"
'''


def test_version_bump_adds_a_column_keeping_every_value(emu, sheets, acme, access, templates, tmp_path):
    v1 = build(acme, templates, access=access, dynamic_vocabularies=DYNAMIC, rows=GRID_ROWS)
    sid = ensure_spreadsheet(sheets, v1, None).spreadsheet_id
    ss = emu.gspread_client(SA).open_by_key(sid)
    ss.worksheet("Бэклог").update(range_name="A2:K3", values=ROWS, raw=True)
    ss.worksheet("В работе").update(range_name="A2:C2", values=[["T-000009", "Статья", "dima@agency.test"]])
    before = {"Бэклог": by_header(ss), "В работе": by_header(ss, "В работе")}
    # version 2: a new column between priority and status
    d = tmp_path / "tpl"
    shutil.copytree(templates.directory, d)
    p = d / "backlog.toml"
    old = f"version = {templates['backlog'].version}"
    assert old in p.read_text()
    text = p.read_text().replace(old, f"version = {templates['backlog'].version + 1}", 1)
    at = text.index('[[columns]]\nkey = "status"')
    p.write_text(text[:at] + NEW_COLUMN.lstrip() + "\n" + text[at:])
    t2 = load_templates(d)
    assert t2["backlog"].index_of("deadline") == 9 and t2.version.startswith(
        f"card{templates['card'].version}.backlog{templates['backlog'].version + 1}.")
    v2 = build(acme, t2, access=access, dynamic_vocabularies=DYNAMIC, rows=GRID_ROWS)
    out = ensure_spreadsheet(sheets, v2, sid)
    assert "backlog: column 'deadline' missing — inserted at J" in out.plan.repairs
    after = by_header(ss)
    assert after.pop("Желаемый срок") == ["", ""]
    assert after == before["Бэклог"]
    assert by_header(ss, "В работе") == before["В работе"]
    assert ss.worksheet("Бэклог").row_values(1)[9:11] == ["Желаемый срок", "Статус"]
    top = {m["metadataKey"]: m["metadataValue"] for m in structure(sheets, sid)["developerMetadata"]}
    assert top[META_TEMPLATE] == t2.version
    m = emu.mark()
    assert ensure_spreadsheet(sheets, v2, sid).plan.requests == []
    assert writes(emu, m) == 0


@pytest.fixture
def shared(sheets, provisioned):
    share(sheets, provisioned, wanted_roles(viewers=[VIEWER], managers=[MANAGER]))
    return provisioned


def _perms(sheets, sid):
    return {(p.get("emailAddress") or p["type"]).lower(): p["role"] for p in sheets.list_permissions(sid)}


def test_sharing_is_exactly_the_config(sheets, shared):
    assert _perms(sheets, shared) == {SA: "owner", VIEWER: "reader", MANAGER: "writer"}
    sheets.share(shared, "stranger@else.test", "writer")
    sheets.request("POST", f"https://www.googleapis.com/drive/v3/files/{shared}/permissions",
                   json_body={"type": "anyone", "role": "reader"})
    plan = share(sheets, shared, wanted_roles(viewers=[VIEWER, "cfo@acme.test"], viewer_role="commenter",
                                              managers=[MANAGER]))
    assert sorted(w for _, w in plan.remove) == ["anyone", "stranger@else.test"]
    assert plan.create == [("cfo@acme.test", "commenter")]
    assert [(w, r) for _, w, r in plan.update] == [(VIEWER, "commenter")]
    assert _perms(sheets, shared) == {SA: "owner", VIEWER: "commenter", "cfo@acme.test": "commenter",
                                      MANAGER: "writer"}
    again = share(sheets, shared, wanted_roles(viewers=[VIEWER, "cfo@acme.test"], viewer_role="commenter",
                                               managers=[MANAGER]))
    assert again.empty


def test_client_reader_can_edit_nothing(emu, shared):
    ss = emu.gspread_client(VIEWER).open_by_key(shared)
    assert ss.worksheet("Бэклог").row_values(1)[0] == "ID"  # can read
    for title, cell in (("Бэклог", "B2"), ("Бэклог", "K2"), ("В работе", "C2"), ("Карточка", "B3"),
                        ("Метрики", "H2")):
        with pytest.raises(gspread.exceptions.APIError) as e:
            ss.worksheet(title).update(range_name=cell, values=[["x"]])
        assert e.value.response.status_code == 403


def _cell(templates, kind, key, row=2):
    return rowcol_to_a1(row, templates[kind].index_of(key) + 1)


def test_manager_edits_fields_but_not_ids_headers_or_generated_sheets(emu, shared, templates):
    ss = emu.gspread_client(MANAGER).open_by_key(shared)
    backlog = ss.worksheet("Бэклог")
    backlog.update(range_name="B2:C2", values=[["Новый лендинг", "Заявки"]])
    backlog.update(range_name="J2", values=[["Бэклог"]])
    backlog.update(range_name="K2", values=[["клиент просил"]])
    assert backlog.row_values(2)[1] == "Новый лендинг"
    for title, cell in (("Бэклог", "A2"), ("Бэклог", "B1"), ("В работе", "J2"), ("Карточка", "B3"),
                        ("План-график", "A2"), ("Метрики", _cell(templates, "metrics", "progress"))):
        with pytest.raises(gspread.exceptions.APIError, match="protected"):
            ss.worksheet(title).update(range_name=cell, values=[["x"]])
    ss.worksheet("Метрики").update(range_name=_cell(templates, "metrics", "comment"), values=[["сезон"]])


def test_card_layout_upgrade_rewrites_the_card(emu, sheets, acme, access, templates, tmp_path):
    from sheetsync.provision.desired import card_layout

    sid = ensure_spreadsheet(sheets, build(acme, templates, access=access, dynamic_vocabularies=DYNAMIC,
                                           rows=GRID_ROWS), None).spreadsheet_id
    d = tmp_path / "tpl"
    shutil.copytree(templates.directory, d)
    p = d / "card.toml"
    v = templates["card"].version
    text = p.read_text().replace(f"version = {v}", f"version = {v + 1}", 1)
    at = text.index('[[card.fields]]\nkey = "contacts"')
    p.write_text(text[:at] + '[[card.fields]]\nkey = "slug"\nlabel = { ru = "Код клиента", en = "Client code" }\n'
                 'source = "client.name"\n\n' + text[at:])
    t2 = load_templates(d)
    v2 = build(acme, t2, access=access, dynamic_vocabularies=DYNAMIC, rows=GRID_ROWS)
    out = ensure_spreadsheet(sheets, v2, sid)
    assert "card: new template layout — rewritten" in out.plan.repairs
    m = emu.mark()
    assert ensure_spreadsheet(sheets, v2, sid).plan.requests == [] and writes(emu, m) == 0
    card = emu.gspread_client(SA).open_by_key(sid).worksheet("Карточка").get_all_values()
    new, old = card_layout(t2["card"], t2.vocabularies), card_layout(templates["card"], templates.vocabularies)
    assert new.waiting_first_row == old.waiting_first_row + 1
    assert card[new.field_rows["slug"]][:2] == ["Код клиента", "ACME"]
    assert card[new.waiting_first_row][1] == "Ничего не ждёт клиента"
    assert card[new.counter_rows["done"]][:2] == ["Готово", "0"]
    assert len([r for r in card if r[0] == "Статусы и цвета"]) == 1  # nothing of the old layout left over
