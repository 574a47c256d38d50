"""Ranges as requests name them, validated against the grid, and the description of a row/column move.

The lowest layer of the batchUpdate kinds: every kind, the renderer and the position-following
code read GridRanges and DimensionRanges through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .a1 import to_a1
from .errors import ApiError

if TYPE_CHECKING:
    from .model import SheetState, SpreadsheetState

ROW_KEYS = ("startRowIndex", "endRowIndex")
COL_KEYS = ("startColumnIndex", "endColumnIndex")

# --- lookups and validation ---------------------------------------------------------------

def as_int(v: Any, where: str) -> int:
    """Discovery int32 fields may arrive as JSON numbers or strings."""
    if isinstance(v, bool):
        raise ApiError(400, f"Invalid value at '{where}' (TYPE_INT32), {v!r}")
    try:
        return int(v)
    except (TypeError, ValueError):
        raise ApiError(400, f"Invalid value at '{where}' (TYPE_INT32), {v!r}") from None


def sheet_of(ss: SpreadsheetState, sheet_id: Any) -> SheetState:
    sid = as_int(sheet_id if sheet_id is not None else 0, "sheetId")
    s = ss.sheet_by_id(sid)
    if s is None:
        raise ApiError(400, f"No grid with id: {sid}")
    return s


def dim_range(ss: SpreadsheetState, dr: dict[str, Any] | None, what: str = "range",
              *, need_end: bool = False) -> tuple[SheetState, str, int, int]:
    """A DimensionRange as (sheet, "ROWS"|"COLUMNS", start, end), checked against the grid."""
    if not dr:
        raise ApiError(400, f"{what} is required: give a DimensionRange with sheetId, dimension, startIndex and "
                            "endIndex.")
    sheet = sheet_of(ss, dr.get("sheetId", 0))
    dim = dr.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise ApiError(400, f"{what}.dimension must be ROWS or COLUMNS, got {dim!r}.")
    count = sheet.row_count if dim == "ROWS" else sheet.col_count
    start = as_int(dr.get("startIndex", 0), f"{what}.startIndex")
    if need_end and "endIndex" not in dr:
        raise ApiError(400, f"{what}.endIndex is required.")
    end = as_int(dr.get("endIndex", count), f"{what}.endIndex")
    if start < 0 or end < start:
        raise ApiError(400, f"Invalid {what}: startIndex ({start}) must be >= 0 and <= endIndex ({end}).")
    return sheet, dim, start, end


def grid_range(ss: SpreadsheetState, gr: dict[str, Any] | None, what: str = "range"
               ) -> tuple[SheetState, int, int, int, int]:
    """A GridRange as (sheet, r0, r1, c0, c1), unbounded sides filled in, checked against the grid."""
    if gr is None:
        raise ApiError(400, f"{what} is required: give a GridRange with at least a sheetId.")
    sheet = sheet_of(ss, gr.get("sheetId", 0))
    r0 = as_int(gr.get("startRowIndex", 0), f"{what}.startRowIndex")
    r1 = as_int(gr.get("endRowIndex", sheet.row_count), f"{what}.endRowIndex")
    c0 = as_int(gr.get("startColumnIndex", 0), f"{what}.startColumnIndex")
    c1 = as_int(gr.get("endColumnIndex", sheet.col_count), f"{what}.endColumnIndex")
    if min(r0, r1, c0, c1) < 0 or r1 < r0 or c1 < c0:
        raise ApiError(400, f"Invalid {what}: start indexes must be >= 0 and <= end indexes.")
    if r1 > sheet.row_count or c1 > sheet.col_count:
        raise ApiError(400, f"Range ({to_a1(sheet.title, r0, r1, c0, c1)}) exceeds grid limits. Max rows: "
                            f"{sheet.row_count}, max columns: {sheet.col_count}")
    return sheet, r0, r1, c0, c1


def clean_range(gr: dict[str, Any], sheet: SheetState) -> dict[str, Any]:
    """A GridRange as Google echoes it: sheetId always, indexes as given, ints not strings."""
    out: dict[str, Any] = {"sheetId": sheet.sheet_id}
    for k in ROW_KEYS + COL_KEYS:
        if k in gr:
            out[k] = int(gr[k])
    return out


@dataclass(frozen=True)
class DimOp:
    """One change of a sheet's rows or columns: insert ``n`` at ``at``, delete [at, at+n), or move."""

    kind: str  # "insert" | "delete" | "move"
    dimension: str  # "ROWS" | "COLUMNS"
    at: int
    n: int
    dest: int = 0  # move: destination index in before-the-move coordinates

    def order(self, count: int) -> list[int]:
        """For a move: the old index now at each position."""
        idx = list(range(count))
        seg = idx[self.at:self.at + self.n]
        rest = idx[:self.at] + idx[self.at + self.n:]
        pos = self.dest if self.dest <= self.at else self.dest - self.n
        return rest[:pos] + seg + rest[pos:]

    def map_range(self, a: int, b: int, count: int) -> tuple[int, int] | None:
        """Where the half-open span [a, b) ends up; None when it is gone."""
        if self.kind == "insert":
            na = a + self.n if a >= self.at else a
            nb = b + self.n if b > self.at else b
            return na, nb
        if self.kind == "delete":
            d0, d1 = self.at, self.at + self.n

            def f(x: int) -> int:
                return x if x <= d0 else (d0 if x <= d1 else x - self.n)

            na, nb = f(a), f(b)
            return (na, nb) if nb > na else None
        # move: the images of a..b-1; a contiguous image keeps the span, otherwise its hull
        if b <= a:
            return a, b
        new_pos = {old: new for new, old in enumerate(self.order(max(count, b)))}
        images = sorted(new_pos[i] for i in range(a, b))
        return images[0], images[-1] + 1
