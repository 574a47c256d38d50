"""``scripts/bench.py --quota-fit``: the largest agency one service account keeps in sync.

The daemon's cycle runs once a minute of the emulator's clock, with the emulator enforcing one account's
60 read and 60 write requests per minute and Drive lagging 180 s as on Google. Every minute 5% of the
clients change: half by the manager in the sheet (a task retitled), half by the team in the store (a
priority). Our client makes one attempt per request, so a 429 shows as a failed client. After 10 minutes
(and a quiet spell for Drive to publish the last edits) every edit must be on both sides. N passes when
there was no 429 and no lost edit; the answer is the largest N tried that passes.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from typing import Any

from sheetsync.app import App

from .agency import MANAGER, SA, build
from .meter import measure

T0 = 1_790_000_000.0


class Clock:
    """The emulator's clock and the engine's, advanced by the run (nothing sleeps)."""

    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return self.t

    def utc(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.t, dt.UTC)


@dataclass
class FitRun:
    clients: int
    minutes: int
    changed: int = 0
    reads: int = 0
    writes: int = 0
    drive: int = 0
    throttled: int = 0
    failed: int = 0
    lost: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.throttled == 0 and self.failed == 0 and not self.lost


def run_fit(n: int, minutes: int = 10, share: float = 0.05, lag: float = 180.0, seed: int = 5,
            progress: Any = None) -> FitRun:
    """One agency of ``n`` clients (2 tasks each), ``minutes`` of the daemon under quota; see the module doc."""
    clock = Clock()
    t = time.perf_counter()
    a = build(n, 2, clock=clock, quota=True)  # one attempt per request: a 429 is never waited out
    a.emu.quota.enabled = False
    if progress:
        progress(f"quota fit: {n:,} clients built in {time.perf_counter() - t:.0f} s; running {minutes} minutes")
    t = time.perf_counter()
    engine = App.of(a.store, a.sheets, clock=clock.utc).engine(stage_clock=False)
    engine._layouts = a.engine._layouts  # the daemon's warm layout cache
    a.emu.drive_lag = lag
    for _ in range(3):  # steady state, before the quota is on
        clock.t += 60
        engine.cycle()
    a.emu.quota.enabled = True
    a.emu.quota._hits.clear()
    rnd = random.Random(seed)
    titles: dict[str, str] = {}  # key -> title typed by the manager (last wins)
    priorities: dict[str, int] = {}  # key -> priority set by the team
    out = FitRun(n, minutes)
    k = max(1, round(n * share))
    with measure(a.emu, SA) as m:
        for minute in range(minutes + 6):  # the last 6 minutes: no new edits, Drive publishes the last ones
            clock.t += 60
            if minute < minutes:
                out.changed += team_edits(a, rnd.sample(a.slugs, k), minute, titles, priorities)
            rep = engine.cycle()
            out.failed += sum(1 for r in rep.clients if r.failed)
    out.reads, out.writes, out.drive, out.throttled = m.reads, m.writes, m.drive, m.throttled
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


def team_edits(a: Any, slugs: list[str], minute: int, titles: dict[str, str], priorities: dict[str, int]) -> int:
    """One minute of the team's work on ``slugs``: every other one a manager retitles a row in the sheet,
    the rest get a new priority in the store; what each should end up as goes into ``titles`` /
    ``priorities``. Returns the number of changes made."""
    for i, slug in enumerate(slugs):
        key = a.keys[slug][0]
        if i % 2 == 0:
            text = f"minute {minute}: retitled by the manager ({slug})"
            a.edit_sheet_cell(slug, row=_row_of(a, slug, key), text=text)
            titles[key] = text
        else:
            value = 1 + (minute + i) % 5
            a.store.tasks.update(key, {"priority": value}, origin="api", actor="bench")
            priorities[key] = value
    return len(slugs)


def _row_of(a: Any, slug: str, key: str) -> int:
    """The backlog row holding ``key`` (read as the manager: not counted, not under our quota)."""
    values = _backlog(a, slug)
    return next(i for i, r in enumerate(values, start=1) if r and r[0] == key)


def _backlog(a: Any, slug: str) -> list[list[Any]]:
    sess = a.emu.session(MANAGER)
    r = sess.get(f"https://sheets.googleapis.com/v4/spreadsheets/{a.sids[slug]}/values/'Бэклог'",
                 params={"valueRenderOption": "UNFORMATTED_VALUE"})
    r.raise_for_status()
    return r.json().get("values") or []


def _sheet_cell(a: Any, task: Any, header: str) -> Any:
    slug = next(s for s, keys in a.keys.items() if task.key in keys)
    values = _backlog(a, slug)
    col = values[0].index(header)
    row = next(r for r in values if r and r[0] == task.key)
    return row[col] if col < len(row) else None


def quota_fit(sizes: list[int], minutes: int = 10, progress: Any = None) -> tuple[int, list[FitRun]]:
    """Run each size (ascending) until one fails; the largest that passed, and every run."""
    runs: list[FitRun] = []
    best = 0
    for n in sorted(sizes):
        r = run_fit(n, minutes, progress=progress)
        runs.append(r)
        if progress:
            progress(f"quota fit: {n:,} clients: {'ok' if r.ok else 'FAILED'} ({r.reads} reads, {r.writes} writes, "
                     f"{r.throttled} answers 429, {r.failed} failed syncs, {len(r.lost)} lost edits)")
        if not r.ok:
            break
        best = n
    return best, runs
