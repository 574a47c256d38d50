"""Task types and roles show their labels (vocabularies.toml) in the sheet's language, in cells and dropdowns;
the sync reads a label (or the key typed by hand) back to the key, and old sheets holding keys get labels."""

from __future__ import annotations

import pytest
from synchelpers import SA

BACKLOG = "Бэклог"
TYPE, ROLE = "Тип", "Специализация"


def add(store, title, **kw):
    return store.tasks.create("acme", {"title": title, **kw}, origin="cli", actor="team").key


def by_key(manager):
    vals = manager.worksheet(BACKLOG).get_all_values()
    return {r[0]: dict(zip(vals[0], r, strict=False)) for r in vals[1:] if r and r[0]}


def dropdown(emu, sid, header):
    """The ONE_OF_LIST values of the backlog column under ``header`` (row 2's data validation)."""
    s = emu.session(SA)
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{sid}"
    got = s.get(url, params={"includeGridData": "true", "ranges": f"'{BACKLOG}'!A1:L2"}).json()
    assert "sheets" in got, got
    g = got["sheets"][0]["data"][0]["rowData"]
    col = [c.get("formattedValue") for c in g[0]["values"]].index(header)
    return [v["userEnteredValue"] for v in g[1]["values"][col]["dataValidation"]["condition"]["values"]]


def test_cells_and_dropdowns_show_labels_and_read_back_to_keys(engine, store, manager, emu, sid):
    k = add(store, "Статья", task_type="article", role="copywriter")
    r = engine.sync_client("acme")
    assert r.failed is None, r.warnings
    row = by_key(manager)[k]
    assert (row[TYPE], row[ROLE]) == ("Статья", "Копирайтер")
    types, roles = dropdown(emu, sid, TYPE), dropdown(emu, sid, ROLE)
    assert "Статья" in types and "Дизайн" in types and "article" not in types
    assert "Копирайтер" in roles and "Менеджер" in roles and "copywriter" not in roles
    # a person picks from the dropdowns: the store gets the keys, nothing is invalid
    ws = manager.worksheet(BACKLOG)
    header = ws.row_values(1)
    ws.update_cell(2, header.index(TYPE) + 1, "Дизайн")
    ws.update_cell(2, header.index(ROLE) + 1, "Дизайнер")
    r = engine.sync_client("acme")
    assert r.failed is None and r.errors == 0 and not store.sync.errors("acme"), r.warnings
    t = store.tasks.get(k)
    assert (t.task_type, t.role) == ("design", "designer")
    again = engine.sync_client("acme")
    assert again.writes == 0 and again.plan.empty, [str(a) for a in again.plan.actions]


def test_a_key_typed_by_hand_is_taken_and_shown_as_its_label(engine, store, manager):
    k = add(store, "Лендинг")
    engine.sync_client("acme")
    ws = manager.worksheet(BACKLOG)
    ws.update_cell(2, ws.row_values(1).index(TYPE) + 1, "landing")
    r = engine.sync_client("acme")
    assert r.failed is None and r.errors == 0, r.warnings
    assert store.tasks.get(k).task_type == "landing"
    assert by_key(manager)[k][TYPE] == "Лендинг"  # written back as the label
    again = engine.sync_client("acme")
    assert again.writes == 0 and again.plan.empty


def test_a_type_without_a_label_shows_its_config_name(engine, store, manager, emu, sid):
    from sheetsync.provision import ProvisionSettings, provision_client

    store.task_types.upsert("podcast", name="Подкаст", role="marketer", default_estimate_hours=3)
    provision_client(store=store, sheets=engine.sheets, slug="acme", settings=ProvisionSettings(rows=60))
    engine = type(engine)(store, engine.sheets)  # the engine reads the vocabularies once
    k = add(store, "Выпуск", task_type="podcast", role="marketer")
    assert engine.sync_client("acme").failed is None
    assert (by_key(manager)[k][TYPE], by_key(manager)[k][ROLE]) == ("Подкаст", "Маркетолог")
    assert "Подкаст" in dropdown(emu, sid, TYPE)


def test_a_sheet_written_by_the_old_code_keeps_working_and_gets_labels(engine, store, manager, emu, sid,
                                                                       monkeypatch):
    """The old code showed keys (labels = values); with it back in place, provision and sync, then upgrade."""
    from sheetsync.provision import ProvisionSettings, provision_client
    from sheetsync.sync.engine import SyncEngine
    from sheetsync.templates import Vocabulary

    with monkeypatch.context() as m:
        m.setattr(Vocabulary, "dynamic", classmethod(lambda cls, name, values, *a, **k: cls.plain(name, values)))
        provision_client(store=store, sheets=engine.sheets, slug="acme", settings=ProvisionSettings(rows=60))
        old = SyncEngine(store, engine.sheets)
        k = add(store, "Статья", task_type="article", role="copywriter")
        assert old.sync_client("acme").failed is None
        row = by_key(manager)[k]
        assert (row[TYPE], row[ROLE]) == ("article", "copywriter")
        assert "article" in dropdown(emu, sid, TYPE)
    new = SyncEngine(store, engine.sheets)
    r = new.sync_client("acme")
    assert r.failed is None and r.errors == 0 and r.conflicts == 0 and r.pulled == 0, r.warnings
    row = by_key(manager)[k]
    assert (row[TYPE], row[ROLE]) == ("Статья", "Копирайтер")
    t = store.tasks.get(k)
    assert (t.task_type, t.role) == ("article", "copywriter")
    assert new.sync_client("acme").plan.empty
    provision_client(store=store, sheets=engine.sheets, slug="acme", settings=ProvisionSettings(rows=60))
    assert "Статья" in dropdown(emu, sid, TYPE) and "article" not in dropdown(emu, sid, TYPE)


@pytest.mark.parametrize("locale, label", [("ru", "Копирайтер"), ("en", "Copywriter")])
def test_field_types_label_roles_per_locale(store, locale, label):
    from sheetsync.sync.layout import store_field_types
    from sheetsync.sync.normalise import from_sheet, to_sheet
    from sheetsync.templates import load_templates

    ft = store_field_types(store, load_templates())["role"]
    assert to_sheet("copywriter", ft, locale) == label
    assert from_sheet(label, ft, locale) == ("copywriter", None)
    assert from_sheet("copywriter", ft, locale) == ("copywriter", None)
