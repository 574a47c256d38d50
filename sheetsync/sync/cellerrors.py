"""A cell whose formula fails is not a value: ``#NAME?`` must never reach the store as a task's text.

The snapshot reads with ``UNFORMATTED_VALUE``, and Google (like the emulator) renders a failing
formula there as its error string. One ``values:batchGet`` has one render option, so telling a
formula from typed text would cost another read; instead the exact error tokens Google produces
are treated as invalid input. Text that merely starts with ``#`` ("#1 priority") is text; a cell
holding exactly ``#N/A`` typed by hand is treated as an error too (harmless: the store keeps its
value and the cell gets a note).
"""

from __future__ import annotations

from typing import Any

ERROR_TOKENS = frozenset({"#NAME?", "#REF!", "#ERROR!", "#N/A", "#VALUE!", "#DIV/0!", "#NUM!", "#NULL!"})

_MESSAGE = {
    "ru": "Формула в этой ячейке не работает ({token}); впишите само значение",
    "en": "the formula in this cell fails ({token}); type the value itself",
}


def formula_error(raw: Any, locale: str = "ru") -> str | None:
    """The note for a cell showing a formula error, or None for any other value."""
    if not isinstance(raw, str):
        return None
    token = raw.strip()
    if token not in ERROR_TOKENS:
        return None
    return _MESSAGE.get(locale, _MESSAGE["en"]).format(token=token)


_REQUIRED = {
    "ru": "sheetsync: эта ячейка не может быть пустой; впишите значение (пока остаётся прежнее).",
    "en": "sheetsync: this cell cannot be empty; put a value back (the last one is kept meanwhile).",
}


def required_message(locale: str = "en") -> str:
    """The note on an emptied required cell (title, priority, status…), in the sheet's language."""
    return _REQUIRED.get(locale, _REQUIRED["en"])
