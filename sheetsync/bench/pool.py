"""``scripts/bench_pool.py --quota-fit --accounts 1,2``: how many clients a pool of service accounts keeps in sync.

The same run as ``scripts/bench.py --quota-fit`` (sheetsync/bench/quota.py: the daemon's cycle once a
minute of the emulator's clock, the emulator enforcing Google's per-user quotas — 60 reads and 60 writes
a minute — and Drive lagging 180 s; every minute 5% of the clients change, half retitled by the manager in
the sheet, half re-prioritised by the team in the store; one attempt per request, so a 429 shows as a
failed sync; after the edits a quiet spell, then every edit must be on both sides), with the clients
spread round-robin over ``accounts`` service accounts, as provisioning's least-loaded rule spreads them.
Each account has its own engine (``App.engine(account=...)``, what the daemon runs per account) and
syncs only its own clients, whose spreadsheets are shared with it alone (``set_account_access``, the
grant step of ``move-account``).

N passes for k accounts when there was no 429, no failed sync and no lost edit; the answer for k is
the largest N tried that passes. The per-project quota (300 a minute) is on too: it binds from the
sixth account on, which is why a pool of more than five accounts needs a second Google project.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sheetsync.app import App
from sheetsync.provision.accounts import set_account_access
from sheetsync.sheets import Backend, connect
from sheetsync.sheets.budget import QuotaSettings
from sheetsync.sheets.retry import RetryPolicy

from .agency import SA, build
from .quota import Clock, _sheet_cell, team_edits

LIMIT = 60  # Google's default Sheets quota: requests per minute per user, reads and writes apart


def account_user(i: int) -> str:
    """The identity of the pool's i-th account (0: the default one, ``[backend]`` itself)."""
    return SA if i == 0 else f"sync-{i}@agency.test"


@dataclass
class PoolRun:
    accounts: int
    clients: int
    minutes: int
    limit: int = LIMIT
    changed: int = 0
    reads: dict[str, int] = field(default_factory=dict)  # per account, over the run
    writes: dict[str, int] = field(default_factory=dict)
    peak_reads: int = 0  # the most reads one account made in one minute
    peak_writes: int = 0
    throttled: int = 0
    failed: int = 0
    lost: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.throttled == 0 and self.failed == 0 and not self.lost

    @property
    def reads_per_min(self) -> float:
        """Reads per minute of the busiest account, averaged over the whole run (the minutes with edits and
        the quiet spell after them); ``peak_reads`` is its busiest single minute, what the quota judges."""
        return max(self.reads.values(), default=0) / (self.minutes + QUIET)

    @property
    def writes_per_min(self) -> float:
        return max(self.writes.values(), default=0) / (self.minutes + QUIET)


QUIET = 6  # minutes without new edits at the end: Drive publishes the last ones (lag 180 s)


def run_pool_fit(n: int, accounts: int, minutes: int = 10, *, share: float = 0.05, lag: float = 180.0,
                 seed: int = 5, limit: int = LIMIT, progress: Any = None) -> PoolRun:
    """``n`` clients (2 tasks each) over ``accounts`` accounts, ``minutes`` of the daemon under ``limit`` per
    user and minute (reads and writes apart; the project gets 5 x ``limit``); see the module doc."""
    clock = Clock()
    t = time.perf_counter()
    a = build(n, 2, clock=clock, quota=True)
    a.emu.quota.enabled = False
    users = [account_user(i) for i in range(accounts)]
    owner: dict[str, str] = {}  # slug -> the user that syncs it
    for i, slug in enumerate(a.slugs):
        user = users[i % accounts]
        owner[slug] = user
        if user != SA:
            set_account_access(a.sheets, a.sids[slug], grant=[user])
            a.store.clients.assign_account(slug, f"pool-{users.index(user)}", origin="cli", actor="bench")
    if progress:
        progress(f"pool fit: {n:,} clients over {accounts} accounts built in {time.perf_counter() - t:.0f} s; "
                 f"running {minutes} minutes")
    t = time.perf_counter()
    engines = {}
    for user in users:
        sheets = a.sheets if user == SA else connect(Backend(emulator=a.emu, user=user,
                                                             quota=QuotaSettings(enabled=False),
                                                             retry=RetryPolicy(max_attempts=1)))
        engine = App.of(a.store, sheets, clock=clock.utc).engine(stage_clock=False)
        engine._layouts = a.engine._layouts  # the daemon's warm layout cache (one per spreadsheet, shared here)
        engines[user] = engine
    mine = {u: [s for s in a.slugs if owner[s] == u] for u in users}
    a.emu.drive_lag = lag
    for _ in range(3):  # steady state, before the quota is on
        clock.t += 60
        for u in users:
            engines[u].cycle(mine[u])
    a.emu.quota.configure(enabled=True, per_user=limit, per_project=5 * limit)
    a.emu.quota._hits.clear()
    rnd = random.Random(seed)
    titles: dict[str, str] = {}
    priorities: dict[str, int] = {}
    out = PoolRun(accounts, n, minutes, limit=limit)
    k = max(1, round(n * share))
    mark = a.emu.mark()
    per_minute: Counter[tuple[str, str, int]] = Counter()  # (user, read|write, minute) -> calls
    for minute in range(minutes + QUIET):
        clock.t += 60
        if minute < minutes:
            out.changed += team_edits(a, rnd.sample(a.slugs, k), minute, titles, priorities)
        start = a.emu.mark()
        for u in users:
            rep = engines[u].cycle(mine[u])
            out.failed += sum(1 for r in rep.clients if r.failed)
        for e in a.emu.log[start:]:
            if e.user in users and e.kind in ("read", "write") and not (e.name or "").startswith("drive."):
                per_minute[(e.user, e.kind, minute)] += 1  # the Sheets quota's own kinds
    for e in a.emu.log[mark:]:
        if e.user in users:
            out.throttled += e.status == 429
    for u in users:
        out.reads[u] = sum(v for (uu, kind, _m), v in per_minute.items() if uu == u and kind == "read")
        out.writes[u] = sum(v for (uu, kind, _m), v in per_minute.items() if uu == u and kind == "write")
    out.peak_reads = max((v for (_u, kind, _m), v in per_minute.items() if kind == "read"), default=0)
    out.peak_writes = max((v for (_u, kind, _m), v in per_minute.items() if kind == "write"), default=0)
    a.emu.quota.enabled = False
    for key, text in titles.items():
        if a.store.tasks.get(key).title != text:
            out.lost.append(f"{key}: manager's title not in the store")
    for key, value in priorities.items():
        task = a.store.tasks.get(key)
        if task.priority != value or _sheet_cell(a, task, "Приоритет") not in (value, str(value)):
            out.lost.append(f"{key}: team's priority not on the sheet")
    out.wall_s = time.perf_counter() - t
    a.close()
    return out


def pool_fit(accounts: list[int], sizes: list[int], minutes: int = 10, *, limit: int = LIMIT,
             progress: Any = None) -> dict[int, tuple[int, list[PoolRun]]]:
    """For each pool size, run each client count (ascending) until one fails: {accounts: (largest ok, runs)}."""
    out: dict[int, tuple[int, list[PoolRun]]] = {}
    for k in accounts:
        runs: list[PoolRun] = []
        best = 0
        for n in sorted(sizes):
            r = run_pool_fit(n, k, minutes, limit=limit, progress=progress)
            runs.append(r)
            if progress:
                progress(f"pool fit: {k} accounts, {n:,} clients: {'ok' if r.ok else 'FAILED'} "
                         f"({r.reads_per_min:.1f} reads/min and {r.writes_per_min:.1f} writes/min in the busiest "
                         f"account, {r.throttled} answers 429, {r.failed} failed syncs, {len(r.lost)} lost edits)")
            if not r.ok:
                break
            best = n
        out[k] = (best, runs)
    return out


def table(results: dict[int, tuple[int, list[PoolRun]]]) -> str:
    """The runs as a Markdown table, then the answer per pool size."""
    lines = ["| accounts | clients | changes | reads/min per account (busiest; peak) | writes/min per account "
             "(busiest; peak) | 429s | failed syncs | lost edits | result |",
             "|---:|---:|---:|---|---|---:|---:|---:|---|"]
    for k, (_best, runs) in results.items():
        for r in runs:
            lines.append(f"| {k} | {r.clients:,} | {r.changed} | {r.reads_per_min:.1f}; {r.peak_reads} | "
                         f"{r.writes_per_min:.1f}; {r.peak_writes} | {r.throttled} | {r.failed} | {len(r.lost)} | "
                         f"{'ok' if r.ok else 'over'} |")
    lines.append("")
    for k, (best, runs) in results.items():
        limit = runs[0].limit if runs else LIMIT
        who = f"{k} account{'s' if k > 1 else ''}"
        if not best:
            lines.append(f"{who}: none of the sizes tried fits inside {limit}/min/user (try smaller --sizes)")
            continue
        lines.append(f"{who}: {best:,} clients fit inside {limit}/min/user"
                     + ("" if any(not r.ok for r in runs) else " (the largest size tried; try larger --sizes)"))
    return "\n".join(lines)
