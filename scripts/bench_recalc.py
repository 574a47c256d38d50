"""Formula recalculation cost of the first sync after a manager pastes many rows into the backlog.

    .venv/bin/python scripts/bench_recalc.py [--rows 1000 2500 5000] [--skip-over SECONDS]

Per row count: a fresh SQLite store and embedded emulator, one provisioned client (the card's
COUNTIF/COUNTA counters read the backlog's whole status and title columns), a manager pasting
that many titled rows through gspread, then one timed ``sync_client``. Columns: CPU seconds of
the whole sync, CPU seconds spent evaluating formulas in the emulator, formulas evaluated, and
recalculation passes. Run it on older code (``PYTHONPATH=<checkout> python scripts/bench_recalc.py``)
for the before side: it measures through ``Recalc.run`` and ``recalc.evaluate``, which both have.
``--skip-over``: after a row count whose sync took longer than this, larger ones are not run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

SA = "sheetsync@agency.test"
MANAGER = "anna@agency.test"


class Meter:
    """Counts formula evaluations and CPU inside recalculation passes (works on old and new code)."""

    def __init__(self) -> None:
        from gsheets_emulator import recalc as rc

        self.evaluated = self.passes = 0
        self.cpu = 0.0
        real_eval, real_run = rc.evaluate, rc.Recalc.run
        meter = self

        def evaluate(*a, **k):
            meter.evaluated += 1
            return real_eval(*a, **k)

        def run(self_, cells):
            meter.passes += 1
            t0 = time.process_time()
            try:
                return real_run(self_, cells)
            finally:
                meter.cpu += time.process_time() - t0

        rc.evaluate = evaluate
        rc.Recalc.run = run


def one(rows: int, meter: Meter) -> tuple[float, float, int, int]:
    from gsheets_emulator import Emulator

    from sheetsync.provision import ProvisionSettings, provision_client
    from sheetsync.sheets import Backend, connect
    from sheetsync.store.facade import Store
    from sheetsync.sync.engine import SyncEngine

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        store.specialists.upsert(MANAGER, name="Анна", role="manager")
        store.clients.create("acme", name="ACME", manager_email=MANAGER, editor_emails=[MANAGER], locale="ru",
                             timezone="Europe/Moscow", origin="cli", actor="bench")
        emu = Emulator()
        sheets = connect(Backend(emulator=emu, user=SA))
        sid = provision_client(store=store, sheets=sheets, slug="acme",
                               settings=ProvisionSettings(rows=rows + 10)).spreadsheet_id
        ws = emu.gspread_client(user=MANAGER).open_by_key(sid).worksheet("Бэклог")
        ws.update([[f"Задача {i}", f"Результат {i}"] for i in range(rows)], "B2", value_input_option="USER_ENTERED")
        meter.evaluated = meter.passes = 0
        meter.cpu = 0.0
        t0 = time.process_time()
        report = SyncEngine(store, sheets).sync_client("acme")
        cpu = time.process_time() - t0
        if report.created != rows:
            raise SystemExit(f"the sync created {report.created} tasks, not {rows}: {report.warnings}")
        store.close()
        return cpu, meter.cpu, meter.evaluated, meter.passes


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1000, 2500, 5000])
    ap.add_argument("--skip-over", type=float, default=None)
    args = ap.parse_args(argv)
    import sheetsync

    meter = Meter()
    table = Table(title=f"First sync after a paste (code: {Path(sheetsync.__file__).parent.parent})")
    for col in ("rows pasted", "sync CPU s", "recalc CPU s", "formulas evaluated", "recalc passes"):
        table.add_column(col, justify="right")
    skip = False
    for n in args.rows:
        if skip:
            table.add_row(f"{n:,}", "not run", "", "", "")
            continue
        cpu, rcpu, evaluated, passes = one(n, meter)
        table.add_row(f"{n:,}", f"{cpu:.2f}", f"{rcpu:.2f}", f"{evaluated:,}", f"{passes:,}")
        print(f"{n} rows: sync {cpu:.2f} s CPU, recalc {rcpu:.2f} s, {evaluated} formulas evaluated", file=sys.stderr)
        skip = args.skip_over is not None and cpu > args.skip_over
    Console().print(table)


if __name__ == "__main__":
    main()
