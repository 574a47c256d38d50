"""SIGKILL a sync in a subprocess before each of its write steps; the next run converges, nothing twice or lost."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from synchelpers import MANAGER, SA, make_store, provision

WORKER = Path(__file__).with_name("crash_worker.py")
STEPS = ["values", "structure", "create", "base"]  # the executor's write steps for the scenario below


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A synced client, then edits on both sides waiting for the next sync."""
    from gsheets_emulator import Emulator

    from sheetsync.sheets import Backend, connect
    from sheetsync.sync.engine import SyncEngine

    d = tmp_path_factory.mktemp("crash")
    store = make_store(d / "store.db")
    emu = Emulator(str(d / "emu.db"))
    sheets = connect(Backend(emulator=emu, user=SA))
    provision(store, sheets)
    keys = [store.tasks.create("acme", {"title": f"t{i}"}, origin="cli", actor="team").key for i in range(3)]
    SyncEngine(store, sheets).sync_client("acme")
    ss = emu.gspread_client(user=MANAGER).open_by_key(store.clients.get("acme").spreadsheet_id)
    ws = ss.worksheet("Бэклог")
    ws.update([["t0 edited"]], "B2", raw=False)  # a manager's edit
    ws.update([["В работе"]], "J3", raw=False)  # t1 taken into work: moves sheets
    ws.update([["новая"]], "B5", raw=False)  # a new row without an ID
    store.tasks.update(keys[2], {"priority": 1}, origin="cli", actor="team")  # the team's edit
    store.tasks.create("acme", {"title": "from team"}, origin="cli", actor="team")
    emu.save()
    store.close()
    return d, keys


@pytest.mark.parametrize("k", range(0, len(STEPS) + 1))
def test_sigkill_before_each_write_step_then_converges(prepared, tmp_path, k):
    from gsheets_emulator import Emulator

    from sheetsync.sheets import Backend, connect
    from sheetsync.store.facade import Store
    from sheetsync.sync.engine import SyncEngine

    src, keys = prepared
    shutil.copy(src / "store.db", tmp_path / "store.db")
    shutil.copy(src / "emu.db", tmp_path / "emu.db")
    proc = subprocess.run([sys.executable, str(WORKER), str(tmp_path / "store.db"), str(tmp_path / "emu.db"),
                           str(k)], capture_output=True, text=True, timeout=120)
    if k == 0:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split()[1] == ",".join(STEPS)  # the scenario really has these write steps
    else:
        assert proc.returncode == -9, (proc.returncode, proc.stdout, proc.stderr)

    store = Store.open(tmp_path / "store.db", migrate_schema=False)
    emu = Emulator(str(tmp_path / "emu.db"))
    engine = SyncEngine(store, connect(Backend(emulator=emu, user=SA)))
    engine.sync_client("acme")
    again = engine.sync_client("acme")
    assert again.plan.empty and again.writes == 0, [str(a) for a in again.plan.actions]
    tasks = store.tasks.list("acme")
    titles = sorted(t.title for t in tasks)
    assert titles == sorted(["t0 edited", "t1", "t2", "новая", "from team"])  # nothing twice, nothing lost
    by = {t.key: t for t in tasks}
    assert by[keys[1]].status == "in_progress" and by[keys[2]].priority == 1
    ss = emu.gspread_client(user=SA).open_by_key(store.clients.get("acme").spreadsheet_id)
    sheet_keys = [r[0] for ws in ("Бэклог", "В работе") for r in ss.worksheet(ws).get_all_values()[1:] if r[0]]
    assert sorted(sheet_keys) == sorted(by)  # every task once, on one sheet
    store.close()
