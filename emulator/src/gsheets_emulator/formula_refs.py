"""Formula references that follow their cells, as Google's do.

When rows or columns are inserted, deleted or moved, every formula in the spreadsheet that
refers to the changed sheet is rewritten so it still points at the same cells (a range grows
when rows are inserted inside it, shrinks when some of its rows are deleted, and becomes
``#REF!`` when all of them are). Renaming a sheet renames it in formulas; deleting a sheet
turns references to it into ``#REF!``. The recalculation that follows the write then
evaluates the rewritten formulas.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .a1 import col_to_index, index_to_col, quote_title
from .formula import _TOKEN

if TYPE_CHECKING:
    from .model import SheetState, SpreadsheetState
    from .ranges import DimOp

_END = re.compile(r"^(\$?)([A-Za-z]{0,3})(\$?)(\d*)$")
REF_ERROR = "#REF!"


def _split(ref: str) -> tuple[str | None, str]:
    if "!" not in ref:
        return None, ref
    sheet, _, cells = ref.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cells


def rewrite_formulas(ss: SpreadsheetState, fn: Callable[[str | None, str, SheetState], str]) -> None:
    """Apply ``fn(sheet_name_or_None, ref_text, home_sheet) -> new_ref_text`` to every reference."""
    for home in ss.sheets:
        for row in home.rows:
            for cell in row:
                if not cell:
                    continue
                uev = cell.get("userEnteredValue")
                if not uev or "formulaValue" not in uev:
                    continue
                text = uev["formulaValue"]
                body, out, i = text[1:], [], 0
                while i < len(body):
                    m = _TOKEN.match(body, i)
                    if not m:
                        break  # not something we can parse: leave the formula alone
                    tok = m.group(0)
                    if m.lastgroup == "ref":
                        sheet, _ = _split(tok)
                        tok = fn(sheet, tok, home)
                    out.append(tok)
                    i = m.end()
                else:
                    new = "=" + "".join(out)
                    if new != text:
                        uev["formulaValue"] = new


def follow_dimension_change(ss: SpreadsheetState, sheet: SheetState, op: DimOp) -> None:
    """Rewrite references into ``sheet`` after ``op`` (geometry.apply_dim_op calls it after every row/column change)."""
    count_before = _count_before(sheet, op)

    def fn(name: str | None, ref: str, home: SheetState) -> str:
        target = home if name is None else ss.sheet_by_title(name)
        if target is not sheet:
            return ref
        prefix = ref[: len(ref) - len(_split(ref)[1])]
        new = _shift(_split(ref)[1], op, count_before)
        return REF_ERROR if new is None else prefix + new

    rewrite_formulas(ss, fn)


def _count_before(sheet: SheetState, op: DimOp) -> int:
    now = sheet.row_count if op.dimension == "ROWS" else sheet.col_count
    if op.kind == "insert":
        return now - op.n
    if op.kind == "delete":
        return now + op.n
    return now


def _shift(cells: str, op: DimOp, count: int) -> str | None:
    parts = cells.split(":")
    ends = [_END.match(p) for p in parts]
    if not all(ends) or len(parts) > 2:
        return cells
    rows = op.dimension == "ROWS"
    # the index along the changed dimension of each end (None when the end leaves it open)
    vals: list[int | None] = []
    for m in ends:
        assert m is not None
        if rows:
            vals.append(int(m.group(4)) - 1 if m.group(4) else None)
        else:
            vals.append(col_to_index(m.group(2)) if m.group(2) else None)
    if all(v is None for v in vals):
        return cells  # a whole column under a row change (or the reverse): untouched
    if len(vals) == 1 or vals[1] is not None and vals[0] is not None:
        a = vals[0]
        b = (vals[1] if len(vals) == 2 else vals[0])
        assert a is not None and b is not None
        lo, hi = min(a, b), max(a, b) + 1
        res = op.map_range(lo, hi, count)
        if res is None:
            return None
        if len(vals) == 1:
            if res[1] - res[0] != 1 and op.kind != "move":
                return None
            new_vals: list[int | None] = [res[0]]
        else:
            new_vals = [res[0], res[1] - 1]
    else:  # an open end (A2:A): the start moves, the end stays open
        start = vals[0] if vals[0] is not None else vals[1]
        assert start is not None
        res = op.map_range(start, max(count, start + 1), count)
        if res is None:
            return None
        new_vals = [res[0], None] if vals[0] is not None else [None, res[0]]
    out = []
    for m, v in zip(ends, new_vals, strict=True):
        assert m is not None
        d1, col, d2, row = m.groups()
        if v is not None:
            if rows:
                row = str(v + 1)
            else:
                col = index_to_col(v)
        out.append(f"{d1}{col}{d2}{row}")
    return ":".join(out)


def follow_rename(ss: SpreadsheetState, old: str, new: str) -> None:
    """References naming sheet ``old`` now name ``new``."""

    def fn(name: str | None, ref: str, home: SheetState) -> str:
        if name != old:
            return ref
        return f"{quote_title(new)}!{_split(ref)[1]}"

    rewrite_formulas(ss, fn)


def follow_delete(ss: SpreadsheetState, title: str) -> None:
    """References to a deleted sheet become ``#REF!``."""

    def fn(name: str | None, ref: str, home: SheetState) -> str:
        return REF_ERROR if name == title else ref

    rewrite_formulas(ss, fn)
