"""Run one sync in this process and SIGKILL it right before write step ``k`` (so k-1 writes landed).

Usage: python crash_worker.py STORE_DB EMULATOR_DB K   (K = 0: never killed)
"""

from __future__ import annotations

import os
import signal
import sys


def main() -> None:
    store_db, emu_db, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
    from gsheets_emulator import Emulator

    from sheetsync.sheets import Backend, connect
    from sheetsync.store.facade import Store
    from sheetsync.sync.engine import SyncEngine

    steps = []

    def on_write(name: str) -> None:
        steps.append(name)
        if len(steps) == k:
            os.kill(os.getpid(), signal.SIGKILL)

    store = Store.open(store_db, migrate_schema=False)
    emu = Emulator(emu_db)
    sheets = connect(Backend(emulator=emu, user="sheetsync@agency.test"))
    engine = SyncEngine(store, sheets, on_write=on_write)
    r = engine.sync_client("acme")
    print("steps", ",".join(steps), "failed", r.failed)


if __name__ == "__main__":
    main()
