"""Row identity under Google's developer-metadata limit: how big a backlog syncs, at what cost.

    .venv/bin/python scripts/bench_rowmeta.py [--rows 10000] [--limit 30000] [--engine-limit N]

Provisions one client on the embedded emulator with the limit enforced (``Emulator(metadata_limit=)``),
creates ``--rows`` backlog tasks in the store and syncs them (first push), then measures: metadata
characters on the backlog sheet and per task row, rows with and without row metadata, warnings,
and the API calls of the first push and of steady-state cycles (one edited cell, 50 edited rows,
nothing changed). ``--engine-limit`` tells the sync a different limit than the emulator enforces
(to show what happens when Google refuses metadata the sync thought would fit).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from gsheets_emulator import Emulator  # noqa: E402
from gsheets_emulator.metadata import chars  # noqa: E402
from synchelpers import SA, make_store  # noqa: E402

from sheetsync.sheets import Backend, connect  # noqa: E402

BACKLOG = "Бэклог"


def sheet_usage(emu: Emulator, sid: str, title: str) -> tuple[int, int, int]:
    """(all metadata characters on the sheet, row metadata characters, rows carrying row metadata)."""
    ss = emu.files[sid].spreadsheet
    sheet = next(s for s in ss.sheets if s.properties["title"] == title)
    rows = [m["developerMetadata"] for m in sheet.row_meta if m.get("developerMetadata")]
    row_chars = sum(chars(dm) for dms in rows for dm in dms)
    total = row_chars + sum(chars(dm) for dm in sheet.developer_metadata) + sum(
        chars(dm) for m in sheet.col_meta for dm in m.get("developerMetadata", ()))
    return total, row_chars, len(rows)


def run(rows: int, limit: int, engine_limit: int | None) -> dict:
    from sheetsync.provision import ProvisionSettings, provision_client
    from sheetsync.sync.engine import SyncEngine

    tmp = Path(tempfile.mkdtemp())
    store = make_store(tmp / "store.db")
    emu = Emulator(metadata_limit=limit)
    sheets = connect(Backend(emulator=emu, user=SA))
    sid = provision_client(store=store, sheets=sheets, slug="acme",
                           settings=ProvisionSettings(rows=rows + 10)).spreadsheet_id
    store.tasks.create_many([{"title": f"task {i}", "priority": 2} for i in range(rows)], client="acme",
                            origin="cli", actor="bench")
    kw = {} if engine_limit is None else {"metadata_limit": engine_limit}
    engine = SyncEngine(store, sheets, **kw)
    t0 = time.process_time()
    first = engine.sync_client("acme")
    cpu = time.process_time() - t0
    follow = engine.sync_client("acme")  # a write cycle may add what the first could not
    total, row_chars, anchored = sheet_usage(emu, sid, BACKLOG)
    keys = [t.key for t in store.tasks.list("acme")]
    store.tasks.update(keys[len(keys) // 2], {"title": "one cell"}, origin="cli", actor="bench")
    one = engine.sync_client("acme")
    store.tasks.update_many({k: {"priority": 1} for k in keys[-50:]}, origin="cli", actor="bench")
    fifty = engine.sync_client("acme")
    engine.cycle()  # our own write moved modifiedTime: one read to see nothing to do
    idle = engine.cycle()
    shown = {r[0] for r in emu.gspread_client(user=SA).open_by_key(sid).worksheet(BACKLOG).get_all_values()[1:]
             if r and r[0]}
    return {"rows": rows, "limit": limit, "first_failed": first.failed, "first_calls": first.api_calls,
            "first_cpu_s": round(cpu, 2), "follow_calls": follow.api_calls, "sheet_chars": total,
            "row_chars": row_chars, "rows_with_metadata": anchored,
            "chars_per_row": round(row_chars / anchored, 2) if anchored else None,
            "all_rows_in_sheet": shown == set(keys), "one_cell_calls": one.api_calls,
            "fifty_rows_calls": fifty.api_calls, "idle_cycle_calls": idle.api_calls,
            "warnings": sorted({w[:160] for r in (first, follow, one, fifty) for w in r.warnings})}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--limit", type=int, default=30_000, help="the limit the emulator enforces")
    ap.add_argument("--engine-limit", type=int, default=None, help="the limit the sync assumes (default: Google's)")
    a = ap.parse_args()
    out = run(a.rows, a.limit, a.engine_limit)
    for k, v in out.items():
        if k == "warnings":
            for w in v:
                print(f"  warning: {w}")
        else:
            print(f"{k:20} {v}")


if __name__ == "__main__":
    main()
