"""A1 notation: sheet names quoted safely (quotes, spaces, unicode), column letters <-> indexes.

Thin over ``gspread.utils`` where it has the piece; indexes here are 1-based like A1 itself.
"""

from __future__ import annotations

import re

from gspread.utils import absolute_range_name, column_letter_to_index, rowcol_to_a1

_COL = re.compile(r"^[A-Za-z]{1,3}$")


def quote_sheet(name: str) -> str:
    """``Бэклог`` -> ``'Бэклог'``, ``it's`` -> ``'it''s'`` (always quoted: always valid)."""
    return absolute_range_name(name)


def a1_range(sheet: str, rng: str | None = None) -> str:
    """An absolute range: ``a1_range("In work", "A2:C")`` -> ``'In work'!A2:C``; no ``rng``: the whole sheet."""
    return absolute_range_name(sheet, rng) if rng else absolute_range_name(sheet)


def col_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    if index < 1:
        raise ValueError(f"column index {index} must be 1 or more")
    return rowcol_to_a1(1, index)[:-1]


def col_index(letters: str) -> int:
    """A -> 1, AA -> 27."""
    if not _COL.match(letters):
        raise ValueError(f"{letters!r} is not a column letter (A..ZZZ)")
    return column_letter_to_index(letters)


def cell(sheet: str, row: int, col: int) -> str:
    """``cell("Backlog", 2, 3)`` -> ``'Backlog'!C2``."""
    return a1_range(sheet, rowcol_to_a1(row, col))


def rect(sheet: str, row1: int, col1: int, row2: int, col2: int) -> str:
    """A rectangle, corners inclusive and 1-based."""
    return a1_range(sheet, f"{rowcol_to_a1(row1, col1)}:{rowcol_to_a1(row2, col2)}")


def columns(sheet: str, col1: int, col2: int, first_row: int = 1) -> str:
    """Whole columns from ``first_row`` down: ``'Backlog'!A2:F``."""
    return a1_range(sheet, f"{col_letter(col1)}{first_row}:{col_letter(col2)}")


def split(rng: str) -> tuple[str | None, str]:
    """``'it''s'!A1:B2`` -> (``it's``, ``A1:B2``); a bare range -> (None, range)."""
    if rng.startswith("'"):
        i, name = 1, []
        while i < len(rng):
            ch = rng[i]
            if ch == "'":
                if rng[i + 1:i + 2] == "'":
                    name.append("'")
                    i += 2
                    continue
                rest = rng[i + 1:]
                return "".join(name), rest[1:] if rest.startswith("!") else rest
            name.append(ch)
            i += 1
        raise ValueError(f"unterminated sheet name quote in {rng!r}")
    if "!" in rng:
        sheet, _, a1 = rng.rpartition("!")
        return sheet, a1
    return None, rng
