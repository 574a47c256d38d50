"""Carry-over marks: the trace a moved payment leaves in its old week's cell.

Rebuilt from the store's ``InvoiceMove`` history on every regeneration (never kept only in the
sheet): for each move whose old date lies in the month, the old week's cell keeps the amount (struck
through in grey by the renderer) with a note such as

    moved → week of 24.11 on 19.11 (2nd move): client approval
    перенесён → неделя с 24.11, 19.11 (2-й перенос): согласование клиентом

Several moves leave a chain of marks; two moves out of the same week share one cell (one note line
each). A move into another month names that month: the invoice lives on there, the mark stays here.
Pure: the time zone for "on 19.11" is passed in.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..vocabulary import Words, locale_of, ordinal
from .layout import InvoiceFacts, MoveFacts, Week, month_of, week_index, week_start


@dataclass(frozen=True)
class Mark:
    """One cell's carry-over mark: the amount to strike through and the note lines (one per move)."""

    key: str
    week: int
    amount: Decimal
    lines: tuple[str, ...]
    moves: tuple[int, ...]  # which moves (1-based) left it

    @property
    def note(self) -> str:
        return "\n".join(self.lines)


# a locale other than ru reads English
_MOVED = Words({"moved": ("перенесён {arrow} неделя с {where}, {at:%d.%m} ({nth} перенос)",
                          "moved {arrow} week of {where} on {at:%d.%m} ({nth} move)")}, default="en")


def mark_text(move: MoveFacts, number: int, *, month: str, locale: str = "ru", tz: str = "UTC") -> str:
    """The note for one move, in the sheet's language; the target month is named when it differs."""
    target = week_start(move.to_date)
    where = f"{target:%d.%m}"
    if month_of(move.to_date) != month:
        where += f" ({month_of(move.to_date)})"
    at = move.moved_at.astimezone(zoneinfo.ZoneInfo(tz)) if move.moved_at.tzinfo else move.moved_at
    back = move.to_date < move.from_date
    arrow = "←" if back else "→"
    text = _MOVED("moved", locale, arrow=arrow, where=where, at=at, nth=ordinal(number, locale_of(locale, "en")))
    reason = move.reason.strip()
    return f"{text}: {reason}" if reason else text


def marks_for(invoice: InvoiceFacts, weeks: Sequence[Week], *, month: str, locale: str = "ru",
              tz: str = "UTC") -> list[Mark]:
    """The marks ``invoice`` leaves in this month's weeks, in week order."""
    cells: dict[int, tuple[list[str], list[int]]] = {}
    for number, move in enumerate(invoice.moves, start=1):
        w = week_index(weeks, move.from_date)
        if w is None:
            continue
        lines, nums = cells.setdefault(w, ([], []))
        lines.append(mark_text(move, number, month=month, locale=locale, tz=tz))
        nums.append(number)
    return [Mark(invoice.key, w, invoice.amount, tuple(lines), tuple(nums)) for w, (lines, nums) in sorted(cells.items())]


def all_marks(invoices: Iterable[InvoiceFacts], weeks: Sequence[Week], *, month: str, locale: str = "ru",
              tz: str = "UTC") -> dict[tuple[str, int], Mark]:
    """(invoice key, week index) -> mark, for every invoice shown in the month."""
    out: dict[tuple[str, int], Mark] = {}
    for inv in invoices:
        for m in marks_for(inv, weeks, month=month, locale=locale, tz=tz):
            out[(m.key, m.week)] = m
    return out
