"""``python scripts/bench.py [--quick] [--out results]``: every job, ours against naive, and the growth tables.

Full mode: agencies of 10, 100 and 1,000 clients (subsets of one 1,000-client agency: one Drive
listing covers them all), backlogs of 100, 1,000 and 10,000 rows, planning 10,000 rows; about
ten minutes on two cores. ``--quick``: 10 and 50 clients, 100 and 500 rows; under two minutes.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import jobs
from .jobs import Row, World
from .meter import FIGURES
from .report import HEAD, NOTE, fmt, job_table, print_tables, ratio, write


@dataclass
class Settings:
    clients: tuple[int, ...] = (10, 100, 1000)
    rows: tuple[int, ...] = (100, 1000, 3000)  # sync growth with rows; planning goes to 10,000
    planning_rows: tuple[int, ...] = (1000, 5000, 10_000)
    detail_clients: int = 100  # the size at which the 0/5/100% table is drawn
    naive_sample: int = 10  # the naive cycle is measured on this many clients and scaled (it costs the same per client)
    rows_per_client: int = 0  # clients beyond the first `synced` start empty (see agency.build)
    first_client_rows: int = 100
    synced: int = 20  # clients synced for real at set-up
    mode: str = "full"

    @classmethod
    def quick(cls) -> Settings:
        return cls(clients=(5, 10, 20), rows=(50, 100, 200), planning_rows=(1000, 2000, 4000), detail_clients=20,
                   naive_sample=5, rows_per_client=0, first_client_rows=55, synced=5, mode="quick")


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    growth_clients: list[dict[str, Any]] = field(default_factory=list)
    growth_rows: list[dict[str, Any]] = field(default_factory=list)
    quota: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    setup_s: dict[str, float] = field(default_factory=dict)


def progress(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(s: Settings) -> Results:
    res = Results()
    n_max = max(s.clients)
    progress(f"building an agency of {n_max:,} clients (set-up, not measured)")
    t = time.perf_counter()
    world = World(jobs.build(n_max, s.rows_per_client, first_client_rows=s.first_client_rows,
                             synced_clients=s.synced))
    res.setup_s[f"agency of {n_max:,} clients"] = time.perf_counter() - t
    a = world.a
    progress(f"built in {res.setup_s[f'agency of {n_max:,} clients']:.0f} s; provisioning one client")
    res.rows.append(jobs.provision_job(world))

    detail = a.slugs[: s.detail_clients]
    for share in (0.0, 0.05, 1.0):
        progress(f"cycle over {len(detail)} clients, {share:.0%} changed")
        res.rows.append(jobs.cycle_job(world, detail, share, naive_sample=s.naive_sample))
    progress("one changed cell; 50 changed rows")
    res.rows.append(jobs.one_cell_job(world, a.slugs[0]))
    res.rows.append(jobs.fifty_rows_job(world, a.slugs[0]))

    for n in s.clients:
        subset = a.slugs[:n]
        for share in (0.0, 0.05):
            progress(f"growth: {n:,} clients, {share:.0%} changed")
            row = jobs.cycle_job(world, subset, share, naive_sample=s.naive_sample)
            res.growth_clients.append({"clients": n, "share": share, "row": row})
    progress("planning")
    for n in s.planning_rows:
        row = jobs.planning_job(n)
        if n == max(s.planning_rows):
            res.rows.append(row)
        res.growth_rows.append({"what": "planning (pure)", "rows": n, "row": row})
    progress("quota: calls per changed client -> the largest agency inside 60 reads + 60 writes a minute")
    five = next(g["row"] for g in res.growth_clients if g["clients"] == n_max and g["share"] == 0.05)
    changed = five.extra["changed"]
    # a minute of a running daemon: this cycle's reads plus the follow-up reads of the last cycle's writes
    per_read = (five.ours.reads + five.extra["next_reads"]) / changed
    per_write = (five.ours.writes + five.extra["next_writes"]) / changed
    fit = jobs.quota_fit(per_read, per_write)
    res.quota = {"clients": n_max, "changed": changed, "reads": five.ours.reads, "writes": five.ours.writes,
                 "drive": five.ours.drive, "next_reads": five.extra["next_reads"], "per_read": per_read,
                 "per_write": per_write, "fit": fit}
    verify_n = min(fit, n_max)
    m, throttled = jobs.quota_check(world, a.slugs[:verify_n])
    res.quota.update(verify_n=verify_n, verify_reads=m.reads, verify_writes=m.writes, verify_429=throttled)
    if fit < n_max:
        m2, throttled2 = jobs.quota_check(world, a.slugs[:n_max])
        res.quota.update(over_n=n_max, over_reads=m2.reads, over_writes=m2.writes, over_429=throttled2)
    progress("invoice refresh")  # last on this agency: new invoices move every client's change counter
    res.rows.extend(jobs.invoices_job(world))

    for n in s.rows:
        progress(f"growth: one client with {n:,} rows (building it: set-up)")
        t = time.perf_counter()
        w = jobs.rows_world(n)
        res.setup_s[f"one client, {n:,} rows"] = time.perf_counter() - t
        slug = w.a.slugs[0]
        res.growth_rows.append({"what": "50 changed rows", "rows": n, "row": jobs.fifty_rows_job(w, slug)})
        res.growth_rows.append({"what": "one changed cell", "rows": n, "row": jobs.one_cell_job(w, slug)})
        w.a.close()
    a.close()
    return res


def tables(res: Results) -> tuple[list[tuple[str, list[str], list[list[str]]]], list[str]]:
    sections: list[tuple[str, list[str], list[list[str]]]] = []
    header, body = job_table(res.rows)
    sections.append(("Jobs: ours against the naive way (gspread-dataframe whole-sheet read + rewrite)", header, body))

    figs = ("calls", "reads", "writes", "cells_written", "bytes_sent", "cpu_s", "peak_mb")
    gh = ["clients", "changed", *(f"ours {HEAD[f]}" for f in figs), "naive calls", "naive cells", "naive CPU s",
          "calls ours/naive"]
    gb = []
    for g in res.growth_clients:
        r = g["row"]
        gb.append([f"{g['clients']:,}", f"{g['share']:.0%} ({r.extra['changed']})",
                   *(fmt(f, getattr(r.ours, f)) for f in figs),
                   fmt("calls", r.naive.calls) + ("*" if r.note else ""), fmt("cells_written", r.naive.cells_written),
                   fmt("cpu_s", r.naive.cpu_s), ratio(r.ours.calls, r.naive.calls)])
    sections.append(("Growth with clients: one sync cycle", gh, gb))

    rh = ["job", "rows", *(HEAD[f] for f in FIGURES), "naive calls", "naive cells", "naive CPU s"]
    rb = []
    for g in res.growth_rows:
        r = g["row"]
        n = r.naive
        rb.append([g["what"], f"{g['rows']:,}", *(fmt(f, getattr(r.ours, f)) for f in FIGURES),
                   fmt("calls", n.calls) if n else "-", fmt("cells_written", n.cells_written) if n else "-",
                   fmt("cpu_s", n.cpu_s) if n else "-"])
    sections.append(("Growth with rows (one client)", rh, rb))

    q = res.quota
    qh = ["question", "answer"]
    qb = [["5% cycle at {:,} clients: Sheets reads / writes / Drive calls".format(q["clients"]),
           f"{q['reads']} / {q['writes']} / {q['drive']} ({q['changed']} clients changed)"],
          ["the next cycle re-reads the clients we wrote", f"{q['next_reads']} reads"],
          ["per changed client, steady state (both)", f"{q['per_read']:.2f} reads, {q['per_write']:.2f} writes"],
          ["fits 60 reads + 60 writes per minute at {:,} clients?".format(q["clients"]),
           "yes" if q["fit"] >= q["clients"] else "no"],
          ["largest client count that fits (computed)", f"{q['fit']:,}"],
          [f"verified at {q['verify_n']:,} clients (steady-state cycle, emulator quota on, one frozen minute)",
           f"{q['verify_reads']} reads, {q['verify_writes']} writes, {q['verify_429']} answers 429"]]
    if "over_n" in q:
        qb.append([f"and at {q['over_n']:,} clients", f"{q['over_reads']} reads, {q['over_writes']} writes, "
                                                      f"{q['over_429']} answers 429"])
    sections.append(("Quota: one service account, 60 read + 60 write requests per minute", qh, qb))

    notes = [NOTE, *(f"{r.job} ({r.size}): {r.note}" for r in res.rows if r.note)]
    notes += [f"{g['row'].job} ({g['row'].size}): {g['row'].note}" for g in res.growth_clients if g["row"].note]
    notes += [f"set-up (not measured): {k} built in {v:.0f} s" for k, v in res.setup_s.items()]
    for r in res.rows:
        if "by_method" in r.extra:
            notes.append(f"{r.job} ({r.size}), our calls by method: {r.extra['by_method']}")
    return sections, notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench", description="sheetsync benchmarks: API calls, cells, CPU per job, "
                                                           "against the naive way; growth; quota fit")
    ap.add_argument("--quick", action="store_true", help="small sizes, under two minutes (what CI runs)")
    ap.add_argument("--out", default="results", help="folder for results/<stamp>-<sha>-<mode>/ (default: results)")
    ap.add_argument("--quota-fit", action="store_true",
                    help="the largest agency one service account keeps in sync: 10 minutes of the daemon under "
                         "60/60 per minute, 5%% of clients changing per minute (see sheetsync/bench/quota.py)")
    ap.add_argument("--sizes", default="1000,1200,1300",
                    help="client counts --quota-fit tries, ascending, until one fails (default: %(default)s)")
    ap.add_argument("--minutes", type=int, default=10, help="minutes of the daemon per size (default: 10)")
    args = ap.parse_args(argv)
    if args.quota_fit:
        return quota_fit_main([int(x) for x in args.sizes.split(",") if x.strip()], args.minutes)
    s = Settings.quick() if args.quick else Settings()
    t = time.perf_counter()
    res = run(s)
    sections, notes = tables(res)
    notes.append(f"whole run: {time.perf_counter() - t:.0f} s wall")
    print_tables(sections, notes)
    folder = write(Path(args.out), res.rows, sections, notes, mode=s.mode)
    print(f"written: {folder}/results.csv, {folder}/results.md")
    return 0


def quota_fit_main(sizes: list[int], minutes: int) -> int:
    """``--quota-fit``: a table per size tried, then the answer as the last line."""
    from .quota import quota_fit

    t = time.perf_counter()
    best, runs = quota_fit(sizes, minutes, progress=progress)
    head = ["clients", "changed", "Sheets reads", "Sheets writes", "Drive calls", "429s", "failed syncs",
            "lost edits", "reads / changed", "writes / changed", "result"]
    body = [[f"{r.clients:,}", f"{r.changed:,}", str(r.reads), str(r.writes), str(r.drive), str(r.throttled),
             str(r.failed), str(len(r.lost)), f"{r.reads / max(1, r.changed):.2f}",
             f"{r.writes / max(1, r.changed):.2f}", "ok" if r.ok else "FAILED"] for r in runs]
    notes = [f"{minutes} minutes of the emulator's clock per size (+6 quiet minutes for Drive's 180 s lag), "
             f"one cycle a minute, 60 reads + 60 writes per minute enforced; {time.perf_counter() - t:.0f} s wall",
             *(f"{r.clients:,} clients: {msg}" for r in runs for msg in r.lost[:3])]
    print_tables([("Quota fit: one service account, 5% of clients changed per minute", head, body)], notes)
    ok = [r for r in runs if r.ok and r.clients == best]
    per_r = ok[0].reads / max(1, ok[0].changed) if ok else 0.0
    per_w = ok[0].writes / max(1, ok[0].changed) if ok else 0.0
    print(f"quota fit: {best:,} clients at 5% per minute in one account "
          f"({per_r:.2f} reads and {per_w:.2f} writes per changed client)")
    return 0 if best else 1
