"""CPU time to plan a 10,000-row backlog: the pure planner, and end to end with a SQLite store.

    .venv/bin/python scripts/bench_planning.py [--rows 10000] [--skip-store]

Prints a table: rows, specialists, CPU seconds (process time) for auto-estimates + selection
(pure), and for read -> plan -> write through the store's repositories (end to end).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sheetsync.planning.calendar import WorkCalendar, parse_period
from sheetsync.planning.estimates import TypeInfo, apply_estimates, auto_estimates
from sheetsync.planning.model import SpecialistInfo, TaskInfo
from sheetsync.planning.select import select_tasks

ROLES = ("dev", "design", "marketing", "copy")
TYPES = {f"{r}_{i}": TypeInfo(f"{r}_{i}", f"{r} {i}", r, 2 + i) for r in ROLES for i in range(5)}


def make_data(rows: int, seed: int = 7):
    rnd = random.Random(seed)
    specs = [SpecialistInfo(f"s{i}@agency.test", f"Specialist {i}", ROLES[i % 4], rnd.choice([20, 30, 40]))
             for i in range(40)]
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    backlog = []
    for i in range(rows):
        tkey = rnd.choice(list(TYPES))
        backlog.append(TaskInfo(
            key=f"T-{i + 1:06d}", client=f"client{i % 200}", title=f"Task {i}", task_type=tkey,
            assignee=rnd.choice([None, None, rnd.choice(specs).email]),
            estimate_hours=rnd.choice([None, rnd.choice([1, 2, 4, 8, 16])]), priority=rnd.randint(1, 5),
            created_at=base + dt.timedelta(minutes=i),
        ))
    done = [TaskInfo(key=f"D-{i}", task_type=rnd.choice(list(TYPES)), status="done",
                     actual_hours=rnd.choice([1, 2, 3, 5, 8])) for i in range(5000)]
    return specs, backlog, done


def pure(rows: int) -> tuple[float, int]:
    specs, backlog, done = make_data(rows)
    cal = WorkCalendar("RU")
    period = parse_period("2026-11")
    t0 = time.process_time()
    changes = auto_estimates(backlog, done, TYPES, min_samples=5)
    tasks = apply_estimates(backlog, changes)
    sel = select_tasks(tasks, specs, cal, period, type_roles={k: v.role for k, v in TYPES.items()})
    return time.process_time() - t0, len(sel.taken)


def end_to_end(rows: int) -> list[tuple[str, float, float, int]]:
    from sheetsync.planning import plan_all
    from sheetsync.store import Client, Specialist, Store, Task, TaskType

    specs, backlog, done = make_data(rows)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        now = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
        with store.session() as s:  # bulk set-up straight into the tables (not what is measured)
            for sp in specs:
                s.add(Specialist(email=sp.email, name=sp.name, role=sp.role, weekly_hours=sp.weekly_hours))
            for t in TYPES.values():
                s.add(TaskType(key=t.key, name=t.name, role=t.role, default_estimate_hours=t.default_estimate_hours))
            clients = {f"client{i}": Client(slug=f"client{i}", name=f"Client {i}") for i in range(200)}
            s.add_all(clients.values())
            s.flush()
            for t in backlog:
                s.add(Task(key=t.key, client_id=clients[t.client].id, title=t.title, task_type=t.task_type,
                           assignee=t.assignee, estimate_hours=t.estimate_hours, priority=t.priority,
                           created_at=now, updated_at=now))
            for i, t in enumerate(done):
                s.add(Task(key=f"T-9{i:05d}", client_id=clients["client0"].id, title="done", task_type=t.task_type,
                           status="done", actual_hours=t.actual_hours, created_at=now, updated_at=now))
        cfg, today = {"agency": {"holidays_country": "RU"}}, dt.date(2026, 11, 2)
        out = []
        for label, dry in (("dry run: store read + plan", True), ("store read + plan + write", False),
                           ("re-plan at once (only refreshed reasons)", False)):
            t0, w0 = time.process_time(), time.perf_counter()
            report = plan_all(store, cfg, "2026-11", dry_run=dry, today=today)
            out.append((label, time.process_time() - t0, time.perf_counter() - w0, report.written))
        store.close()
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--skip-store", action="store_true")
    args = ap.parse_args()
    table = Table(title=f"Planning a {args.rows:,}-row backlog (40 specialists, 200 clients, month 2026-11)")
    for col in ("What", "CPU s", "Wall s", "Result"):
        table.add_column(col)
    cpu, taken = pure(args.rows)
    table.add_row("pure planner (estimates + selection)", f"{cpu:.3f}", "", f"{taken:,} taken")
    half, _ = pure(args.rows // 2)
    table.add_row(f"pure planner, {args.rows // 2:,} rows (linearity)", f"{half:.3f}", "", "")
    if not args.skip_store:
        for label, cpu, wall, written in end_to_end(args.rows):
            table.add_row(f"end to end (SQLite): {label}", f"{cpu:.3f}", f"{wall:.3f}", f"{written:,} tasks updated")
    Console().print(table)


if __name__ == "__main__":
    main()
