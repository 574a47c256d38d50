"""The card's "last successful sync" cell rides on the sync's own values write, never on a call of its own."""

from __future__ import annotations

import datetime as dt

from synchelpers import SA

CARD = "Карточка"
WHEN = dt.datetime(2026, 11, 23, 9, 41, 30, tzinfo=dt.UTC)  # 12:41 in Moscow


def stamp_cell(emu, sid, store):
    from sheetsync.provision.render import layout_of
    from sheetsync.templates import load_templates

    r, c = layout_of(load_templates()).last_sync
    ws = emu.gspread_client(user=SA).open_by_key(sid).worksheet(CARD)
    raw = ws.cell(r + 1, c + 1, value_render_option="UNFORMATTED_VALUE").value
    shown = ws.cell(r + 1, c + 1).value
    return raw, shown


def engine_at(store, sheets, when):
    from sheetsync.sync.engine import SyncEngine

    return SyncEngine(store, sheets, clock=lambda: when)


def test_a_sync_that_writes_stamps_the_card_in_the_same_values_call(emu, sid, store, sheets):
    k = store.tasks.create("acme", {"title": "Лендинг"}, origin="cli", actor="team").key
    assert stamp_cell(emu, sid, store)[1] == "—"  # as provisioned
    engine = engine_at(store, sheets, WHEN)
    stamp = engine._stamp
    engine._stamp = lambda client: None  # control: the same kind of sync without the stamp
    engine.sync_client("acme")
    assert stamp_cell(emu, sid, store)[1] == "—"
    store.tasks.update(k, {"priority": 2}, origin="cli", actor="team")
    before = sheets.counts()
    engine.sync_client("acme")
    without = sheets.counts() - before
    engine._stamp = stamp
    store.tasks.update(k, {"priority": 1}, origin="cli", actor="team")
    before = sheets.counts()
    r = engine.sync_client("acme")
    used = sheets.counts() - before
    assert r.failed is None and r.pushed == 1
    assert (used.calls, used.writes) == (without.calls, without.writes), (used.by_method, without.by_method)
    assert used.cells_written == without.cells_written + 1  # the stamp rode on the values write
    raw, shown = stamp_cell(emu, sid, store)
    assert shown == "2026-11-23 12:41"  # the client's time zone (Europe/Moscow), the card's format
    assert isinstance(raw, float) and abs(raw - 46349.52847) < 1e-4


def test_a_sync_that_writes_nothing_leaves_the_stamp_alone(emu, sid, store, sheets, manager):
    store.tasks.create("acme", {"title": "Лендинг"}, origin="cli", actor="team")
    engine_at(store, sheets, WHEN).sync_client("acme")
    manager.worksheet("Бэклог").update([["Лендинг v2"]], "B2", raw=False)  # a pull: nothing to write back
    later = engine_at(store, sheets, WHEN + dt.timedelta(hours=3))
    before = sheets.counts()
    r = later.sync_client("acme")
    assert r.pulled == 1 and r.writes == 0 and (sheets.counts() - before).writes == 0
    assert stamp_cell(emu, sid, store)[1] == "2026-11-23 12:41"  # unchanged: that sync wrote nothing
    store.tasks.update(store.tasks.list("acme")[0].key, {"priority": 1}, origin="cli", actor="team")
    later.sync_client("acme")
    assert stamp_cell(emu, sid, store)[1] == "2026-11-23 15:41"


def test_a_missing_card_never_blocks_the_sync(emu, sid, store, sheets, owner):
    owner.del_worksheet(owner.worksheet(CARD))
    store.tasks.create("acme", {"title": "Лендинг"}, origin="cli", actor="team")
    r = engine_at(store, sheets, WHEN).sync_client("acme")
    assert r.failed is None and r.pushed > 0
