"""Client-side call accounting: what we sent, so reports and benchmarks work on real Google too.

Every HTTP attempt is one call (a retry is a call Google counts against the quota). Cells written
are counted from the request bodies of value writes and ``updateCells`` requests.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field

from .endpoints import Endpoint


@dataclass(frozen=True)
class CallCounts:
    """A snapshot of the counters; subtract two snapshots to get what one job did."""

    calls: int = 0
    reads: int = 0
    writes: int = 0
    retries: int = 0
    throttled: int = 0  # answers with HTTP 429
    errors: int = 0  # answers >= 400 (including 429) and lost responses
    cells_written: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    by_method: Counter[str] = field(default_factory=Counter)
    sheets_writes_ok: int = 0  # Sheets write requests Google answered 2xx (applied): what moves Drive's version

    def __sub__(self, other: CallCounts) -> CallCounts:
        by = Counter(self.by_method)
        by.subtract(other.by_method)
        return CallCounts(
            self.calls - other.calls, self.reads - other.reads, self.writes - other.writes,
            self.retries - other.retries, self.throttled - other.throttled, self.errors - other.errors,
            self.cells_written - other.cells_written, self.bytes_sent - other.bytes_sent,
            self.bytes_received - other.bytes_received, +by,
            sheets_writes_ok=self.sheets_writes_ok - other.sheets_writes_ok)


class CallStats:
    """Thread-safe counters fed by the transport adapter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._c: Counter[str] = Counter()
        self._by: Counter[str] = Counter()

    def record(self, ep: Endpoint, *, body: bytes | None, status: int | None, bytes_received: int = 0,
               retry: bool = False) -> None:
        cells = count_cells(ep.name, body) if ep.kind == "write" else 0
        with self._lock:
            self._c["calls"] += 1
            self._c["reads" if ep.kind == "read" else "writes"] += 1
            self._c["retries"] += int(retry)
            self._c["throttled"] += int(status == 429)
            self._c["errors"] += int(status is None or status >= 400)
            self._c["cells_written"] += cells
            self._c["bytes_sent"] += len(body or b"")
            self._c["bytes_received"] += bytes_received
            self._c["sheets_writes_ok"] += int(ep.kind == "write" and ep.name.startswith("sheets.")
                                               and status is not None and status < 400)
            self._by[ep.name] += 1

    def snapshot(self) -> CallCounts:
        with self._lock:
            c = self._c
            return CallCounts(c["calls"], c["reads"], c["writes"], c["retries"], c["throttled"], c["errors"],
                              c["cells_written"], c["bytes_sent"], c["bytes_received"], Counter(self._by),
                              sheets_writes_ok=c["sheets_writes_ok"])


def count_cells(name: str, body: bytes | str | None) -> int:
    """Cells a write request sets, read from its JSON body (0 when it sets none or is not JSON)."""
    if not body:
        return 0
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return 0
    if not isinstance(data, dict):
        return 0
    if name in ("sheets.spreadsheets.values.update", "sheets.spreadsheets.values.append"):
        return _grid(data.get("values"))
    if name in ("sheets.spreadsheets.values.batchUpdate", "sheets.spreadsheets.values.batchUpdateByDataFilter"):
        return sum(_grid(vr.get("values")) for vr in data.get("data") or [] if isinstance(vr, dict))
    if name == "sheets.spreadsheets.batchUpdate":
        n = 0
        for req in data.get("requests") or []:
            uc = req.get("updateCells") if isinstance(req, dict) else None
            if isinstance(uc, dict):
                n += sum(len(r.get("values") or []) for r in uc.get("rows") or [] if isinstance(r, dict))
        return n
    return 0


def _grid(values: object) -> int:
    if not isinstance(values, list):
        return 0
    # a null cell is skipped by Google (left unchanged), so it is not a cell written
    return sum(sum(v is not None for v in row) if isinstance(row, list) else int(row is not None) for row in values)
