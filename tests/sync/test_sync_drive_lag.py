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
from synchelpers import MANAGER, SA

from sheetsync.emulator import Emulator
from sheetsync.sheets import Backend, RetryPolicy, connect
from sheetsync.sync.engine import SyncEngine

LAG = 180.0
T0 = 1_790_000_000.0


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return self.t

    def utc(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.t, dt.UTC)


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
