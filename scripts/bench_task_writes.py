"""CPU and wall time of writing many tasks at once: one repository call per task vs the bulk methods.

    .venv/bin/python scripts/bench_task_writes.py [--rows 1000] [--url sqlite-or-postgresql-url]

Each line is one transaction on a fresh SQLite file (or the given database): `tasks.create` per task,
`tasks.create_many`, a CSV import, `tasks.update` per task, `tasks.update_many`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sheetsync.store import Store


def _fields(i: int) -> dict:
    return {"title": f"Task {i}", "task_type": "banner", "estimate_hours": 1 + i % 8, "priority": 1 + i % 5,
            "expected_result": "A result", "client_comment": "", "period": "2026-11"}


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    t0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - t0, time.perf_counter() - w0


def run(rows: int, url: str | None) -> list[tuple[str, float, float]]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(url or Path(tmp) / "bench.db")
        store.clients.create("acme", name="Acme", origin="cli", actor="bench")

        def singles() -> None:
            with store.session() as s:
                for i in range(rows):
                    store.tasks.create("acme", _fields(i), origin="import", actor="bench", session=s)

        out.append((f"{rows:,} x tasks.create, one transaction", *_timed(singles)))
        out.append((f"tasks.create_many({rows:,})", *_timed(
            lambda: store.tasks.create_many([_fields(i) for i in range(rows)], client="acme", origin="import",
                                            actor="bench"))))
        csv = Path(tmp) / "tasks.csv"
        csv.write_text("client,title,task_type,estimate_hours,priority\n" + "".join(
            f"acme,Imported {i},banner,{1 + i % 8},{1 + i % 5}\n" for i in range(rows)), encoding="utf-8")
        out.append((f"CSV import of {rows:,} new tasks", *_timed(lambda: store.import_csv("tasks", csv, actor="b"))))
        keys = [t.key for t in store.tasks.list("acme")][:rows]

        def single_updates() -> None:
            with store.session() as s:
                for k in keys:
                    store.tasks.update(k, {"status": "planned", "plan_note": "fits"}, origin="planner", actor="b",
                                       session=s)

        out.append((f"{rows:,} x tasks.update, one transaction", *_timed(single_updates)))
        changes = {k: {"status": "backlog", "plan_note": "later"} for k in keys}
        out.append((f"tasks.update_many({rows:,})", *_timed(
            lambda: store.tasks.update_many(changes, origin="planner", actor="b"))))
        store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--url", default=None, help="store URL (default: a temporary SQLite file)")
    args = ap.parse_args()
    table = Table(title=f"Writing {args.rows:,} tasks ({args.url or 'SQLite file'})")
    for col in ("What", "CPU s", "Wall s", "ms / task (wall)"):
        table.add_column(col)
    for label, cpu, wall in run(args.rows, args.url):
        table.add_row(label, f"{cpu:.3f}", f"{wall:.3f}", f"{wall / args.rows * 1000:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
