"""Change detection under Drive lag: nothing a person types is lost while Drive's modifiedTime trails.

The emulator publishes a spreadsheet's ``modifiedTime``/``version`` ``drive_lag`` seconds after a change,
coalescing the changes in between (googleapis/google-api-go-client#444: about every 3 minutes). Time is the
emulator's clock, advanced by the test: nothing sleeps. Everything runs through the real engine, real
gspread and a real SQLite store.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from gsheets_emulator import Emulator
from synchelpers import MANAGER, SA

from sheetsync.bench.quota import Clock  # the emulator's and the engine's clock, advanced by hand
from sheetsync.sheets import Backend, RetryPolicy, connect
from sheetsync.sync.engine import SyncEngine

LAG = 180.0


@pytest.fixture
def world(store, _template):
    clock = Clock()
    emu = Emulator(clock=clock, drive_lag=LAG)
    emu.files = copy.deepcopy(_template[1])
    sid = _template[2]
    sheets = connect(Backend(emulator=emu, user=SA, retry=RetryPolicy(initial_wait=0.0, jitter=0.0)),
                     sleep=lambda s: None)
    engine = SyncEngine(store, sheets, clock=clock.utc)
    manager = emu.gspread_client(user=MANAGER).open_by_key(sid)
    return clock, emu, sheets, engine, manager


def _settle(clock, engine, step=60.0, cycles=12):
    """Run the daemon's cycles ``step`` seconds apart; returns the reports of acme."""
    out = []
    for _ in range(cycles):
        clock.t += step
        out.append(next(r for r in engine.cycle().clients if r.client == "acme"))
    return out


def _title_cell(manager, key):
    ws = manager.worksheet("Бэклог")
    return ws, next(i for i, r in enumerate(ws.get_all_values(), start=1) if r and r[0] == key)


def test_an_edit_in_the_lag_window_after_our_own_write_reaches_the_store(store, world):
    clock, emu, sheets, engine, manager = world
    t = store.tasks.create("acme", {"title": "written by the team"}, origin="cli", actor="team")
    _settle(clock, engine)  # pushed; our write published; quiet again
    assert all(r.skipped for r in _settle(clock, engine, cycles=3))

    store.tasks.update(t.key, {"priority": 1}, origin="cli", actor="team")
    clock.t += 60
    pushed = next(r for r in engine.cycle().clients if r.client == "acme")
    assert pushed.pushed >= 1 and pushed.writes >= 1  # our write: Drive will publish it up to LAG later
    clock.t += 5
    ws, row = _title_cell(manager, t.key)
    ws.update([["typed right after our write"]], f"B{row}", raw=True)  # inside the lag window

    _settle(clock, engine)
    assert store.tasks.get(t.key).title == "typed right after our write"


def test_unchanged_client_outside_the_lag_window_costs_no_sheets_call(store, world):
    clock, emu, sheets, engine, manager = world
    store.tasks.create("acme", {"title": "x"}, origin="cli", actor="team")
    _settle(clock, engine)
    before = sheets.counts()
    reports = _settle(clock, engine, cycles=5)
    assert all(r.skipped for r in reports)
    assert (sheets.counts() - before).calls == 5  # one Drive listing per cycle, nothing else


def _acme(engine):
    return next(r for r in engine.cycle().clients if r.client == "acme")


def test_our_own_pull_is_not_a_change(store, world):
    """A cycle that pulled a manager's edit is followed by cycles with no Sheets read (nothing else changed)."""
    clock, emu, sheets, engine, manager = world
    t = store.tasks.create("acme", {"title": "written by the team"}, origin="cli", actor="team")
    _settle(clock, engine)
    ws, row = _title_cell(manager, t.key)
    ws.update([["retitled by the manager"]], f"B{row}", raw=True)
    clock.t += LAG + 60  # Drive has published the edit
    pulled = _acme(engine)
    assert pulled.pulled == 1 and pulled.writes == 0
    assert store.tasks.get(t.key).title == "retitled by the manager"
    for _ in range(3):
        clock.t += 60
        r = _acme(engine)
        assert r.skipped and r.reads == 0, r


def test_a_team_edit_during_our_pull_still_syncs(store, world):
    """The counter moves past our own pull only: a team edit made while the run pulled is synced next cycle."""
    clock, emu, sheets, engine, manager = world
    a = store.tasks.create("acme", {"title": "a"}, origin="cli", actor="team")
    b = store.tasks.create("acme", {"title": "b"}, origin="cli", actor="team")
    _settle(clock, engine)
    ws, row = _title_cell(manager, a.key)
    ws.update([["a, by the manager"]], f"B{row}", raw=True)
    clock.t += LAG + 60

    def team_edit(step):  # right after the pull's store transaction
        if step == "create":
            store.tasks.update(b.key, {"priority": 1}, origin="cli", actor="team")

    engine.on_write = team_edit
    assert _acme(engine).pulled == 1
    engine.on_write = None
    clock.t += 60
    r = _acme(engine)
    assert not r.skipped and r.pushed == 1  # b's priority reaches the sheet


def _push_priority(store, clock, engine, key, value):
    store.tasks.update(key, {"priority": value}, origin="cli", actor="team")
    clock.t += 60
    r = _acme(engine)
    assert r.pushed == 1 and r.writes >= 1, r
    return r


def test_our_own_write_is_not_read_back_when_drive_shows_only_it(store, world):
    """A pushed change costs one Sheets read (the snapshot, carrying the row metadata) and a Drive check in
    place of the ID-check read; once Drive publishes our write, and nothing else, nobody reads it back."""
    clock, emu, sheets, engine, manager = world
    t = store.tasks.create("acme", {"title": "written by the team"}, origin="cli", actor="team")
    _settle(clock, engine)
    before = sheets.counts()
    r = _push_priority(store, clock, engine, t.key, 1)
    used = sheets.counts() - before
    assert used.by_method["sheets.spreadsheets.get"] == 1 and "sheets.spreadsheets.values.batchGet" not in \
        used.by_method, used.by_method
    assert used.by_method["drive.files.get"] == 1
    before = sheets.counts()
    quiet = _settle(clock, engine, cycles=6)  # Drive publishes our write 180 s later
    assert all(q.skipped for q in quiet)
    assert set((sheets.counts() - before).by_method) == {"drive.files.list"}
    assert r.failed is None


def test_an_edit_coalesced_with_our_write_is_read(store, world):
    """A manager's edit published in the same Drive refresh as our write moves version one step more than
    our writes: the sheet is read and the edit reaches the store."""
    clock, emu, sheets, engine, manager = world
    t = store.tasks.create("acme", {"title": "written by the team"}, origin="cli", actor="team")
    _settle(clock, engine)
    _push_priority(store, clock, engine, t.key, 2)
    clock.t += 5
    ws, row = _title_cell(manager, t.key)
    ws.update([["typed 5 s after our write"]], f"B{row}", raw=True)
    reads = [r.reads for r in _settle(clock, engine)]
    assert store.tasks.get(t.key).title == "typed 5 s after our write"
    assert sum(reads) >= 1


def test_an_edit_between_snapshot_and_write_in_another_cell_is_kept(store, world):
    """No confirm read any more: an edit typed between our snapshot and our write, in a cell we do not write,
    stays in the sheet (we write only changed cells) and reaches the store once Drive publishes it."""
    clock, emu, sheets, engine, manager = world
    t = store.tasks.create("acme", {"title": "written by the team"}, origin="cli", actor="team")
    _settle(clock, engine)
    ws, row = _title_cell(manager, t.key)

    def person(req):
        if req.user == SA and req.name == "drive.files.get" and not done:
            done.append(1)
            ws.update([["typed during our sync"]], f"B{row}", raw=True)

    done: list[int] = []
    emu.on_request(person)
    _push_priority(store, clock, engine, t.key, 4)
    assert done
    _settle(clock, engine)
    task = store.tasks.get(t.key)
    assert (task.title, task.priority) == ("typed during our sync", 4)


def test_drive_showing_a_change_since_the_listing_means_a_confirm_read(store, emu, sid, sheets, manager):
    """Without lag, an edit made after the listing shows in the Drive check: the sheet is read again and
    the plan confirmed (re-planned here, as the edit is in a row the plan writes)."""
    from sheetsync.sync.engine import SyncEngine

    engine = SyncEngine(store, sheets)
    t = store.tasks.create("acme", {"title": "written by the team"}, origin="cli", actor="team")
    for _ in range(3):
        engine.cycle()
    ws, row = _title_cell(manager, t.key)
    store.tasks.update(t.key, {"priority": 5}, origin="cli", actor="team")
    done: list[int] = []

    def person(req):
        if req.user == SA and req.name == "drive.files.get" and not done:
            done.append(1)
            ws.update([["typed after the listing"]], f"B{row}", raw=True)

    emu.on_request(person)
    r = next(r for r in engine.cycle().clients if r.client == "acme")
    assert done and r.replans == 1 and r.pulled == 1, r
    assert (sheets.counts().by_method["drive.files.get"]) >= 1
    assert store.tasks.get(t.key).title == "typed after the listing"


def test_a_restart_or_another_worker_does_not_read_our_own_write_back(store, world):
    """What tells our write apart is kept with the run in the store: a new engine (a restart, or another
    worker's tick on PostgreSQL) skips the client written before it, at 1,000 clients 1,000 reads saved."""
    clock, emu, sheets, engine, manager = world
    t = store.tasks.create("acme", {"title": "written by the team"}, origin="cli", actor="team")
    _settle(clock, engine)
    _push_priority(store, clock, engine, t.key, 5)
    fresh = SyncEngine(store, sheets, clock=clock.utc)
    reads = [r.reads for r in _settle(clock, fresh, cycles=6)]
    assert sum(reads) == 0, reads
    ws, row = _title_cell(manager, t.key)
    ws.update([["typed after the restart"]], f"B{row}", raw=True)  # a person's edit after it is still read
    reads = [r.reads for r in _settle(clock, fresh, cycles=6)]
    # one cycle reads it (2 reads: the new engine also reads the layout, once per spreadsheet)
    assert len([n for n in reads if n]) == 1 and store.tasks.get(t.key).title == "typed after the restart", reads


def test_backstop_reads_a_client_skipped_on_drives_word_within_the_limit(store, world):
    clock, emu, sheets, engine, manager = world
    engine.backstop = dt.timedelta(minutes=10)
    t = store.tasks.create("acme", {"title": "written by the team"}, origin="cli", actor="team")
    _settle(clock, engine)
    _push_priority(store, clock, engine, t.key, 1)
    reads = [r.reads for r in _settle(clock, engine, cycles=15)]  # 15 minutes
    assert sum(reads) == 1 and reads.index(1) >= 8, reads  # once, about 10 minutes after the write
    engine.backstop_per_cycle = 0
    _push_priority(store, clock, engine, t.key, 2)
    assert sum(r.reads for r in _settle(clock, engine, cycles=15)) == 0  # no spare quota: waits
