"""One Drive listing per cycle whatever the number of spreadsheets (docs/sync.md "One listing per cycle").

The engine lists only what Drive shows as modified since the newest time it ever showed us, less a margin
over Drive's lag; a full listing (the first, every ``full_listing_minutes``, and when a client's spreadsheet
is not among the known files) drops deleted and unshared files. Pages are made small here so that a few
files stand for thousands. Time is the emulator's clock, advanced by hand; Drive lags as on Google.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from gsheets_emulator import Emulator
from synchelpers import MANAGER, SA

from sheetsync.bench.agency import clone_spreadsheet
from sheetsync.bench.quota import Clock
from sheetsync.sheets import Backend, RetryPolicy, batch, connect
from sheetsync.sync.engine import SyncEngine

LAG = 180.0
OTHER_FILES = 9  # with acme's: 10 files, 5 pages of 2


@pytest.fixture
def world(store, _template, monkeypatch):
    monkeypatch.setattr(batch, "PAGE_SIZE", 2)
    clock = Clock()
    emu = Emulator(clock=clock, drive_lag=LAG)
    emu.files = copy.deepcopy(_template[1])
    sid = _template[2]
    others = clone_spreadsheet(emu, sid, OTHER_FILES)  # files the account sees that did not change
    for f in emu.files.values():  # all made before this test's clock starts (the template used real time)
        f.created_time = f.modified_time = clock.utc().isoformat(timespec="milliseconds").replace("+00:00", "Z")
    sheets = connect(Backend(emulator=emu, user=SA, retry=RetryPolicy(initial_wait=0.0, jitter=0.0)),
                     sleep=lambda s: None)
    engine = SyncEngine(store, sheets, clock=clock.utc)
    clock.t += 3600  # the other files were last modified an hour ago
    return clock, emu, sheets, engine, sid, others


def _listings(sheets, run):
    before = sheets.counts()
    report = run()
    return report, (sheets.counts() - before).by_method


def _cycle(clock, engine, step=60.0):
    clock.t += step
    return next(r for r in engine.cycle().clients if r.client == "acme")


def _list_calls(by_method):
    return sum(n for m, n in by_method.items() if "files.list" in m)


def test_the_first_cycle_lists_every_page_then_one_page_a_cycle(store, world):
    clock, emu, sheets, engine, sid, others = world
    store.tasks.create("acme", {"title": "x"}, origin="cli", actor="team")
    _, first = _listings(sheets, lambda: _cycle(clock, engine))
    assert _list_calls(first) == 5  # 10 files, 2 a page: the full listing
    for _ in range(10):
        _cycle(clock, engine)  # pushed; our write published; quiet again
    for _ in range(4):  # minutes 11 to 14 after the full listing
        report, by = _listings(sheets, lambda: _cycle(clock, engine))
        assert report.skipped
        assert _list_calls(by) == 1 and sum(by.values()) == 1  # one page: only what moved lately
    report, by = _listings(sheets, lambda: _cycle(clock, engine))  # minute 15: the full listing again
    assert report.skipped and _list_calls(by) == 5 and sum(by.values()) == 5


def test_an_edit_published_late_is_still_listed_and_pulled(store, world):
    clock, emu, sheets, engine, sid, others = world
    t = store.tasks.create("acme", {"title": "written by the team"}, origin="cli", actor="team")
    for _ in range(12):
        _cycle(clock, engine)
    ws = emu.gspread_client(user=MANAGER).open_by_key(sid).worksheet("Бэклог")
    row = next(i for i, r in enumerate(ws.get_all_values(), start=1) if r and r[0] == t.key)
    clock.t += 30
    ws.update([["typed, published by Drive 3 minutes later"]], f"B{row}", raw=True)
    for _ in range(2):
        assert _cycle(clock, engine, step=30).skipped  # Drive has not published it yet
    for _ in range(10):
        _cycle(clock, engine)
    assert store.tasks.get(t.key).title == "typed, published by Drive 3 minutes later"


def test_a_full_listing_every_interval_finds_a_deleted_spreadsheet(store, world):
    clock, emu, sheets, engine, sid, others = world
    for _ in range(3):
        _cycle(clock, engine)
    del emu.files[sid]  # deleted in Drive
    reports = [_cycle(clock, engine) for _ in range(16)]  # 16 minutes: past the 15-minute full listing
    assert any(r.failed == "spreadsheet not found in Drive" for r in reports)


def test_a_client_whose_file_was_never_listed_gets_a_full_listing(store, world):
    clock, emu, sheets, engine, sid, others = world
    for _ in range(3):
        _cycle(clock, engine)
    adopted = others[0]  # an old spreadsheet, modified an hour ago, adopted by a second client
    store.clients.set_spreadsheet("acme", adopted, origin="cli", actor="op")
    _, by = _listings(sheets, lambda: _cycle(clock, engine))
    assert _list_calls(by) == 5  # not among the files known since the last full listing: list them all


@pytest.mark.parametrize("margin_minutes, pulled", [(10.0, True), (0.0, False)])
def test_the_margin_catches_an_edit_published_after_a_newer_one(store, world, margin_minutes, pulled):
    """Drive publishes each file's changes at the end of its own lag window with the last change's time, so
    file A's edit can be published after file B's later one. Listing only what is newer than B's time would
    miss A's edit (until the next full listing): the margin over the lag is what catches it."""
    clock, emu, sheets, engine, sid, others = world
    engine.listing_margin = dt.timedelta(minutes=margin_minutes)
    t = store.tasks.create("acme", {"title": "written by the team"}, origin="cli", actor="team")
    for _ in range(12):
        _cycle(clock, engine)
    manager = emu.gspread_client(user=MANAGER)
    other = manager.open_by_key(others[0]).worksheet("Бэклог")
    ws = manager.open_by_key(sid).worksheet("Бэклог")
    row = next(i for i, r in enumerate(ws.get_all_values(), start=1) if r and r[0] == t.key)
    other.update([["B, first"]], "C40", raw=True)  # B's lag window opens
    clock.t += LAG - 10
    ws.update([["typed in A"]], f"B{row}", raw=True)  # A's window opens: published LAG from now
    clock.t += 5
    other.update([["B, again"]], "C40", raw=True)  # B's window closes in 5 s with this newer time
    clock.t += 10
    assert _cycle(clock, engine, step=0).skipped  # lists B (newest time now), not A yet
    for _ in range(5):  # A is published meanwhile, with its older time
        _cycle(clock, engine)
    assert (store.tasks.get(t.key).title == "typed in A") is pulled
