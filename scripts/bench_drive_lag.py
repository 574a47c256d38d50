"""API calls per sync cycle with Drive lag off and on (docs/sync.md "Detect").

    .venv/bin/python scripts/bench_drive_lag.py [--clients 20] [--lag 180] [--every 60]

N clients, one spreadsheet each, on the emulator with its clock driven by this script (nothing sleeps):
the daemon's cycle runs every ``--every`` seconds. Three situations, each measured with lag 0 and with
``--lag``: every client unchanged; one manager edit in one client; one sync that wrote to one client
(team edit pushed) followed by a manager edit 5 s later, inside the lag window. Printed per situation:
the calls of each cycle until things are quiet again, and the total.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import tempfile
from pathlib import Path

from gsheets_emulator import Emulator

from sheetsync.provision import ProvisionSettings, provision_client
from sheetsync.sheets import Backend, RetryPolicy, connect
from sheetsync.store.facade import Store
from sheetsync.sync.engine import SyncEngine

SA, MANAGER = "sheetsync@agency.test", "anna@agency.test"


def world(n: int, lag: float, d: Path):
    now = [1_790_000_000.0]
    store = Store.open(d / "store.db")
    store.specialists.upsert(MANAGER, name="Анна", role="manager")
    emu = Emulator(clock=lambda: now[0])
    sheets = connect(Backend(emulator=emu, user=SA, retry=RetryPolicy(initial_wait=0.0, jitter=0.0)),
                     sleep=lambda s: None)
    slugs = [f"c{i:03d}" for i in range(n)]
    for slug in slugs:
        store.clients.create(slug, name=slug, contacts="", manager_email=MANAGER, tracker_url="", viewer_emails=[],
                             editor_emails=[MANAGER], locale="ru", timezone="UTC", origin="cli", actor="bench")
    sid0 = provision_client(store=store, sheets=sheets, slug=slugs[0], settings=ProvisionSettings(rows=60)).spreadsheet_id
    for i, slug in enumerate(slugs[1:]):
        f = copy.deepcopy(emu.files[sid0])
        f.id = f"{sid0[:20]}clone{i:04d}"
        f.spreadsheet.spreadsheet_id = f.id
        emu.files[f.id] = f
        store.clients.set_spreadsheet(slug, f.id, origin="cli", actor="bench")
    for slug in slugs:
        store.tasks.create(slug, {"title": "first"}, origin="cli", actor="bench")
    emu.drive_lag = lag
    engine = SyncEngine(store, sheets, clock=lambda: dt.datetime.fromtimestamp(now[0], dt.UTC))
    return now, store, emu, sheets, engine, slugs


def cycles(now, sheets, engine, every: float, k: int) -> list[int]:
    out = []
    for _ in range(k):
        now[0] += every
        before = sheets.counts()
        engine.cycle()
        out.append((sheets.counts() - before).calls)
    return out


def run(n: int, lag: float, every: float) -> dict[str, list[int]]:
    k = int(lag // every) + 4  # enough cycles for a change to be published and read
    with tempfile.TemporaryDirectory() as d:
        now, store, emu, sheets, engine, slugs = world(n, lag, Path(d))
        cycles(now, sheets, engine, every, k + 2)  # first sync, our writes published and read back: quiet
        res = {"unchanged": cycles(now, sheets, engine, every, k)}
        manager = emu.gspread_client(user=MANAGER)
        sid = store.clients.get(slugs[0]).spreadsheet_id
        ws = manager.open_by_key(sid).worksheet("Бэклог")
        ws.update([["edited by the manager"]], "B2", raw=True)
        res["one manager edit"] = cycles(now, sheets, engine, every, k)
        key = store.tasks.list(slugs[0])[0].key
        store.tasks.update(key, {"priority": 1}, origin="cli", actor="team")
        first = cycles(now, sheets, engine, every, 1)  # pushes: our write
        now[0] += 5
        ws.update([["typed in the lag window"]], "B2", raw=True)
        res["our write + edit 5 s later"] = first + cycles(now, sheets, engine, every, k)
        landed = store.tasks.get(key).title == "typed in the lag window"
        res["landed"] = [int(landed)]
        store.close()
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--lag", type=float, default=180.0)
    ap.add_argument("--every", type=float, default=60.0)
    a = ap.parse_args()
    print(f"{a.clients} clients, a cycle every {a.every:g} s (emulator clock); calls per cycle")
    for lag in (0.0, a.lag):
        res = run(a.clients, lag, a.every)
        print(f"\nDrive lag {lag:g} s")
        for name, calls in res.items():
            if name == "landed":
                print(f"  the edit typed in the lag window reached the store: {'yes' if calls[0] else 'NO'}")
                continue
            print(f"  {name:<28} {' '.join(f'{c:>2}' for c in calls)}   total {sum(calls)}")


if __name__ == "__main__":
    main()
