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
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

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
from .normalise import Canon

KEY_FIELD = "key"
KEY_RE = re.compile(r"^T-\d{1,12}$")
BACKLOG_STATUSES = frozenset({"backlog"})
IN_WORK_STATUSES = frozenset({"planned", "in_progress", "waiting_client", "review", "done"})
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
@dataclass
class Plan:
    """The actions of one sync of one spreadsheet, and the base to record once they have landed.

    ``base`` replaces the spreadsheet's whole base; the executor adds the rows of created tasks.
    """

    actions: list[Action] = field(default_factory=list)
    base: dict[str, BaseRow] = field(default_factory=dict)

    def of(self, *types: type) -> list[Action]:
        return [a for a in self.actions if isinstance(a, types)]

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


# --- the planner -----------------------------------------------------------------------------------
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
    policy = policy or Policy()
    reserved = set(reserved)
    open_errors = dict(open_errors or {})
    out = Plan()
    act = out.actions.append
    present = set(sheet.columns)
    free = _Rows(sheet)
    seen_errors: set[tuple[str, str]] = set()

    by_key: dict[str, list[SheetRow]] = defaultdict(list)
    keyless: list[SheetRow] = []
    for r in sorted(sheet.rows, key=lambda r: (r.sheet, r.row)):
        if r.sheet not in present or r.blank:
            continue
        if r.key:
            by_key[r.key].append(r)
        elif r.values or r.errors:
            keyless.append(r)

    def error(r: SheetRow, row_id: str, fld: str, raw: str | None, message: str, token: str | None = None) -> None:
        seen_errors.add((row_id, fld))
        if open_errors.get((row_id, fld)) == message:
            return
        act(RecordError(r.sheet, r.row, row_id, fld, raw, message, token=token))
        act(SetNote(r.sheet, r.row, r.key, fld, message, token=None if r.key else row_id.rsplit(":", 1)[1]))

    base = _landed(base, pending or {}, by_key)

    # 1. IDs nobody can trust: unknown, malformed or on several rows -> report, touch nothing.
    untrusted: set[str] = set()
    for key, rows in sorted(by_key.items()):
        known = key in store or key in reserved
        if not KEY_RE.match(key) or not known:
            untrusted.add(key)
            for r in rows:
                error(r, key, KEY_FIELD, key, notes.text("unknown_id", sheet.locale, key=key))
            act(Warn(f"unknown ID {key} on {', '.join(f'{r.sheet}!{r.row}' for r in rows)}; row not synced"))
            continue
        if len(rows) > 1:
            first = rows[0]
            same = not any(r.errors for r in rows) and all(
                r.values.get(f) == first.values.get(f) for r in rows for f in set(r.values) & set(first.values))
            home = home_sheet((store[key].values if key in store else first.values).get("status"))
            if same and key in store:
                keep = next((r for r in rows if r.sheet == home), first)
                for r in rows:
                    if r is not keep:
                        act(ClearRow(r.sheet, r.row, key, "identical copy of a row (repair)"))
                by_key[key] = [keep]
                continue
            untrusted.add(key)
            where = ", ".join(f"{r.sheet}!{r.row}" for r in rows)
            for r in rows:
                error(r, key, KEY_FIELD, key, notes.text("duplicate_id", sheet.locale, key=key, where=where))
            act(Warn(f"duplicated ID {key} on {where}; not synced until fixed"))

    # 2. Every task: merge fields, follow status to its sheet, notice vanished rows.
    vanished: list[str] = []
    cleared: dict[str, SheetRow] = {}  # vanished keys whose row is still there, emptied but for the ID
    keys = sorted(set(base) | set(store) | set(by_key))
    for key in keys:
        b = base.get(key)
        s = store.get(key)
        rows = by_key.get(key, [])
        if key in untrusted:
            if b is not None:
                out.base[key] = b
            continue
        r = rows[0] if rows else None
        if s is None:
            if r is not None and key in reserved:
                _create(out, sheet, policy, free, r, key=key)
            continue  # a task gone from the store entirely: nothing to keep in sync
        if r is not None and cleared_row(r, policy):
            # a manager's way to delete (they cannot delete a row holding the protected ID): the row
            # emptied but for its ID counts as a deleted row, with the same guard and the same rules
            if s.deleted:
                act(ClearRow(r.sheet, r.row, key, "task deleted (row cleared); removing its ID"))
            elif b is not None and b.sheet == r.sheet:
                vanished.append(key)
                cleared[key] = r
            else:  # never agreed on: no deletion to honour, put the task back into the row
                _put_back(out, free, present, sheet.columns, r, s, "row found empty before its first sync")
            continue
        if r is None:
            if s.deleted or home_sheet(s.values.get("status")) is None:
                continue  # gone or cancelled on the store side and not on the sheet: agreed
            if b is None:
                home = home_sheet(s.values.get("status"))
                if home in present:
                    vals = {f: s.values.get(f) for f in sheet.columns[home]}
                    act(AppendRow(home, free.take(home), key, vals, "new in the store"))
                    out.base[key] = BaseRow(home, vals)
                continue
            if b.sheet not in present:
                out.base[key] = b  # its sheet is missing: reported by the engine, decided later
                continue
            vanished.append(key)
            continue
        _merge(out, policy, free, present, sheet.columns, r, s, b, open_errors, seen_errors, error, sheet.locale,
               shown=sheet.show)

    # 3. Rows gone from the sheet: tombstone, unless guarded or modified in the store.
    if vanished:
        total = sum(1 for k, b in base.items() if b.sheet in present)
        if untrusted:
            act(Warn(f"{len(vanished)} row(s) missing while IDs are in doubt; nothing deleted: "
                     f"{', '.join(vanished)}"))
            for key in vanished:
                out.base[key] = base[key]
                if key in cleared:
                    act(Warn(f"{key}: row {cleared[key].sheet}!{cleared[key].row} was cleared; kept until the "
                             f"IDs in doubt are fixed"))
        else:
            guard = policy.mass_delete(len(vanished), total)
            if guard:
                act(Warn(f"mass delete guard: {len(vanished)} of {total} rows vanished at once; restored them and "
                         f"deleted nothing. Delete fewer rows at a time, or change sync.mass_delete_* in the config."))
            for key in vanished:
                s = store[key]
                b = base[key]
                modified = any(s.values.get(f) != v for f, v in b.values.items())
                if (guard or modified) and key in cleared:
                    why = "mass delete guard" if guard else "changed by the team after the row was cleared"
                    _put_back(out, free, present, sheet.columns, cleared[key], s, why)
                elif guard or modified:
                    home = home_sheet(s.values.get("status"))
                    assert home is not None
                    if home not in present:
                        out.base[key] = b
                        continue
                    vals = {f: s.values.get(f) for f in sheet.columns[home]}
                    why = "mass delete guard" if guard else "changed by the team after the row was deleted"
                    act(AppendRow(home, free.take(home), key, vals, why))
                    out.base[key] = BaseRow(home, vals)
                else:
                    act(Tombstone(key, b.sheet))
                    if key in cleared:
                        r = cleared[key]
                        act(ClearRow(r.sheet, r.row, key, "deleted by clearing the row; removing its ID"))

    # 4. New rows.
    for r in keyless:
        _create(out, sheet, policy, free, r, key=None, error=error)

    # 5. Errors noted earlier whose cells are now fine (or gone): resolve, and take the note off the cell.
    erring = {(a.sheet, a.row, a.field) for a in out.actions if isinstance(a, SetNote) and a.note is not None}
    moved = {(a.sheet, a.row) for a in out.actions if isinstance(a, ClearRow)}
    for (row_id, fld), _msg in sorted(open_errors.items()):
        if (row_id, fld) in seen_errors:
            continue
        act(ResolveError(row_id, fld))
        loc = _locate(sheet, row_id)
        if loc is None or (loc[0], loc[1], fld) in erring or loc in moved or loc[0] not in present or (
                fld != KEY_FIELD and fld not in sheet.columns[loc[0]]):
            continue
        act(SetNote(loc[0], loc[1], None if row_id.startswith("new:") else row_id, fld, None))
    # 6. Conflicts resolved (`sheetsync conflicts resolve`): take their note off, unless this plan notes the
    #    cell again (a new conflict or an invalid value there) or the row is leaving it.
    noted = {(a.sheet, a.row, a.field) for a in out.actions if isinstance(a, SetNote)}
    for key, fld in sorted(set(resolved_notes)):
        loc = _locate(sheet, key)
        if loc is None or (loc[0], loc[1], fld) in noted or loc in moved or loc[0] not in present or \
                fld not in sheet.columns[loc[0]]:
            continue
        act(SetNote(loc[0], loc[1], key, fld, None))
        noted.add((loc[0], loc[1], fld))
    return out


    return out


def _landed(base: Mapping[str, BaseRow], pending: Mapping[str, Mapping[str, Canon]],
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


def _locate(sheet: SheetSnapshot, row_id: str) -> tuple[str, int] | None:
    """Where the cell of an old error is now: the row holding the key, or where a keyless row was."""
    if row_id.startswith("new:"):
        return parse_new_row_id(row_id)
    for r in sheet.rows:
        if r.key == row_id:
            return r.sheet, r.row
    return None


def _merge(out: Plan, policy: Policy, free: _Rows, present: set[str], columns: Mapping[str, Sequence[str]],
           r: SheetRow, s: StoreTask, b: BaseRow | None, open_errors: Mapping[tuple[str, str], str],
           seen_errors: set[tuple[str, str]], error, locale: str = "en",
           shown: Callable[[str, Canon], str] | None = None) -> None:
    act = out.actions.append
    key = s.key
    fields = [f for f in columns[r.sheet] if f != KEY_FIELD]
    if not s.deleted and not r.errors and not r.shows_key and home_sheet(s.values.get("status")) == r.sheet:
        same = {f: r.values.get(f) for f in fields}
        if all(s.values.get(f) == v for f, v in same.items()):  # the common case: sheet == store, nothing to do
            out.base[key] = BaseRow(r.sheet, same)
            return
    if s.deleted:
        unchanged = b is not None and all(r.values.get(f) == b.values.get(f) for f in fields if f not in r.errors)
        if unchanged or (b is None and all(r.values.get(f) == s.values.get(f) for f in fields)):
            act(ClearRow(r.sheet, r.row, key, "task deleted in the store"))
            return
        act(RestoreTask(key))
    merged: dict[str, Canon] = dict(s.values)
    cells: list[Action] = []
    row_errors: list[str] = []
    agreed: dict[str, Canon] = {}
    for f in fields:
        tv = s.values.get(f)
        if f in policy.derived:
            if r.values.get(f) != tv and f not in r.errors:
                cells.append(WriteCell(r.sheet, r.row, key, f, tv, r.values.get(f)))
            elif f in r.errors:
                cells.append(WriteCell(r.sheet, r.row, key, f, tv, None))
            agreed[f] = tv
            continue
        if f in policy.required and r.values.get(f) is None and f not in r.errors and s.values.get(f) is not None:
            r = _with_error(r, f, None, required_message(locale))
        if f in r.errors:
            row_errors.append(f)
            if b is not None and f in b.values:
                agreed[f] = b.values[f]
            continue
        sv = r.values.get(f)
        if sv == tv:
            agreed[f] = sv
            if f in r.shows_key:  # the same value, shown as its key: put the label in its place
                cells.append(WriteCell(r.sheet, r.row, key, f, tv, sv))
            continue
        has_base = b is not None and f in b.values
        bv = b.values.get(f) if b is not None else None
        if has_base and sv == bv:
            cells.append(WriteCell(r.sheet, r.row, key, f, tv, sv))
            agreed[f] = tv
        elif has_base and tv == bv:
            act(UpdateStoreField(key, f, tv, sv))
            merged[f] = sv
            agreed[f] = sv
            if f in r.shows_key:  # taken from the key typed by hand; the cell gets the label
                cells.append(WriteCell(r.sheet, r.row, key, f, sv, sv))
        else:
            win = policy.winner(f)
            act(RecordConflict(key, f, sv, tv, bv if has_base else None, win))
            if win == "sheet":
                act(UpdateStoreField(key, f, tv, sv))
                merged[f] = sv
                agreed[f] = sv
                cells.append(SetNote(r.sheet, r.row, key, f, notes.conflict("sheet", *_as_shown(shown, f, tv, sv), locale)))
            else:
                cells.append(WriteCell(r.sheet, r.row, key, f, tv, sv))
                cells.append(SetNote(r.sheet, r.row, key, f, notes.conflict("store", *_as_shown(shown, f, sv, tv), locale)))
                agreed[f] = tv
    home = home_sheet(merged.get("status"))
    if row_errors and home != r.sheet and (home is None or home in present):
        # the row moves away and its invalid cells with it: say so (once), nothing left to note
        act(Warn(f"{key} moved from {r.sheet} to {home}; invalid value(s) not taken: " + ", ".join(
            f"{f}={r.errors[f][0]!r}" for f in row_errors)))
    else:
        for f in row_errors:
            error(r, key, f, *r.errors[f])
    if home == r.sheet:
        out.actions.extend(cells)
        out.base[key] = BaseRow(r.sheet, agreed)
        return
    if home is None:
        act(ClearRow(r.sheet, r.row, key, f"status {merged.get('status')}: on no sheet"))
        return
    if home not in present:
        out.actions.extend(cells)
        out.base[key] = BaseRow(r.sheet, agreed)
        act(Warn(f"{key} belongs on sheet {home}, which is missing; left on {r.sheet}. Run `sheetsync provision`."))
        return
    vals = {f: merged.get(f) for f in columns[home] if f != KEY_FIELD}
    act(AppendRow(home, free.take(home), key, vals, f"status {merged.get('status')}: moved from {r.sheet}"))
    act(ClearRow(r.sheet, r.row, key, f"moved to {home}"))
    out.base[key] = BaseRow(home, vals)


CLEARED_NEEDS = frozenset({"title", "status"})  # columns that must be visible to call a row cleared


def _as_shown(shown: Callable[[str, Canon], str] | None, f: str, *values: Canon) -> tuple[Canon, ...]:
    return values if shown is None else tuple(None if v is None else shown(f, v) for v in values)


def cleared_row(r: SheetRow, policy: Policy) -> bool:
    """A row with an ID whose every other synced cell a person emptied (derived columns aside).

    Only when the title and status columns were found: a sheet whose headers went missing must
    never make its rows look emptied.
    """
    return bool(r.key) and not r.errors and not r.other and CLEARED_NEEDS <= r.values.keys() and all(
        v is None for f, v in r.values.items() if f != KEY_FIELD and f not in policy.derived)


def _put_back(out: Plan, free: _Rows, present: set[str], columns: Mapping[str, Sequence[str]], r: SheetRow,
              s: StoreTask, why: str) -> None:
    """Write the store's task back into a row a person emptied (or to its home sheet if it moved)."""
    act = out.actions.append
    home = home_sheet(s.values.get("status"))
    if home is None:
        act(ClearRow(r.sheet, r.row, s.key, f"status {s.values.get('status')}: on no sheet"))
        return
    if home == r.sheet or home not in present:
        vals = {f: s.values.get(f) for f in columns[r.sheet] if f != KEY_FIELD}
        for f, v in vals.items():
            if r.values.get(f) != v:
                act(WriteCell(r.sheet, r.row, s.key, f, v, r.values.get(f)))
        act(Warn(f"{s.key}: row {r.sheet}!{r.row} was cleared; put back ({why})"))
        out.base[s.key] = BaseRow(r.sheet, vals)
        return
    vals = {f: s.values.get(f) for f in columns[home] if f != KEY_FIELD}
    act(AppendRow(home, free.take(home), s.key, vals, why))
    act(ClearRow(r.sheet, r.row, s.key, f"moved to {home}"))
    out.base[s.key] = BaseRow(home, vals)


REQUIRED_MESSAGE = required_message("en")


def _with_error(r: SheetRow, f: str, raw: str | None, message: str) -> SheetRow:
    return SheetRow(r.sheet, r.row, r.key, {k: v for k, v in r.values.items() if k != f},
                    {**r.errors, f: (raw, message)}, r.other)


def _create(out: Plan, sheet: SheetSnapshot, policy: Policy, free: _Rows, r: SheetRow, *, key: str | None,
            error=None) -> None:
    act = out.actions.append
    token = row_token(sheet.spreadsheet_id, r.sheet, r.row, r.values, r.errors)
    values: dict[str, Canon] = {f: v for f, v in r.values.items() if f != KEY_FIELD and f not in policy.derived}
    for f, v in policy.defaults.items():
        if values.get(f) is None and f not in r.errors:
            values[f] = v
    if values.get("status") is None and "status" not in r.errors:
        values["status"] = DEFAULT_STATUS.get(r.sheet, "backlog")
    home = home_sheet(values.get("status"))
    if key is None:
        row_id = new_row_id(r.sheet, r.row, token)
        # a row that would move to another sheet waits until its invalid cells are fixed, so what was
        # typed there is not carried off and lost
        creating = bool(r.values.get("title")) and (not r.errors or home == r.sheet)
        for f, (raw, message) in sorted(r.errors.items()):
            # a row being created now: its errors are filed under its new key (the executor knows it)
            error(r, row_id, f, raw, message, token=token if creating else None)
        if not creating:
            if not r.errors:
                error(r, row_id, "title", None, notes.text("needs_title", sheet.locale))
            return
    if home == r.sheet or (home is not None and home not in sheet.columns):
        target: tuple[str, int] | None = (r.sheet, r.row)
    elif home is None:
        target = None
    else:
        target = (home, free.take(home))
    cells: dict[str, Canon] = {}
    base_values: dict[str, Canon] = {}
    if target is not None:
        for f in sheet.columns[target[0]]:
            if f == KEY_FIELD or f in r.errors:
                continue
            base_values[f] = values.get(f)
            if target != (r.sheet, r.row) or values.get(f) != r.values.get(f):
                cells[f] = values.get(f)
    act(CreateTask(r.sheet, r.row, token, values, key=key, target=target, cells=cells, base_values=base_values))
