"""A1 and R1C1 range notation <-> GridRange, as the Sheets v4 values endpoints read and write it.

Google accepts ``Sheet1!A1:B2``, ``'My sheet'!A:A``, ``'It''s'!2:2``, open ranges such as ``A2:F``,
a bare sheet name (the whole sheet), a bare range (the first sheet), a named range, and R1C1
forms (``Sheet1!R1C1:R2C3``). Responses name ranges back in A1, quoting the sheet title only
when it needs quotes, and clamped to the grid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ApiError

if TYPE_CHECKING:
    from .model import SheetState, SpreadsheetState

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})?\$?([0-9]+)?$")
_R1C1 = re.compile(r"^[Rr]([0-9]+)?(?:[Cc]([0-9]+))?$|^[Cc]([0-9]+)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_REF = re.compile(r"^(\$?[A-Za-z]{1,3}\$?[0-9]+|[Rr][0-9]*[Cc]?[0-9]*|[Cc][0-9]+|TRUE|FALSE)$", re.I)


def col_to_index(letters: str) -> int:
    """``"A"`` -> 0, ``"AA"`` -> 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def index_to_col(i: int) -> str:
    """0 -> ``"A"``, 26 -> ``"AA"``."""
    s = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        s = chr(65 + rem) + s
    return s


def quote_title(title: str) -> str:
    """The sheet title as Google writes it in a range: quoted (with ``''``) unless plain."""
    if _PLAIN_TITLE.match(title) and not _LOOKS_LIKE_REF.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


@dataclass
class Bounds:
    """Half-open row/column bounds of a parsed range; ``None`` means open (to the grid's edge)."""

    r0: int | None = None
    r1: int | None = None
    c0: int | None = None
    c1: int | None = None


def split_sheet(a1: str) -> tuple[str | None, str | None]:
    """``"'It''s'!A1"`` -> (``"It's"``, ``"A1"``); ``"A1"`` -> (None, ``"A1"``)."""
    s = a1.strip()
    if s.startswith("'"):
        i, out = 1, []
        while i < len(s):
            ch = s[i]
            if ch == "'":
                if i + 1 < len(s) and s[i + 1] == "'":
                    out.append("'")
                    i += 2
                    continue
                rest = s[i + 1:]
                if rest == "":
                    return "".join(out), None
                if rest.startswith("!"):
                    return "".join(out), rest[1:] or None
                raise parse_error(a1)
            out.append(ch)
            i += 1
        raise parse_error(a1)
    if "!" in s:
        title, _, rng = s.rpartition("!")
        return title, rng or None
    return None, s


def parse_error(a1: str) -> ApiError:
    return ApiError(400, f"Unable to parse range: {a1}")


def parse_bounds(part: str, a1: str) -> Bounds:
    """Parse the part after ``!`` (``A1``, ``A1:B2``, ``A:A``, ``2:2``, ``A2:F``, ``R1C1:R2C2``)."""
    pieces = part.split(":")
    if len(pieces) > 2 or not all(pieces):
        raise parse_error(a1)
    ends = [_parse_end(p) for p in pieces]
    if any(e is None for e in ends):
        raise parse_error(a1)
    (r_a, c_a), (r_b, c_b) = ends[0], ends[-1]  # type: ignore[misc]
    if len(pieces) == 1:
        if r_a is None and c_a is None:
            raise parse_error(a1)
        if (r_a is None or c_a is None) and not (_R1C1.match(pieces[0])):
            raise parse_error(a1)  # "A" or "5" alone is not a range
        return Bounds(r_a, None if r_a is None else r_a + 1, c_a, None if c_a is None else c_a + 1)
    col_only = [r is None for r in (r_a, r_b)]
    row_only = [c is None for c in (c_a, c_b)]
    if (col_only[0] and row_only[1]) or (row_only[0] and col_only[1]):
        raise parse_error(a1)  # "A:5"
    b = Bounds()
    if r_a is not None and r_b is not None:
        b.r0, b.r1 = min(r_a, r_b), max(r_a, r_b) + 1
    elif r_a is not None:  # "A2:F" -> from row 2 to the grid's end
        b.r0 = r_a
    elif r_b is not None:  # "A:F5" -> rows 1..5
        b.r0, b.r1 = 0, r_b + 1
    if c_a is not None and c_b is not None:
        b.c0, b.c1 = min(c_a, c_b), max(c_a, c_b) + 1
    elif c_a is not None:
        b.c0 = c_a
    elif c_b is not None:
        b.c0, b.c1 = 0, c_b + 1
    return b


def _parse_end(p: str) -> tuple[int | None, int | None] | None:
    m = _CELL.match(p)
    if m and (m.group(1) or m.group(2)):
        col = col_to_index(m.group(1)) if m.group(1) else None
        row = int(m.group(2)) - 1 if m.group(2) else None
        if row is not None and row < 0:
            return None
        return row, col
    m = _R1C1.match(p)
    if m:
        if m.group(3):
            return None, int(m.group(3)) - 1
        r = int(m.group(1)) - 1 if m.group(1) else None
        c = int(m.group(2)) - 1 if m.group(2) else None
        if (r is not None and r < 0) or (c is not None and c < 0):
            return None
        return r, c
    return None


@dataclass
class Resolved:
    """A range resolved against a spreadsheet: the sheet and half-open bounds (may exceed the grid)."""

    sheet: SheetState
    r0: int
    r1: int
    c0: int
    c1: int
    open_rows: bool = False  # the end row was not given (``A2:F``, ``A:A``, whole sheet)
    open_cols: bool = False
    single_cell: bool = False

    @property
    def rows(self) -> int:
        return self.r1 - self.r0

    @property
    def cols(self) -> int:
        return self.c1 - self.c0

    def clamped(self) -> Resolved:
        s = self.sheet
        return Resolved(s, min(self.r0, s.row_count), min(self.r1, s.row_count), min(self.c0, s.col_count),
                        min(self.c1, s.col_count), self.open_rows, self.open_cols, self.single_cell)

    def exceeds_grid(self) -> bool:
        return self.r1 > self.sheet.row_count or self.c1 > self.sheet.col_count

    def a1(self) -> str:
        return to_a1(self.sheet.title, self.r0, self.r1, self.c0, self.c1)

    def grid_range(self) -> dict[str, Any]:
        return {"sheetId": self.sheet.sheet_id, "startRowIndex": self.r0, "endRowIndex": self.r1,
                "startColumnIndex": self.c0, "endColumnIndex": self.c1}


def to_a1(title: str, r0: int, r1: int, c0: int, c1: int) -> str:
    """Google's way of naming a block: ``Sheet1!A1:B2``, or ``Sheet1!A1`` for one cell."""
    t = quote_title(title)
    if r1 <= r0 or c1 <= c0:  # an empty block is named by its corner
        return f"{t}!{index_to_col(c0)}{r0 + 1}"
    start = f"{index_to_col(c0)}{r0 + 1}"
    if r1 - r0 == 1 and c1 - c0 == 1:
        return f"{t}!{start}"
    return f"{t}!{start}:{index_to_col(c1 - 1)}{r1}"


def resolve(ss: SpreadsheetState, a1: str) -> Resolved:
    """Resolve ``a1`` against ``ss``; open ends run to the grid's edge. 400 if it does not parse."""
    if not a1 or not a1.strip():
        raise parse_error(a1)
    title, part = split_sheet(a1)
    if title is None:
        s = ss.sheet_by_title(a1.strip())
        if s is not None:
            return _whole(s)
        for nr in ss.named_ranges:
            if nr.get("name") == a1.strip():
                return from_grid_range(ss, nr["range"])
        if not ss.sheets:
            raise parse_error(a1)
        sheet = ss.sheets[0]
    else:
        found = ss.sheet_by_title(title)
        if found is None:
            raise parse_error(a1)
        sheet = found
        if part is None:
            return _whole(sheet)
        for nr in ss.named_ranges:
            # 'Sheet1'!NamedRange names a named range on that sheet: Google reads it as the range
            # itself (WorksheetTest.test_get_values_merge_cells_with_named_range.json in burnash/gspread)
            if nr.get("name") == part.strip() and nr["range"].get("sheetId", 0) == sheet.sheet_id:
                return from_grid_range(ss, nr["range"])
    assert part is not None
    b = parse_bounds(part, a1)
    r0 = b.r0 if b.r0 is not None else 0
    c0 = b.c0 if b.c0 is not None else 0
    open_rows, open_cols = b.r1 is None, b.c1 is None
    r1 = b.r1 if b.r1 is not None else max(sheet.row_count, r0)
    c1 = b.c1 if b.c1 is not None else max(sheet.col_count, c0)
    single = b.r1 == r0 + 1 and b.c1 == c0 + 1 and ":" not in part
    return Resolved(sheet, r0, r1, c0, c1, open_rows, open_cols, single)


def _whole(s: SheetState) -> Resolved:
    return Resolved(s, 0, s.row_count, 0, s.col_count, True, True)


def from_grid_range(ss: SpreadsheetState, gr: dict[str, Any]) -> Resolved:
    """A GridRange dict (missing indexes = unbounded) resolved against ``ss``."""
    sheet = ss.sheet_by_id(gr.get("sheetId", 0))
    if sheet is None:
        raise ApiError(400, f"No grid with id: {gr.get('sheetId', 0)}")
    r0 = gr.get("startRowIndex", 0)
    c0 = gr.get("startColumnIndex", 0)
    r1 = gr.get("endRowIndex", sheet.row_count)
    c1 = gr.get("endColumnIndex", sheet.col_count)
    for name, v in (("startRowIndex", r0), ("endRowIndex", r1), ("startColumnIndex", c0), ("endColumnIndex", c1)):
        if not isinstance(v, int) or v < 0:
            raise ApiError(400, f"Invalid GridRange: {name} must be a non-negative integer, got {v!r}.")
    if r1 < r0 or c1 < c0:
        raise ApiError(400, f"Invalid GridRange: start index must be less than or equal to end index in {gr}.")
    return Resolved(sheet, r0, r1, c0, c1, "endRowIndex" not in gr, "endColumnIndex" not in gr)


def grid_limit_error(res: Resolved) -> ApiError:
    """Google's 400 for a write outside the grid."""
    s = res.sheet
    block = res.a1().partition("!")[2]
    title = "'" + s.title.replace("'", "''") + "'"
    return ApiError(400, f"Range ({title}!{block}) exceeds grid limits. Max rows: {s.row_count}, "
                         f"max columns: {s.col_count}")
