"""The notes the sync puts on a client's cells, in the sheet's language (ru or en; anything else: en).

A note is read by the manager looking at the sheet, not by the operator, so it says what happened to
the cell and what to do, in the sheet's own words. The conflict notes name the command that resolves
the conflict; the planner does not know the conflict's number (the store gives it when the executor
records it), so it writes :data:`CONFLICT_ID` and the executor puts the number in (:func:`with_conflict_id`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..vocabulary import Words, decimal_mark, locale_of

CONFLICT_ID = "ID"  # in "sheetsync conflicts resolve ID": replaced by the conflict's number when it is known
_RESOLVE = "sheetsync conflicts resolve " + CONFLICT_ID

_TEXT = Words({
    "conflict_sheet": (
        "sheetsync: конфликт — команда изменила это на {other}; оставлено ваше значение. "
        "Посмотреть: `sheetsync conflicts`; выбрать значение: `{resolve} --take sheet|store|ЗНАЧЕНИЕ`.",
        "sheetsync: conflict — the team had changed this to {other}; your value was kept. "
        "See `sheetsync conflicts`; to choose: `{resolve} --take sheet|store|VALUE`.",
    ),
    "conflict_store": (
        "sheetsync: конфликт — ваше значение {other} заменено значением команды {kept}. "
        "Посмотреть: `sheetsync conflicts`; выбрать значение: `{resolve} --take sheet|store|ЗНАЧЕНИЕ`.",
        "sheetsync: conflict — your value {other} was replaced by the team's {kept}. "
        "See `sheetsync conflicts`; to choose: `{resolve} --take sheet|store|VALUE`.",
    ),
    "unknown_id": (
        "sheetsync: неизвестный ID {key}. ID выдаёт sheetsync: очистите эту ячейку, чтобы строка стала новой "
        "задачей, или верните ID, который здесь был.",
        "sheetsync: unknown ID {key}. IDs are given by sheetsync; clear this cell to make the row a new task, "
        "or put back the ID that was here.",
    ),
    "duplicate_id": (
        "sheetsync: ID {key} стоит в нескольких строках ({where}). Оставьте его в одной строке; очистите ID "
        "у копии, чтобы она стала новой задачей.",
        "sheetsync: ID {key} is on several rows ({where}). Keep it on one row; clear the ID of a copy to make "
        "it a new task.",
    ),
    "needs_title": (
        "sheetsync: новой задаче нужно название в этой ячейке; пока его нет, строка не синхронизируется.",
        "sheetsync: a new task needs a title here; the row is not synced until it has one.",
    ),
}, default="en")
_EMPTY = Words({"empty": ("(пусто)", "(empty)")}, default="en")


def text(kind: str, locale: str, **values: Any) -> str:
    """The note ``kind`` in ``locale`` with ``values`` filled in."""
    return _TEXT(kind, locale, resolve=_RESOLVE, **values)


def show(value: str | None, locale: str) -> str:
    """A canonical value as a note quotes it."""
    return _EMPTY("empty", locale) if value is None else f"«{value}»"


def conflict(winner: str, loser: str | None, winner_value: str | None, locale: str) -> str:
    """The note on a conflicting cell: whose value was kept, the other one, and how to resolve it."""
    if winner == "sheet":
        return text("conflict_sheet", locale, other=show(loser, locale))
    return text("conflict_store", locale, other=show(loser, locale), kept=show(winner_value, locale))


def shower(types: Mapping[str, Any], locale: str) -> Callable[[str, str | None], str]:
    """(field, canonical value) -> the value as the sheet shows it, for notes: an enum's label in
    ``locale``, a date as DD.MM.YYYY, a number with the locale's decimal mark; other text as is."""
    from datetime import date

    def show_(fld: str, value: str | None) -> str:
        ft = types.get(fld)
        if value is None or ft is None:
            return value or ""
        if ft.kind == "enum" and ft.labels and value in ft.labels:
            return ft.labels[value].get(locale) or ft.labels[value].get("en") or value
        if ft.kind == "date":
            try:
                return date.fromisoformat(value).strftime("%d.%m.%Y")
            except ValueError:
                return value
        if ft.kind in ("number", "hours"):
            return value.replace(".", decimal_mark(locale_of(locale, "en")))
        return value

    return show_


def with_conflict_id(note: str, conflict_id: int | None) -> str:
    """``note`` naming the conflict's number in its resolve command (unchanged when it is not known)."""
    if conflict_id is None or _RESOLVE not in note:
        return note
    return note.replace(_RESOLVE, f"sheetsync conflicts resolve {conflict_id}")
