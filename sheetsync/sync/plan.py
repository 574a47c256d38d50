"""THE PURE PLANNER: (base, sheet, store, policy) -> Plan. No I/O, no clock, no randomness.

A field-level three-way merge in the style of vdirsyncer's decision table. For each task and each
field on the sheet where its row sits:

==========================  =======================================================
sheet == store              nothing to do (whatever the base says)
sheet == base != store      the store changed: write the cell
store == base != sheet      the sheet changed: update the store
all three differ / no base  conflict: the policy's winner is applied on both sides,
                            the loser recorded (conflicts table + a note on the cell)
==========================  =======================================================

Rows and tasks: a keyless row becomes a task (``CreateTask`` with a content token, so a crash never
creates it twice); a task whose row vanished is tombstoned unless the store changed it
(modification beats deletion) or too many rows vanished at once (the mass-delete guard restores
them); a task whose status belongs on the other sheet moves there; duplicated or unknown IDs are
reported and left alone. The result also carries the new base to record once the writes landed.

:func:`plan` is a pipeline of phases, each a function of the inputs and the plan drafted so far: rows by
key (:func:`match_rows`, :func:`landed`), IDs in doubt (:func:`check_ids`), every task in key order
(:func:`sync_tasks`: :func:`merge_row` = :func:`merge_fields` with :mod:`.merge`'s decision table, then
:func:`follow_status`), vanished rows (:func:`settle_vanished`), new rows (:func:`create_task`) and the
notes that no longer apply (:func:`resolve_errors`, :func:`clear_resolved_notes`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from ..vocabulary import BACKLOG_STATUSES, IN_WORK_STATUSES
from . import notes
from .actions import (
    Action,
    AppendRow,
    BaseRow,
    ClearRow,
    CreateTask,
    RecordConflict,
    RecordError,
    ResolveError,
    RestoreTask,
    SetNote,
    Tombstone,
    UpdateStoreField,
    Warn,
    WriteCell,
)
from .cellerrors import required_message
from .merge import NO_BASE, Side, merge
from .normalise import Canon

KEY_FIELD = "key"
KEY_RE = re.compile(r"^T-\d{1,12}$")
DEFAULT_STATUS = {"backlog": "backlog", "in_work": "planned"}
FIRST_DATA_ROW = 2  # row 1 is the header


def home_sheet(status: Canon) -> str | None:
    """The sheet a task with this status belongs on (docs/store.md "Vocabularies and entities"); None: on no sheet."""
    if status is None or status in BACKLOG_STATUSES:
        return "backlog"
    if status in IN_WORK_STATUSES:
        return "in_work"
    return None


# --- inputs ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SheetRow:
    """One non-empty row of a synced sheet after normalisation.

    ``values`` holds the valid fields; ``errors`` maps an invalid field to (what was typed, why it was
    refused). ``other`` marks a row that has content only outside the synced columns.
    """

    sheet: str
    row: int  # 1-based row number in the sheet
    key: str | None
    values: Mapping[str, Canon] = field(default_factory=dict)
    errors: Mapping[str, tuple[str | None, str]] = field(default_factory=dict)
    other: bool = False
    # enum fields whose cell shows the store key (``article``) where its label belongs (a sheet written
    # before labels, or the key typed by hand): the value is taken, and the label written back once
    shows_key: frozenset[str] = frozenset()

    @property
    def blank(self) -> bool:
        return not self.key and not self.other and not self.errors and all(v is None for v in self.values.values())


@dataclass(frozen=True)
class SheetSnapshot:
    """The sheet side: which fields each synced sheet has (``columns``, without the ID) and its rows."""

    spreadsheet_id: str
    columns: Mapping[str, Sequence[str]]
    rows: Sequence[SheetRow] = ()
    locale: str = "en"  # the sheet's language, for the notes the planner writes
    # (field, canonical value) -> the value as the sheet shows it (a label, 24.11.2026), for notes; None: as is
    show: Callable[[str, Canon], str] | None = None


@dataclass(frozen=True)
class StoreTask:
    """The store side of one task of this client, its fields in canonical form."""

    key: str
    values: Mapping[str, Canon]
    deleted: bool = False


@dataclass(frozen=True)
class Policy:
    """Who wins a conflict, per field group; which fields are derived; the mass-delete guard."""

    groups: Mapping[str, frozenset[str]] = field(default_factory=lambda: {
        "team": frozenset({"actual_hours", "done_date"}),
    })
    winners: Mapping[str, str] = field(default_factory=lambda: {"team": "store"})
    default_winner: str = "sheet"
    # store -> sheet only (protected columns the planner writes): sheet edits are overwritten, never pulled
    derived: frozenset[str] = frozenset({"plan_note"})
    defaults: Mapping[str, Canon] = field(default_factory=lambda: {"priority": "3", "estimate_source": "manual"})
    required: frozenset[str] = frozenset({"title", "priority", "status", "estimate_source"})  # never emptied
    mass_delete_max_rows: int = 10
    mass_delete_max_share: float = 0.5
    mass_delete_min_rows: int = 3  # the share rule only counts when at least this many rows vanish

    def __post_init__(self) -> None:
        for side in [self.default_winner, *self.winners.values()]:
            if side not in ("sheet", "store"):
                raise ValueError(f"conflict winner must be 'sheet' or 'store', not {side!r}")

    def winner(self, field_name: str) -> str:
        for group, fields in self.groups.items():
            if field_name in fields:
                return self.winners.get(group, self.default_winner)
        return self.default_winner

    def mass_delete(self, vanished: int, total: int) -> bool:
        if vanished > self.mass_delete_max_rows:
            return True
        return vanished >= self.mass_delete_min_rows and total > 0 and vanished / total > self.mass_delete_max_share


# --- output ----------------------------------------------------------------------------------------
A = TypeVar("A", bound=Action)


@dataclass
class Plan:
    """The actions of one sync of one spreadsheet, and the base to record once they have landed.

    ``base`` replaces the spreadsheet's whole base; the executor adds the rows of created tasks.
    """

    actions: list[Action] = field(default_factory=list)
    base: dict[str, BaseRow] = field(default_factory=dict)

    @overload
    def of(self, kind: type[A], /) -> list[A]: ...
    @overload
    def of(self, kind: type[Action], other: type[Action], /, *more: type[Action]) -> list[Action]: ...

    def of(self, *kinds: type[Action]) -> list[Any]:
        """The actions of one kind, typed as that kind (or of several kinds, as actions)."""
        return [a for a in self.actions if isinstance(a, kinds)]

    @property
    def warnings(self) -> list[str]:
        return [a.message for a in self.actions if isinstance(a, Warn)]

    @property
    def empty(self) -> bool:
        return not self.actions

    def counts(self) -> dict[str, int]:
        return {
            "pushed": len(self.of(WriteCell)) + sum(len(a.values) for a in self.of(AppendRow)),
            "pulled": len(self.of(UpdateStoreField)),
            "conflicts": len(self.of(RecordConflict)),
            "errors": len(self.of(RecordError)),
            "created": len(self.of(CreateTask)),
            "tombstoned": len(self.of(Tombstone)),
        }


# --- helpers ---------------------------------------------------------------------------------------
def new_row_id(sheet: str, row: int, token: str) -> str:
    """The error id of a row without a key: where it was seen, and its content token."""
    return f"new:{sheet}:{row}:{token}"


def parse_new_row_id(row_id: str) -> tuple[str, int] | None:
    parts = row_id.split(":")
    if len(parts) < 4 or parts[0] != "new" or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


def row_token(spreadsheet_id: str, sheet: str, row: int, values: Mapping[str, Canon],
              errors: Mapping[str, tuple[str | None, str]] | None = None) -> str:
    """A deterministic name for a keyless row: where it is and what it holds.

    The same row seen again after a crash gets the same token, hence the same reserved key.
    A row moved or edited meanwhile gets a new token: at worst an unused reserved key, never a twin.
    """
    content = sorted((k, v) for k, v in values.items() if v is not None)
    bad = sorted((k, raw) for k, (raw, _) in (errors or {}).items())
    blob = json.dumps([spreadsheet_id, sheet, row, content, bad], ensure_ascii=False, sort_keys=True)
    return "row:" + hashlib.sha256(blob.encode()).hexdigest()[:32]


class _Rows:
    """Free rows per sheet: empty rows inside the data first, then the rows below it."""

    def __init__(self, snapshot: SheetSnapshot) -> None:
        used: dict[str, set[int]] = defaultdict(set)
        for r in snapshot.rows:
            if not r.blank:
                used[r.sheet].add(r.row)
        self._free: dict[str, Iterator[int]] = {}
        for sheet in snapshot.columns:
            rows = used[sheet]
            end = max(rows, default=FIRST_DATA_ROW - 1) + 1
            holes = [n for n in range(FIRST_DATA_ROW, end) if n not in rows]
            self._free[sheet] = _chain(holes, end)

    def take(self, sheet: str) -> int:
        return next(self._free[sheet])


def _chain(first: Iterable[int], start: int) -> Iterator[int]:
    yield from first
    n = start
    while True:
        yield n
        n += 1


# --- the planner: one pipeline of phases -------------------------------------------------------------
@dataclass(frozen=True)
class Inputs:
    """What the planner knows, besides the base: the sheet and store sides and what the store remembers."""

    sheet: SheetSnapshot
    store: Mapping[str, StoreTask]
    policy: Policy = field(default_factory=Policy)
    reserved: frozenset[str] = frozenset()  # keys reserved for new rows, not yet used by a task
    open_errors: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (row id, field) -> note shown

    @property
    def present(self) -> Collection[str]:
        """The synced sheets found in the spreadsheet."""
        return self.sheet.columns.keys()

    def fields(self, sheet: str) -> list[str]:
        return [f for f in self.sheet.columns[sheet] if f != KEY_FIELD]


@dataclass
class Draft:
    """The plan as the phases build it, in order, and what they share: the rows still free, the cells noted."""

    free: _Rows
    open_errors: Mapping[tuple[str, str], str]
    plan: Plan = field(default_factory=Plan)
    seen_errors: set[tuple[str, str]] = field(default_factory=set)  # (row id, field) found invalid this time

    @classmethod
    def start(cls, inputs: Inputs) -> Draft:
        return cls(_Rows(inputs.sheet), inputs.open_errors)

    def act(self, *actions: Action) -> None:
        self.plan.actions.extend(actions)

    def agree(self, key: str, row: BaseRow) -> None:
        """Record ``row`` as the task's new base."""
        self.plan.base[key] = row

    def error(self, r: SheetRow, row_id: str, fld: str, raw: str | None, message: str, token: str | None = None
              ) -> None:
        """An invalid cell: recorded and noted on the cell, unless that very note is already there."""
        self.seen_errors.add((row_id, fld))
        if self.open_errors.get((row_id, fld)) == message:
            return
        self.act(RecordError(r.sheet, r.row, row_id, fld, raw, message, token=token),
                 SetNote(r.sheet, r.row, r.key, fld, message, token=None if r.key else row_id.rsplit(":", 1)[1]))


@dataclass(frozen=True)
class Task:
    """One task of the store with the one row holding its key, and the base both last agreed on."""

    store: StoreTask
    row: SheetRow
    base: BaseRow | None = None

    @property
    def key(self) -> str:
        return self.store.key


@dataclass
class Vanished:
    """Tasks whose row is gone from the sheet (or emptied but for its ID: ``cleared``), decided together."""

    keys: list[str] = field(default_factory=list)
    cleared: dict[str, SheetRow] = field(default_factory=dict)


def plan(base: Mapping[str, BaseRow], sheet: SheetSnapshot, store: Mapping[str, StoreTask],
         policy: Policy | None = None, *, reserved: Iterable[str] = (),
         open_errors: Mapping[tuple[str, str], str] | None = None,
         pending: Mapping[str, Mapping[str, Canon]] | None = None,
         resolved_notes: Iterable[tuple[str, str]] = ()) -> Plan:
    """Decide everything one sync of one client spreadsheet must do.

    ``base``: key -> what both sides agreed on last time. ``store``: this client's tasks (tombstoned
    ones included, ``deleted=True``). ``reserved``: keys reserved for new rows but not yet used by a
    task. ``open_errors``: (row id, field) -> message of errors already noted on the sheet.
    ``pending``: key -> values an earlier run was about to write when it stopped; a cell that holds
    exactly that value is our own write that landed, not a person's edit. ``resolved_notes``: (key,
    field) of conflicts resolved since their note was put on the cell; the note is taken off.
    """
    inputs = Inputs(sheet, store, policy or Policy(), frozenset(reserved), dict(open_errors or {}))
    draft = Draft.start(inputs)
    by_key, keyless = match_rows(sheet)
    base = landed(base, pending or {}, by_key)
    by_key, untrusted = check_ids(inputs, draft, by_key)
    vanished = sync_tasks(inputs, draft, base, by_key, untrusted)
    settle_vanished(inputs, draft, base, vanished, doubt=bool(untrusted))
    for r in keyless:
        create_task(inputs, draft, r)
    resolve_errors(inputs, draft)
    clear_resolved_notes(inputs, draft, resolved_notes)
    return draft.plan


# --- phase: rows by key ------------------------------------------------------------------------------
def match_rows(sheet: SheetSnapshot) -> tuple[dict[str, list[SheetRow]], list[SheetRow]]:
    """The rows of the synced sheets by the key they show, and the rows typed without one (sheet order)."""
    by_key: dict[str, list[SheetRow]] = defaultdict(list)
    keyless: list[SheetRow] = []
    for r in sorted(sheet.rows, key=lambda r: (r.sheet, r.row)):
        if r.sheet not in sheet.columns or r.blank:
            continue
        if r.key:
            by_key[r.key].append(r)
        elif r.values or r.errors:
            keyless.append(r)
    return dict(by_key), keyless


def landed(base: Mapping[str, BaseRow], pending: Mapping[str, Mapping[str, Canon]],
           by_key: Mapping[str, list[SheetRow]]) -> Mapping[str, BaseRow]:
    """The base, advanced over the writes of an interrupted run that are visibly in the sheet."""
    if not pending:
        return base
    out = dict(base)
    for key, fields in pending.items():
        rows = by_key.get(key)
        if not rows or len(rows) > 1:
            continue
        r = rows[0]
        landed = {f: v for f, v in fields.items() if f in r.values and r.values[f] == v}
        if landed:
            b = base.get(key)
            out[key] = BaseRow(r.sheet, {**(dict(b.values) if b else {}), **landed})
    return out


# --- phase: IDs nobody can trust ---------------------------------------------------------------------
def check_ids(inputs: Inputs, draft: Draft, by_key: Mapping[str, list[SheetRow]]
              ) -> tuple[dict[str, list[SheetRow]], frozenset[str]]:
    """Unknown, malformed or duplicated IDs: reported, their rows left alone. Identical copies of a row are
    repaired (the copy cleared). Returns the rows by key (one per repaired key) and the keys in doubt."""
    locale = inputs.sheet.locale
    out = dict(by_key)
    untrusted: set[str] = set()
    for key, rows in sorted(by_key.items()):
        if not KEY_RE.match(key) or not (key in inputs.store or key in inputs.reserved):
            untrusted.add(key)
            for r in rows:
                draft.error(r, key, KEY_FIELD, key, notes.text("unknown_id", locale, key=key))
            draft.act(Warn(f"unknown ID {key} on {', '.join(f'{r.sheet}!{r.row}' for r in rows)}; row not synced"))
            continue
        if len(rows) < 2:
            continue
        keep = _identical_copies(inputs, key, rows)
        if keep is not None:
            draft.act(*(ClearRow(r.sheet, r.row, key, "identical copy of a row (repair)") for r in rows if r is not keep))
            out[key] = [keep]
            continue
        untrusted.add(key)
        where = ", ".join(f"{r.sheet}!{r.row}" for r in rows)
        for r in rows:
            draft.error(r, key, KEY_FIELD, key, notes.text("duplicate_id", locale, key=key, where=where))
        draft.act(Warn(f"duplicated ID {key} on {where}; not synced until fixed"))
    return out, frozenset(untrusted)


def _identical_copies(inputs: Inputs, key: str, rows: Sequence[SheetRow]) -> SheetRow | None:
    """The row to keep when a known task's rows are copies of each other (the one on its home sheet)."""
    first = rows[0]
    same = not any(r.errors for r in rows) and all(
        r.values.get(f) == first.values.get(f) for r in rows for f in set(r.values) & set(first.values))
    if not same or key not in inputs.store:
        return None
    home = home_sheet(inputs.store[key].values.get("status"))
    return next((r for r in rows if r.sheet == home), first)


# --- phase: every task -------------------------------------------------------------------------------
def sync_tasks(inputs: Inputs, draft: Draft, base: Mapping[str, BaseRow], by_key: Mapping[str, list[SheetRow]],
               untrusted: frozenset[str]) -> Vanished:
    """Every task, in key order: merge its row's fields, follow its status to its sheet, or note that its
    row vanished (decided by :func:`settle_vanished`, all together)."""
    gone = Vanished()
    for key in sorted(set(base) | set(inputs.store) | set(by_key)):
        b, s = base.get(key), inputs.store.get(key)
        rows = by_key.get(key, [])
        r = rows[0] if rows else None
        if key in untrusted:
            if b is not None:
                draft.agree(key, b)
        elif s is None:
            if r is not None and key in inputs.reserved:  # a new row whose key an interrupted run wrote
                create_task(inputs, draft, r, key=key)
            # else: a task gone from the store entirely, nothing to keep in sync
        elif r is not None and cleared_row(r, inputs.policy):
            if row_cleared(inputs, draft, Task(s, r, b)):
                gone.keys.append(key)
                gone.cleared[key] = r
        elif r is None:
            if row_missing(inputs, draft, s, b):
                gone.keys.append(key)
        else:
            merge_row(inputs, draft, Task(s, r, b))
    return gone


def row_cleared(inputs: Inputs, draft: Draft, t: Task) -> bool:
    """A row emptied but for its ID (a manager's way to delete: the ID is protected). True: it counts as a
    deleted row, with the same guard and rules; else it is settled here."""
    r, s, b = t.row, t.store, t.base
    if s.deleted:
        draft.act(ClearRow(r.sheet, r.row, t.key, "task deleted (row cleared); removing its ID"))
        return False
    if b is not None and b.sheet == r.sheet:
        return True
    put_back(inputs, draft, r, s, "row found empty before its first sync")  # never agreed on: nothing to honour
    return False


def row_missing(inputs: Inputs, draft: Draft, s: StoreTask, b: BaseRow | None) -> bool:
    """A task no row holds. True: its row vanished from the sheet; else it is settled here."""
    home = home_sheet(s.values.get("status"))
    if s.deleted or home is None:
        return False  # gone or cancelled on the store side and not on the sheet: agreed
    if b is None:  # new in the store: onto its sheet
        if home in inputs.present:
            vals = {f: s.values.get(f) for f in inputs.sheet.columns[home]}
            draft.act(AppendRow(home, draft.free.take(home), s.key, vals, "new in the store"))
            draft.agree(s.key, BaseRow(home, vals))
        return False
    if b.sheet not in inputs.present:
        draft.agree(s.key, b)  # its sheet is missing: reported by the engine, decided later
        return False
    return True


# --- phase: merge one row's fields -------------------------------------------------------------------
@dataclass
class FieldsMerged:
    """One row's fields merged three ways (:func:`sheetsync.sync.merge.merge`), before its status places it."""

    row: SheetRow  # the row as merged: a required cell found empty counts as an invalid value
    merged: dict[str, Canon]  # the task's values once the store-side actions apply
    agreed: dict[str, Canon] = field(default_factory=dict)  # the base to record
    store: list[Action] = field(default_factory=list)  # store-side actions (pulls, conflicts), in field order
    cells: list[Action] = field(default_factory=list)  # cell writes and notes, for a row that stays
    invalid: list[str] = field(default_factory=list)  # fields whose cells hold invalid values


def merge_row(inputs: Inputs, draft: Draft, t: Task) -> None:
    """A task and its row: nothing when they agree, else the fields merged and the row following its status."""
    r, s, b = t.row, t.store, t.base
    if not s.deleted and not r.errors and not r.shows_key and home_sheet(s.values.get("status")) == r.sheet:
        same = {f: r.values.get(f) for f in inputs.fields(r.sheet)}
        if all(s.values.get(f) == v for f, v in same.items()):  # the common case: sheet == store
            draft.agree(t.key, BaseRow(r.sheet, same))
            return
    if s.deleted:
        fields = inputs.fields(r.sheet)
        unchanged = b is not None and all(r.values.get(f) == b.values.get(f) for f in fields if f not in r.errors)
        if unchanged or (b is None and all(r.values.get(f) == s.values.get(f) for f in fields)):
            draft.act(ClearRow(r.sheet, r.row, t.key, "task deleted in the store"))
            return
        draft.act(RestoreTask(t.key))  # modification beats deletion
    fm = merge_fields(inputs, t)
    draft.act(*fm.store)
    follow_status(inputs, draft, t.key, fm)


def merge_fields(inputs: Inputs, t: Task) -> FieldsMerged:
    """Each synced field of the row against the store and the base (derived fields: the store's, always)."""
    policy, key = inputs.policy, t.key
    fm = FieldsMerged(t.row, dict(t.store.values))
    for f in inputs.fields(t.row.sheet):
        r, tv = fm.row, t.store.values.get(f)
        if f in policy.derived:
            if r.values.get(f) != tv and f not in r.errors:
                fm.cells.append(WriteCell(r.sheet, r.row, key, f, tv, r.values.get(f)))
            elif f in r.errors:
                fm.cells.append(WriteCell(r.sheet, r.row, key, f, tv, None))
            fm.agreed[f] = tv
            continue
        if f in policy.required and r.values.get(f) is None and f not in r.errors and tv is not None:
            fm.row = r = _with_error(r, f, None, required_message(inputs.sheet.locale))
        if f in r.errors:
            fm.invalid.append(f)
            if t.base is not None and f in t.base.values:
                fm.agreed[f] = t.base.values[f]
            continue
        _merge_field(inputs, fm, t, f)
    return fm


def _merge_field(inputs: Inputs, fm: FieldsMerged, t: Task, f: str) -> None:
    """One valid field: the three-way decision, as the task's actions."""
    r, key, locale = fm.row, t.key, inputs.sheet.locale
    sv, tv = r.values.get(f), t.store.values.get(f)
    bv = t.base.values[f] if t.base is not None and f in t.base.values else NO_BASE
    m = merge(sv, tv, bv, _side(inputs.policy.winner(f)))
    if m.conflict:
        fm.store.append(RecordConflict(key, f, sv, tv, None if bv is NO_BASE else bv, m.winner or "sheet"))
    if m.agreed:
        fm.agreed[f] = sv
        if f in r.shows_key:  # the same value, shown as its key: put the label in its place
            fm.cells.append(WriteCell(r.sheet, r.row, key, f, tv, sv))
    elif m.winner == "store":  # the store's value goes to the cell
        fm.cells.append(WriteCell(r.sheet, r.row, key, f, tv, sv))
        fm.agreed[f] = tv
        if m.conflict:
            fm.cells.append(SetNote(r.sheet, r.row, key, f,
                                    notes.conflict("store", *_as_shown(inputs.sheet.show, f, sv, tv), locale)))
    else:  # the sheet's edit goes to the store
        fm.store.append(UpdateStoreField(key, f, tv, sv))
        fm.merged[f] = fm.agreed[f] = sv
        if m.conflict:
            fm.cells.append(SetNote(r.sheet, r.row, key, f,
                                    notes.conflict("sheet", *_as_shown(inputs.sheet.show, f, tv, sv), locale)))
        elif f in r.shows_key:  # taken from the key typed by hand; the cell gets the label
            fm.cells.append(WriteCell(r.sheet, r.row, key, f, sv, sv))


def _side(winner: str) -> Side:
    return "store" if winner == "store" else "sheet"  # Policy allows no other value


def _as_shown(shown: Callable[[str, Canon], str] | None, f: str, a: Canon, b: Canon) -> tuple[Canon, Canon]:
    """Two values as the sheet shows them (a label, a date), for a note."""
    if shown is None:
        return a, b
    return (None if a is None else shown(f, a)), (None if b is None else shown(f, b))


# --- phase: status moves -----------------------------------------------------------------------------
def follow_status(inputs: Inputs, draft: Draft, key: str, fm: FieldsMerged) -> None:
    """The merged row where its status puts it: it stays (its cell writes go out), it is cleared (on no
    sheet) or it moves to the other sheet; invalid cells are noted, or named once if the row moves away."""
    r = fm.row
    home = home_sheet(fm.merged.get("status"))
    if fm.invalid and home != r.sheet and (home is None or home in inputs.present):
        # the row moves away and its invalid cells with it: say so (once), nothing left to note
        draft.act(Warn(f"{key} moved from {r.sheet} to {home}; invalid value(s) not taken: " + ", ".join(
            f"{f}={r.errors[f][0]!r}" for f in fm.invalid)))
    else:
        for f in fm.invalid:
            draft.error(r, key, f, *r.errors[f])
    if home == r.sheet:
        draft.act(*fm.cells)
        draft.agree(key, BaseRow(r.sheet, fm.agreed))
    elif home is None:
        draft.act(ClearRow(r.sheet, r.row, key, f"status {fm.merged.get('status')}: on no sheet"))
    elif home not in inputs.present:
        draft.act(*fm.cells)
        draft.agree(key, BaseRow(r.sheet, fm.agreed))
        draft.act(Warn(f"{key} belongs on sheet {home}, which is missing; left on {r.sheet}. "
                       f"Run `sheetsync provision`."))
    else:
        vals = {f: fm.merged.get(f) for f in inputs.fields(home)}
        draft.act(AppendRow(home, draft.free.take(home), key, vals, f"status {fm.merged.get('status')}: moved from {r.sheet}"),
                  ClearRow(r.sheet, r.row, key, f"moved to {home}"))
        draft.agree(key, BaseRow(home, vals))


# --- phase: vanished rows ----------------------------------------------------------------------------
def settle_vanished(inputs: Inputs, draft: Draft, base: Mapping[str, BaseRow], gone: Vanished, *,
                    doubt: bool) -> None:
    """Rows gone from the sheet: tombstone, unless IDs are in ``doubt``, the mass-delete guard trips or the
    store changed the task since (modification beats deletion): then the row is put back."""
    if not gone.keys:
        return
    if doubt:
        draft.act(Warn(f"{len(gone.keys)} row(s) missing while IDs are in doubt; nothing deleted: "
                       f"{', '.join(gone.keys)}"))
        for key in gone.keys:
            draft.agree(key, base[key])
            if key in gone.cleared:
                r = gone.cleared[key]
                draft.act(Warn(f"{key}: row {r.sheet}!{r.row} was cleared; kept until the IDs in doubt are fixed"))
        return
    total = sum(1 for b in base.values() if b.sheet in inputs.present)
    guard = inputs.policy.mass_delete(len(gone.keys), total)
    if guard:
        draft.act(Warn(f"mass delete guard: {len(gone.keys)} of {total} rows vanished at once; restored them and "
                       f"deleted nothing. Delete fewer rows at a time, or change sync.mass_delete_* in the config."))
    for key in gone.keys:
        _vanished_one(inputs, draft, inputs.store[key], base[key], gone.cleared.get(key), guard=guard)


def _vanished_one(inputs: Inputs, draft: Draft, s: StoreTask, b: BaseRow, cleared: SheetRow | None, *,
                  guard: bool) -> None:
    key = s.key
    modified = any(s.values.get(f) != v for f, v in b.values.items())
    if not (guard or modified):
        draft.act(Tombstone(key, b.sheet))
        if cleared is not None:
            draft.act(ClearRow(cleared.sheet, cleared.row, key, "deleted by clearing the row; removing its ID"))
        return
    how = "cleared" if cleared is not None else "deleted"
    why = "mass delete guard" if guard else f"changed by the team after the row was {how}"
    if cleared is not None:
        put_back(inputs, draft, cleared, s, why)
        return
    home = home_sheet(s.values.get("status"))
    assert home is not None  # row_missing passed only tasks with a home
    if home not in inputs.present:
        draft.agree(key, b)
        return
    vals = {f: s.values.get(f) for f in inputs.sheet.columns[home]}
    draft.act(AppendRow(home, draft.free.take(home), key, vals, why))
    draft.agree(key, BaseRow(home, vals))


def put_back(inputs: Inputs, draft: Draft, r: SheetRow, s: StoreTask, why: str) -> None:
    """Write the store's task back into a row a person emptied (or to its home sheet if it moved)."""
    home = home_sheet(s.values.get("status"))
    if home is None:
        draft.act(ClearRow(r.sheet, r.row, s.key, f"status {s.values.get('status')}: on no sheet"))
        return
    if home == r.sheet or home not in inputs.present:
        vals = {f: s.values.get(f) for f in inputs.fields(r.sheet)}
        draft.act(*(WriteCell(r.sheet, r.row, s.key, f, v, r.values.get(f)) for f, v in vals.items()
                    if r.values.get(f) != v))
        draft.act(Warn(f"{s.key}: row {r.sheet}!{r.row} was cleared; put back ({why})"))
        draft.agree(s.key, BaseRow(r.sheet, vals))
        return
    vals = {f: s.values.get(f) for f in inputs.fields(home)}
    draft.act(AppendRow(home, draft.free.take(home), s.key, vals, why), ClearRow(r.sheet, r.row, s.key, f"moved to {home}"))
    draft.agree(s.key, BaseRow(home, vals))


CLEARED_NEEDS = frozenset({"title", "status"})  # columns that must be visible to call a row cleared


def cleared_row(r: SheetRow, policy: Policy) -> bool:
    """A row with an ID whose every other synced cell a person emptied (derived columns aside).

    Only when the title and status columns were found: a sheet whose headers went missing must
    never make its rows look emptied.
    """
    return bool(r.key) and not r.errors and not r.other and CLEARED_NEEDS <= r.values.keys() and all(
        v is None for f, v in r.values.items() if f != KEY_FIELD and f not in policy.derived)


# --- phase: new rows ---------------------------------------------------------------------------------
def create_task(inputs: Inputs, draft: Draft, r: SheetRow, *, key: str | None = None) -> None:
    """A row typed without an ID (``key`` None) or holding a key an interrupted run reserved becomes a task,
    its row on the sheet its status puts it on."""
    token = row_token(inputs.sheet.spreadsheet_id, r.sheet, r.row, r.values, r.errors)
    values = new_task_values(r, inputs.policy)
    home = home_sheet(values.get("status"))
    if key is None and not _keyless_ready(inputs, draft, r, token, home):
        return
    target = _new_row_target(inputs, draft, r, home)
    cells: dict[str, Canon] = {}
    base_values: dict[str, Canon] = {}
    for f in inputs.fields(target[0]) if target is not None else ():
        if f in r.errors:
            continue
        base_values[f] = values.get(f)
        if target != (r.sheet, r.row) or values.get(f) != r.values.get(f):
            cells[f] = values.get(f)
    draft.act(CreateTask(r.sheet, r.row, token, values, key=key, target=target, cells=cells, base_values=base_values))


def _keyless_ready(inputs: Inputs, draft: Draft, r: SheetRow, token: str, home: str | None) -> bool:
    """A keyless row's invalid cells noted (filed under its new key if it is created now). False: it waits —
    without a title, or with invalid cells while it would move away, so what was typed there is not lost."""
    row_id = new_row_id(r.sheet, r.row, token)
    creating = bool(r.values.get("title")) and (not r.errors or home == r.sheet)
    for f, (raw, message) in sorted(r.errors.items()):
        draft.error(r, row_id, f, raw, message, token=token if creating else None)
    if not creating and not r.errors:
        draft.error(r, row_id, "title", None, notes.text("needs_title", inputs.sheet.locale))
    return creating


def _new_row_target(inputs: Inputs, draft: Draft, r: SheetRow, home: str | None) -> tuple[str, int] | None:
    """Where a new task's row ends up: where it was typed, a free row of its home sheet, or nowhere."""
    if home == r.sheet or (home is not None and home not in inputs.present):
        return r.sheet, r.row
    if home is None:
        return None
    return home, draft.free.take(home)


def new_task_values(r: SheetRow, policy: Policy) -> dict[str, Canon]:
    """A new task's values: the row's (derived fields aside), the policy's defaults and the sheet's status."""
    values: dict[str, Canon] = {f: v for f, v in r.values.items() if f != KEY_FIELD and f not in policy.derived}
    for f, v in policy.defaults.items():
        if values.get(f) is None and f not in r.errors:
            values[f] = v
    if values.get("status") is None and "status" not in r.errors:
        values["status"] = DEFAULT_STATUS.get(r.sheet, "backlog")
    return values


def _with_error(r: SheetRow, f: str, raw: str | None, message: str) -> SheetRow:
    return SheetRow(r.sheet, r.row, r.key, {k: v for k, v in r.values.items() if k != f},
                    {**r.errors, f: (raw, message)}, r.other)


REQUIRED_MESSAGE = required_message("en")


# --- phase: notes that no longer apply ---------------------------------------------------------------
def resolve_errors(inputs: Inputs, draft: Draft) -> None:
    """Errors noted earlier whose cells are now fine (or gone): resolved, and their note taken off the cell
    unless this plan notes it again or the row leaves it."""
    erring = {(a.sheet, a.row, a.field) for a in draft.plan.of(SetNote) if a.note is not None}
    moved = {(a.sheet, a.row) for a in draft.plan.of(ClearRow)}
    for (row_id, fld), _msg in sorted(inputs.open_errors.items()):
        if (row_id, fld) in draft.seen_errors:
            continue
        draft.act(ResolveError(row_id, fld))
        loc = _locate(inputs.sheet, row_id)
        if loc is None or (*loc, fld) in erring or loc in moved or not _on_sheet(inputs, loc[0], fld):
            continue
        draft.act(SetNote(loc[0], loc[1], None if row_id.startswith("new:") else row_id, fld, None))


def clear_resolved_notes(inputs: Inputs, draft: Draft, resolved: Iterable[tuple[str, str]]) -> None:
    """Conflicts resolved (`sheetsync conflicts resolve`): their note taken off, unless this plan notes the
    cell again (a new conflict or an invalid value there) or the row is leaving it."""
    noted = {(a.sheet, a.row, a.field) for a in draft.plan.of(SetNote)}
    moved = {(a.sheet, a.row) for a in draft.plan.of(ClearRow)}
    for key, fld in sorted(set(resolved)):
        loc = _locate(inputs.sheet, key)
        if loc is None or (*loc, fld) in noted or loc in moved or loc[0] not in inputs.present or \
                fld not in inputs.sheet.columns[loc[0]]:
            continue
        draft.act(SetNote(loc[0], loc[1], key, fld, None))
        noted.add((loc[0], loc[1], fld))


def _on_sheet(inputs: Inputs, sheet: str, fld: str) -> bool:
    """The cell exists: its sheet is synced and has the field's column (the ID column always)."""
    return sheet in inputs.present and (fld == KEY_FIELD or fld in inputs.sheet.columns[sheet])


def _locate(sheet: SheetSnapshot, row_id: str) -> tuple[str, int] | None:
    """Where the cell of an old error is now: the row holding the key, or where a keyless row was."""
    if row_id.startswith("new:"):
        return parse_new_row_id(row_id)
    for r in sheet.rows:
        if r.key == row_id:
            return r.sheet, r.row
    return None
