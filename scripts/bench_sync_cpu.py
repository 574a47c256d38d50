"""Sync cost per client: Sheets reads and writes per changed client, CPU of an unchanged cycle per client,
CPU of one changed cell by backlog size. CPU is measured without tracemalloc (it inflates CPU ~3x).

    .venv/bin/python scripts/bench_sync_cpu.py                 # 1,000 clients; 100 / 1,000 / 3,000 rows
    .venv/bin/python scripts/bench_sync_cpu.py --clients 200 --rows 100,1000

Prints one table; the figures go into docs/benchmarks.md ("Sync cost per client").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time


def main(argv: list[str] | None = None) -> int:
    from sheetsync.bench import jobs
    from sheetsync.bench.agency import SA
    from sheetsync.bench.meter import measure

    ap = argparse.ArgumentParser(prog="bench_sync_cpu", description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--rows", default="100,1000,3000")
    ap.add_argument("--repeat", type=int, default=5, help="measurements per figure (the median is printed)")
    args = ap.parse_args(argv)
    out: list[tuple[str, str]] = []

    t = time.perf_counter()
    world = jobs.World(jobs.build(args.clients, 0, first_client_rows=55, synced_clients=5))
    print(f"[set-up: {args.clients:,} clients in {time.perf_counter() - t:.0f} s]", file=sys.stderr)
    a = world.a
    world.settle()
    cpu = []
    for _ in range(args.repeat):
        m, rep = world.ours_cycle(None, memory=False)
        assert all(r.skipped for r in rep.clients), [r.client for r in rep.clients if not r.skipped]
        cpu.append(m.cpu_s)
    out.append((f"unchanged cycle, {args.clients:,} clients: CPU per client",
                f"{statistics.median(cpu) / args.clients * 1000:.3f} ms"))

    # steady state of a running daemon: a 5% cycle, then the cycles after it until quiet (all counted)
    slugs = a.slugs[: min(args.clients, 200)]
    reads = writes = changed = 0
    # the race window: from the last Sheets read of a spreadsheet before our values write to that write
    # (in-process emulator: no network; on Google add a round trip)
    last_read: dict[str, float] = {}
    windows: list[float] = []

    def hook(req) -> None:
        if req.user != SA or not (req.name or "").startswith("sheets."):
            return
        sid = (req.path or "").split("/spreadsheets/")[-1].split("/")[0].split(":")[0]
        if req.name in ("sheets.spreadsheets.get", "sheets.spreadsheets.values.batchGet"):
            last_read[sid] = time.perf_counter()
        elif req.name in ("sheets.spreadsheets.values.batchUpdateByDataFilter",
                          "sheets.spreadsheets.values.batchUpdate") and sid in last_read:
            windows.append(time.perf_counter() - last_read.pop(sid))

    remove = a.emu.on_request(hook)
    for seed in range(3):
        chosen = world.change(slugs, 0.05, seed=seed * 7)
        changed += len(chosen)
        for _ in range(4):
            with measure(a.emu, SA, memory=False) as m:
                rep = a.engine.cycle(slugs)
            reads, writes = reads + m.reads, writes + m.writes
            if all(r.skipped for r in rep.clients):
                break
    remove()
    out.append((f"5% changed (both sides), {len(slugs)} clients, 3 rounds: per changed client",
                f"{reads / changed:.2f} reads, {writes / changed:.2f} writes"))
    if windows:
        out.append(("race window: last Sheets read -> values write (median / max, wall)",
                    f"{statistics.median(windows) * 1000:.0f} ms / {max(windows) * 1000:.0f} ms"))
    a.close()

    for n in [int(x) for x in args.rows.split(",") if x]:
        w = jobs.rows_world(n)
        slug = w.a.slugs[0]
        w.settle([slug])
        cpu, naive = [], []
        for _ in range(args.repeat):  # the median: the first read after our own write normalises every row
            w.a.edit_sheet_cell(slug)
            m, rep = w.ours_cycle([slug], memory=False)
            assert rep.clients[0].pulled == 1, rep.clients[0]
            cpu.append(m.cpu_s)
            w.settle([slug])
        for _ in range(2):  # the naive way (whole sheets read and rewritten), on the twin spreadsheet
            w.edit_cell_both(slug)
            naive.append(w.naive_cycle([slug], memory=False).cpu_s)
        out.append((f"one changed cell (manager), {n:,} rows: CPU (naive)",
                    f"{statistics.median(cpu):.3f} s ({statistics.median(naive):.3f} s)"))
        w.a.close()

    width = max(len(k) for k, _ in out)
    print(f"| {'figure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for k, v in out:
        print(f"| {k.ljust(width)} | {v} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
