"""What a sync does, as plain data: the planner returns these, the executor performs them.

Every action is a frozen dataclass that prints as one line a person can read (``--dry-run``).
Sheet-side actions address a row by its number in the snapshot *and* the ID the executor must find
there just before writing (``expect``), so a row moved by a person is never written by number alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .normalise import Canon


def _v(value: Canon) -> str:
    return "∅" if value is None else repr(value)


@dataclass(frozen=True)
class Action:
    """Base of all actions. ``side`` says where the effect lands: sheet, store or both."""

    side = "sheet"

    def describe(self) -> str:  # pragma: no cover - every subclass overrides
        return type(self).__name__

    def __str__(self) -> str:
        return self.describe()


# --- sheet side ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WriteCell(Action):
    """Push a store value into one cell of an existing row (the row must still hold ``key``)."""

    sheet: str
    row: int
    key: str
    field: str
    value: Canon
    old: Canon = None

    def describe(self) -> str:
        return f"sheet {self.sheet}!{self.row} {self.key}.{self.field}: {_v(self.old)} -> {_v(self.value)}"


@dataclass(frozen=True)
class AppendRow(Action):
    """Write a whole task row into ``row``, which must be empty right before the write."""

    sheet: str
    row: int
    key: str
    values: Mapping[str, Canon]
    reason: str = ""

    def describe(self) -> str:
        why = f" ({self.reason})" if self.reason else ""
        return f"sheet {self.sheet}!{self.row} add row {self.key}{why}"


@dataclass(frozen=True)
class ClearRow(Action):
    """Empty the synced cells of a row (idempotent, unlike deleting the row). ``key`` None: a keyless row."""

    sheet: str
    row: int
    key: str | None
    reason: str = ""
    token: str | None = None  # for a keyless row: its content token, checked before clearing

    def describe(self) -> str:
        return f"sheet {self.sheet}!{self.row} clear row {self.key or '(new)'}: {self.reason}"


@dataclass(frozen=True)
class SetNote(Action):
    """Put (or with ``note=None`` remove) a note on a cell, telling a person why a value was not taken."""

    sheet: str
    row: int
    key: str | None
    field: str
    note: str | None
    token: str | None = None

    def describe(self) -> str:
        what = "clear note" if self.note is None else f"note: {self.note}"
        return f"sheet {self.sheet}!{self.row} {self.key or '(new)'}.{self.field} {what}"


# --- both sides ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CreateTask(Action):
    """A row typed without an ID becomes a task.

    The executor reserves a key for ``token`` (idempotent: same token, same key), writes the key into
    the row (or, when ``target`` differs, moves the row there), and only then creates the task.
    ``key`` is set when a key was already reserved and written on an earlier, interrupted run.
    """

    side = "both"
    sheet: str
    row: int
    token: str
    values: Mapping[str, Canon]
    key: str | None = None
    target: tuple[str, int] | None = None  # (sheet, row) where the task's row must end up; None: nowhere
    cells: Mapping[str, Canon] = field(default_factory=dict)  # cells to write at target besides the key
    base_values: Mapping[str, Canon] = field(default_factory=dict)  # the base to record for the new task

    def describe(self) -> str:
        where = f" -> {self.target[0]}!{self.target[1]}" if self.target and self.target != (self.sheet, self.row) else ""
        title = self.values.get("title")
        return f"create task {self.key or '(new key)'} from {self.sheet}!{self.row}{where}: {_v(title)}"


# --- store side ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UpdateStoreField(Action):
    """Pull a sheet edit into the store (only if the store still holds ``old``)."""

    side = "store"
    key: str
    field: str
    old: Canon
    new: Canon

    def describe(self) -> str:
        return f"store {self.key}.{self.field}: {_v(self.old)} -> {_v(self.new)}"


@dataclass(frozen=True)
class Tombstone(Action):
    """A row deleted in the sheet: the task is tombstoned (restorable), never hard-deleted."""

    side = "store"
    key: str
    sheet: str

    def describe(self) -> str:
        return f"store {self.key}: tombstone (row deleted from {self.sheet})"


@dataclass(frozen=True)
class RestoreTask(Action):
    """Undo a store tombstone because the sheet row was edited since (modification beats deletion)."""

    side = "store"
    key: str

    def describe(self) -> str:
        return f"store {self.key}: restore (edited in the sheet after it was deleted)"


@dataclass(frozen=True)
class RecordConflict(Action):
    """Both sides changed a field differently; the loser is kept in the conflicts table."""

    side = "store"
    key: str
    field: str
    sheet_value: Canon
    store_value: Canon
    base_value: Canon
    winner: str  # 'sheet' | 'store'

    def describe(self) -> str:
        return (f"conflict {self.key}.{self.field}: sheet {_v(self.sheet_value)} vs store {_v(self.store_value)} "
                f"(base {_v(self.base_value)}) -> {self.winner} wins")


@dataclass(frozen=True)
class RecordError(Action):
    """An invalid cell value that was not applied."""

    side = "store"
    sheet: str
    row: int
    row_id: str  # task key, or 'new:<sheet>:<row>:<token>' for a row without one
    field: str
    value: str | None
    message: str
    token: str | None = None  # a keyless row being created now: the executor files it under the new key

    def describe(self) -> str:
        return f"error {self.sheet}!{self.row} {self.row_id}.{self.field}: {self.message}"


@dataclass(frozen=True)
class ResolveError(Action):
    side = "store"
    row_id: str
    field: str

    def describe(self) -> str:
        return f"resolved {self.row_id}.{self.field}: the cell is valid again"


@dataclass(frozen=True)
class Warn(Action):
    """Something the operator must know (mass delete, duplicated or edited IDs, missing sheet)."""

    side = "none"
    message: str

    def describe(self) -> str:
        return f"warning: {self.message}"


@dataclass(frozen=True)
class BaseRow:
    """What both sides agreed on for one task at the last sync: its sheet and its fields there."""

    sheet: str
    values: Mapping[str, Canon] = field(default_factory=dict)


SHEET_ACTIONS = (WriteCell, AppendRow, ClearRow, SetNote)
