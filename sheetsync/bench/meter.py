"""One measured job: API calls seen by the emulator (reads and writes apart), CPU, wall, peak memory.

Calls are counted on the emulator's own log for one identity, so our transport and the naive
gspread-dataframe code are measured by the same ruler; people editing sheets between jobs act as
other identities and are not counted.
"""

from __future__ import annotations

import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

FIGURES = ("calls", "reads", "writes", "drive", "cells_written", "bytes_sent", "cpu_s", "wall_s", "peak_mb")
# cpu_s and wall_s leave out the time spent inside the in-process emulator (Google's side of the wire)


@dataclass
class Measure:
    """The cost of one job. ``drive`` counts Drive API calls (its own, far larger quota)."""

    calls: int = 0
    reads: int = 0
    writes: int = 0
    drive: int = 0
    cells_written: int = 0
    bytes_sent: int = 0
    cpu_s: float = 0.0
    wall_s: float = 0.0
    peak_mb: float = 0.0
    by_method: Counter[str] = field(default_factory=Counter)
    throttled: int = 0
    emulator_cpu_s: float = 0.0
    emulator_wall_s: float = 0.0

    def row(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in FIGURES}


@contextmanager
def measure(emu: Any, user: str, *, memory: bool = True) -> Iterator[Measure]:
    """Measure the block: ``with measure(emu, SA) as m: job()`` then read ``m``."""
    m = Measure()
    mark = emu.mark()
    inner = emu.dispatch

    def timed(*args: Any, **kw: Any) -> Any:
        c, w = time.process_time(), time.perf_counter()
        try:
            return inner(*args, **kw)
        finally:
            m.emulator_cpu_s += time.process_time() - c
            m.emulator_wall_s += time.perf_counter() - w

    emu.dispatch = timed
    if memory:
        tracemalloc.start(1)
    c0, w0 = time.process_time(), time.perf_counter()
    try:
        yield m
    finally:
        m.cpu_s = time.process_time() - c0 - m.emulator_cpu_s
        m.wall_s = time.perf_counter() - w0 - m.emulator_wall_s
        if memory:
            m.peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        del emu.dispatch
        for e in emu.log[mark:]:
            if e.user != user:
                continue
            name = e.name or f"{e.method} {e.path}"
            m.calls += 1
            m.by_method[name] += 1
            m.throttled += e.status == 429
            if name.startswith("drive."):
                m.drive += 1
            elif e.kind == "read":
                m.reads += 1
            elif e.kind == "write":
                m.writes += 1
            m.cells_written += e.cells_written
            m.bytes_sent += e.bytes_in
