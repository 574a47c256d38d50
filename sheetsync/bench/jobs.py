"""The benchmark's jobs: each measures ours and (where there is one) the naive way on the same data.

Every job returns :class:`Row` s; :mod:`.report` turns them into tables, CSV and markdown.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import pickle
import random
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from gsheets_emulator import Emulator
from gspread_dataframe import set_with_dataframe

from sheetsync.app import App
from sheetsync.provision import ProvisionSettings, provision_client
from sheetsync.sheets import Backend, connect
from sheetsync.sheets.budget import QuotaSettings
from sheetsync.sheets.retry import RetryPolicy

from .agency import MANAGER, SA, Agency, build, make_store
from .meter import Measure, measure
from .naive import NaiveSync


@dataclass
class Row:
    job: str
    size: str  # e.g. "100 clients", "10,000 rows"
    ours: Measure
    naive: Measure | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class World:
    """One agency in steady state, and its naive twin (a copy of the same spreadsheets)."""

    def __init__(self, agency: Agency) -> None:
        self.a = agency
        self.twin = Emulator()
        self.twin.files = pickle.loads(pickle.dumps(agency.emu.files))
        self.naive = NaiveSync(self.twin, agency.store, SA)

    def edit_cell_both(self, slug: str) -> None:
        """The manager's edit, made identically in our emulator and in the naive twin."""
        emu = self.a.emu
        self.a.edit_sheet_cell(slug)
        self.a.emu = self.twin
        try:
            self.a._edits -= 1
            self.a.edit_sheet_cell(slug)
        finally:
            self.a.emu = emu

    def change(self, slugs: list[str], share: float, seed: int = 3) -> list[str]:
        k = 0 if share <= 0 else max(1, round(len(slugs) * share))
        chosen = random.Random(seed + self.a._edits).sample(slugs, k)
        for slug in chosen:
            self.edit_cell_both(slug)
            self.a.edit_store_tasks(slug)
        return chosen

    def settle(self, slugs: list[str] | None = None) -> None:
        """Cycles (unmeasured) until every client is skipped: the steady state the next job starts from."""
        for _ in range(4):
            rep = self.a.engine.cycle(slugs)
            if all(r.skipped for r in rep.clients):
                return
        raise RuntimeError("the agency did not settle: a sync keeps finding changes (see the sync warnings)")

    def ours_cycle(self, slugs: list[str] | None, memory: bool = False) -> tuple[Measure, Any]:
        """One measured cycle. CPU is measured without tracemalloc (it inflates CPU about 3x); pass
        ``memory=True`` only for a separate pass whose peak memory is wanted (see :func:`with_memory`)."""
        with measure(self.a.emu, SA, memory=memory) as m:
            rep = self.a.engine.cycle(slugs)
        failed = [r for r in rep.clients if r.failed]
        if failed:
            raise RuntimeError(f"sync failed for {failed[0].client}: {failed[0].failed}")
        return m, rep

    def naive_cycle(self, slugs: list[str], memory: bool = True) -> Measure:
        """The naive cycle, CPU without tracemalloc; with ``memory``, run again traced for its peak memory
        (it rewrites every sheet whole, so the second run does the same work)."""
        for slug in slugs:  # its worksheet handles, opened once and kept (not measured: generous to it)
            self.naive._worksheets(self.a.sids[slug])
        with measure(self.twin, SA, memory=False) as m:
            self.naive.cycle(self.a.sids, slugs)
        if memory:
            with measure(self.twin, SA, memory=True) as traced:
                self.naive.cycle(self.a.sids, slugs)
            m.peak_mb = traced.peak_mb
        return m


def with_memory(cpu: Measure, mem: Measure) -> Measure:
    """``cpu`` (measured without tracemalloc) with the peak memory of a second, traced pass of the same job."""
    cpu.peak_mb = mem.peak_mb
    return cpu


def scaled(m: Measure, factor: float) -> Measure:
    """A measurement extrapolated linearly (the naive way's cost is the same for every client)."""
    out = Measure()
    for f in ("calls", "reads", "writes", "drive", "cells_written", "bytes_sent"):
        setattr(out, f, round(getattr(m, f) * factor))
    out.cpu_s, out.wall_s, out.peak_mb = m.cpu_s * factor, m.wall_s * factor, m.peak_mb
    return out


# --- jobs -------------------------------------------------------------------------------------------
def provision_job(world: World) -> Row:
    """Provision one new client: ours (create + one structural batch + sharing) against the naive way."""
    a = world.a
    a.store.clients.create("newclient", name="New client", contacts="", manager_email=MANAGER, tracker_url="",
                           viewer_emails=["client@example.com"], editor_emails=[MANAGER], locale="ru",
                           timezone="Europe/Moscow", origin="cli", actor="bench")
    with measure(a.emu, SA) as ours:
        res = provision_client(store=a.store, sheets=a.sheets, slug="newclient", settings=ProvisionSettings())
    a.store.clients.archive("newclient", origin="cli", actor="bench")  # out of the cycles that follow
    templates = world.naive.templates
    with measure(world.twin, SA) as naive:  # create, a worksheet per kind, headers by dataframe, share
        sh = world.naive.gc.create("New client")
        first = sh.sheet1
        for kind in ("card", "backlog", "in_work", "plan_schedule", "metrics"):
            spec = templates[kind]
            ws = sh.add_worksheet(spec.title.ru, rows=1000, cols=max(len(spec.columns), 2))
            set_with_dataframe(ws, pd.DataFrame(columns=[c.header.ru for c in spec.columns]))
        sh.del_worksheet(first)
        sh.share(MANAGER, perm_type="user", role="writer", notify=False)
        sh.share("client@example.com", perm_type="user", role="reader", notify=False)
    return Row("provision one client", "1 client", ours, naive,
               note=f"ours: {res.requests_applied} structural requests in one batch (formats, validation, "
                    f"protection, metadata); naive: bare headers only")


def cycle_job(world: World, slugs: list[str], share: float, *, naive_sample: int | None = None) -> Row:
    """One sync cycle over ``slugs`` with ``share`` of them changed on both sides.

    The cycle after it (no new change) is measured too: our own writes move each written
    spreadsheet's modifiedTime, so the next cycle reads those clients once more to see nothing to do.
    """
    chosen = world.change(slugs, share)
    ours, rep = world.ours_cycle(slugs)
    synced = [r for r in rep.clients if not r.skipped]
    follow, _ = world.ours_cycle(slugs)
    world.settle(slugs)
    world.change(slugs, share, seed=101)  # the same job again, traced: peak memory only
    ours = with_memory(ours, world.ours_cycle(slugs, memory=True)[0])
    if naive_sample is not None and naive_sample < len(slugs):
        part = world.naive_cycle(slugs[:naive_sample])
        naive, note = scaled(part, len(slugs) / naive_sample), f"naive measured on {naive_sample} clients, x{len(slugs) / naive_sample:g}"
    else:
        naive, note = world.naive_cycle(slugs), ""
    world.settle(slugs)
    return Row(f"sync cycle, {share:.0%} changed", f"{len(slugs):,} clients", ours, naive, note=note,
               extra={"changed": len(chosen), "synced": len(synced), "clients": len(slugs),
                      "by_method": dict(ours.by_method), "next_reads": follow.reads, "next_writes": follow.writes})


def one_cell_job(world: World, slug: str) -> Row:
    world.edit_cell_both(slug)
    ours, rep = world.ours_cycle([slug])
    naive = world.naive_cycle([slug])
    world.settle([slug])
    world.a.edit_sheet_cell(slug)  # again, traced: peak memory only
    ours = with_memory(ours, world.ours_cycle([slug], memory=True)[0])
    world.settle([slug])
    r = rep.clients[0]
    return Row("one changed cell (sheet side)", "1 client", ours, naive,
               extra={"pulled": r.pulled, "by_method": dict(ours.by_method)})


def fifty_rows_job(world: World, slug: str) -> Row:
    world.a.edit_store_tasks(slug, 50)
    ours, rep = world.ours_cycle([slug])
    naive = world.naive_cycle([slug])
    world.settle([slug])
    world.a.edit_store_tasks(slug, 50)  # again, traced: peak memory only
    ours = with_memory(ours, world.ours_cycle([slug], memory=True)[0])
    world.settle([slug])
    r = rep.clients[0]
    return Row("50 changed rows (store side)", f"1 client, {len(world.a.keys[slug]):,} rows", ours, naive,
               extra={"pushed": r.pushed, "by_method": dict(ours.by_method)})


def planning_job(rows: int) -> Row:
    """Planning a backlog (auto-estimates + capacity-bounded selection), pure: reuses scripts/bench_planning."""
    bp = _bench_planning()
    tracemalloc.start(1)
    cpu, taken = bp.pure(rows)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    cpu_plain, _ = bp.pure(rows)  # again without tracemalloc: the CPU figure that counts
    return Row("planning a backlog (pure)", f"{rows:,} rows", Measure(cpu_s=cpu_plain, peak_mb=peak),
               note=f"{taken:,} tasks taken into work; no API calls (planning never touches Sheets)")


def _bench_planning() -> Any:
    path = Path(__file__).resolve().parents[2] / "scripts" / "bench_planning.py"
    spec = importlib.util.spec_from_file_location("bench_planning", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}: run the benchmark from a checkout of sheetsync")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def invoices_job(world: World) -> list[Row]:
    """The monthly invoice refresh (first, then again with nothing changed): ``App.invoices`` over the
    agency's store and transport. There is no naive counterpart: the tab is generated whole either way."""
    a = world.a
    try:
        inv = App.of(a.store, a.sheets).invoices
        _seed_invoices(a, 200)
        with measure(a.emu, SA) as first:
            inv.refresh("2026-11")
        with measure(a.emu, SA) as again:
            inv.refresh("2026-11")
    except Exception as e:  # noqa: BLE001 - a failed measurement is a row saying so, not a failed benchmark
        return [Row("monthly invoice refresh", "-", Measure(), note=f"not measured: {type(e).__name__}: {e}")]
    return [Row("monthly invoice refresh", "200 invoices", first,
                note="first refresh of the month (creates the turnover spreadsheet and its tabs)"),
            Row("monthly invoice refresh, again", "200 invoices", again,
                note="nothing changed since the last refresh; the generated tab is rewritten whole")]


def _seed_invoices(a: Agency, n: int) -> None:
    for i in range(n):
        slug = a.slugs[i % len(a.slugs)]
        a.store.invoices.create(slug, {"description": f"Invoice {i}", "amount": 1000 + 37 * i, "currency": "RUB",
                                       "planned_date": dt.date(2026, 11, 2 + i % 27)},
                                origin="cli", actor="bench")


def quota_fit(per_read: float, per_write: float, listing_sheets_calls: int = 0, *, share: float = 0.05,
              limit: int = 60) -> int:
    """The largest client count whose cycle at ``share`` change stays within ``limit`` reads and writes."""
    best = 0
    for n in range(1, 100_000):
        changed = max(1, math.ceil(n * share))
        if listing_sheets_calls + changed * per_read > limit or changed * per_write > limit:
            break
        best = n
    return best


def quota_check(world: World, slugs: list[str], share: float = 0.05) -> tuple[Measure, int]:
    """Steady state under the quota: two cycles, each with fresh changes to ``share`` of ``slugs``, the
    second measured with the emulator enforcing 60 reads + 60 writes per minute, all in one minute.

    The second cycle carries the first one's follow-up reads, as every minute of a running daemon does.
    The emulator's clock is frozen for its quota during it, so every call lands in the same minute; our
    client has no budget and no retries, so any 429 shows. Returns the cost and the 429s.
    """
    a = world.a
    sheets = connect(Backend(emulator=a.emu, user=SA, quota=QuotaSettings(enabled=False),
                             retry=RetryPolicy(max_attempts=1)))
    engine = App.of(a.store, sheets).engine(stage_clock=False)  # the bare engine, as in agency.build
    engine._layouts = a.engine._layouts  # the daemon's warm layout cache
    world.change(slugs, share)
    engine.cycle(slugs)
    world.change(slugs, share, seed=11)
    q = a.emu.quota
    clock, t0 = q.clock, a.emu.clock()
    q.clock, q.enabled = (lambda: t0), True
    q._hits.clear()
    try:
        with measure(a.emu, SA) as m:
            engine.cycle(slugs)
    finally:
        q.clock, q.enabled = clock, False
        q._hits.clear()
    world.settle(slugs)
    return m, m.throttled


def rows_world(rows: int) -> World:
    """One client with a ``rows``-task backlog, in steady state."""
    return World(build(1, rows))


__all__ = ["Row", "World", "build", "make_store"]
