"""An in-memory sheet + store that applies a Plan the way the executor must: the planner's test bed.

Independent of the emulator and the store, so the pure planner's invariants can be checked on
thousands of random histories in seconds.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sheetsync.sync.actions import (
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
    WriteCell,
)
from sheetsync.sync.plan import Plan, Policy, SheetRow, SheetSnapshot, StoreTask, home_sheet, plan

COLUMNS = {
    "backlog": ["key", "title", "priority", "estimate_hours", "status"],
    "in_work": ["key", "title", "status", "deadline", "actual_hours"],
}
FIELDS = sorted({f for cols in COLUMNS.values() for f in cols if f != "key"})


@dataclass
class World:
    """Sheet rows as {sheet: {row: {"key": .., field: value}}}, store tasks, base, reservations."""

    sheets: dict[str, dict[int, dict]] = field(default_factory=lambda: {s: {} for s in COLUMNS})
    tasks: dict[str, dict] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    base: dict[str, BaseRow] = field(default_factory=dict)
    reservations: dict[str, str] = field(default_factory=dict)  # token -> key
    used: set[str] = field(default_factory=set)
    notes: dict[tuple[str, int, str], str] = field(default_factory=dict)
    errors: dict[tuple[str, str], str] = field(default_factory=dict)
    conflicts: list[RecordConflict] = field(default_factory=list)
    pending: dict[str, dict] = field(default_factory=dict)
    invalid: dict[tuple[str, int, str], str] = field(default_factory=dict)  # raw invalid text in a cell
    columns: dict[str, list[str]] = field(default_factory=lambda: {k: list(v) for k, v in COLUMNS.items()})
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))

    # --- the sides as the planner sees them ---------------------------------------------------------
    def snapshot(self) -> SheetSnapshot:
        rows = []
        for sheet, by_row in self.sheets.items():
            if sheet not in self.columns:
                continue
            for n, cells in by_row.items():
                values = {f: cells.get(f) for f in self.columns[sheet] if f != "key"}
                errors = {}
                for (s, r, f), raw in self.invalid.items():
                    if s == sheet and r == n:
                        values.pop(f, None)
                        errors[f] = (raw, f"bad {f}")
                rows.append(SheetRow(sheet, n, cells.get("key"), values, errors))
        return SheetSnapshot("SS", {s: [c for c in cols if c != "key"] for s, cols in self.columns.items()}, rows)

    def store_view(self) -> dict[str, StoreTask]:
        return {k: StoreTask(k, {f: v.get(f) for f in FIELDS}, k in self.deleted) for k, v in self.tasks.items()}

    def reserved(self) -> set[str]:
        return {k for k in self.reservations.values() if k not in self.used}

    def plan(self, policy: Policy | None = None) -> Plan:
        return plan(self.base, self.snapshot(), self.store_view(), policy, reserved=self.reserved(),
                    open_errors=self.errors, pending=self.pending)

    # --- applying a plan, as the executor does ------------------------------------------------------
    def new_key(self) -> str:
        return f"T-{next(self._seq):06d}"

    def apply(self, p: Plan, *, crash_after: int | None = None) -> None:
        """Apply sheet writes, then store changes, then the base; ``crash_after`` stops after n steps."""
        steps = 0

        def step() -> None:
            nonlocal steps
            steps += 1
            if crash_after is not None and steps > crash_after:
                raise Crash

        created: dict[str, BaseRow] = {}
        creates = [a for a in p.actions if isinstance(a, CreateTask)]
        step()  # 1. store, before any sheet write: reserve keys, pull edits, conflicts, errors, tombstones
        for a in creates:
            if a.key is None and a.token not in self.reservations:
                self.reservations[a.token] = self.new_key()
        for a in p.actions:
            if isinstance(a, UpdateStoreField):
                if self.tasks[a.key].get(a.field) == a.old:
                    self.tasks[a.key][a.field] = a.new
                    # the base of a pulled field moves in the same transaction: both sides now hold it
                    b = self.base.get(a.key)
                    sheet = p.base[a.key].sheet if a.key in p.base else (b.sheet if b else "backlog")
                    self.base[a.key] = BaseRow(sheet, {**(dict(b.values) if b else {}), a.field: a.new})
            elif isinstance(a, Tombstone):
                self.deleted.add(a.key)
            elif isinstance(a, RestoreTask):
                self.deleted.discard(a.key)
            elif isinstance(a, RecordConflict):
                self.conflicts.append(a)
            elif isinstance(a, RecordError):
                row_id = self.reservations[a.token] if a.token else a.row_id
                self.errors[(row_id, a.field)] = a.message
            elif isinstance(a, ResolveError):
                self.errors.pop((a.row_id, a.field), None)
        for a in p.actions:  # what we are about to write, so a crash after the write is recognised
            if isinstance(a, WriteCell):
                self.pending.setdefault(a.key, {})[a.field] = a.value
            elif isinstance(a, AppendRow):
                self.pending.setdefault(a.key, {}).update(a.values)
        sheet_ops = [a for a in p.actions if isinstance(a, (WriteCell, AppendRow, ClearRow, SetNote, CreateTask))]
        step()  # 2. one values write + one structural write: all-or-nothing each
        for a in sheet_ops:
            if isinstance(a, WriteCell):
                row = self.sheets[a.sheet][a.row]
                assert row.get("key") == a.key, f"misplaced write {a}"
                row[a.field] = a.value
                self.invalid.pop((a.sheet, a.row, a.field), None)
            elif isinstance(a, AppendRow):
                assert self.empty(a.sheet, a.row), f"append onto a used row {a}"
                self.sheets[a.sheet][a.row] = {"key": a.key, **a.values}
            elif isinstance(a, ClearRow):
                assert self.sheets[a.sheet][a.row].get("key") == a.key, f"misplaced clear {a}"
                del self.sheets[a.sheet][a.row]
                for k in [k for k in self.invalid if k[:2] == (a.sheet, a.row)]:
                    del self.invalid[k]
            elif isinstance(a, CreateTask):
                key = a.key or self.reservations[a.token]
                src = self.sheets[a.sheet][a.row]
                assert not src.get("key") or src.get("key") == key
                if a.target == (a.sheet, a.row):
                    src["key"] = key
                    src.update(a.cells)
                else:
                    del self.sheets[a.sheet][a.row]
                    for k in [k for k in self.invalid if k[:2] == (a.sheet, a.row)]:
                        del self.invalid[k]
                    if a.target is not None:
                        assert self.empty(*a.target), f"new row moved onto a used row {a}"
                        self.sheets[a.target[0]][a.target[1]] = {"key": key, **a.cells}
        step()
        for a in sheet_ops:
            if isinstance(a, SetNote):
                if a.note is None:
                    self.notes.pop((a.sheet, a.row, a.field), None)
                else:
                    self.notes[(a.sheet, a.row, a.field)] = a.note
        step()  # 3. one store transaction: create the tasks whose keys are now on the sheet, record the base
        for a in creates:
            key = a.key or self.reservations[a.token]
            if key not in self.tasks:
                self.tasks[key] = {f: a.values.get(f) for f in FIELDS}
            self.used.add(key)
            if a.target is not None:
                created[key] = BaseRow(a.target[0], dict(a.base_values))
        self.base = {**p.base, **created}
        self.pending = {}

    def empty(self, sheet: str, n: int) -> bool:
        row = self.sheets[sheet].get(n)
        return not row or (not any(row.values()) and not any(k[:2] == (sheet, n) for k in self.invalid))

    def sync(self, policy: Policy | None = None) -> Plan:
        p = self.plan(policy)
        self.apply(p)
        return p

    # --- invariants ---------------------------------------------------------------------------------
    def sheet_keys(self) -> list[str]:
        return [row["key"] for rows in self.sheets.values() for row in rows.values() if row.get("key")]

    def check_converged(self) -> None:
        keys = self.sheet_keys()
        assert len(keys) == len(set(keys)), f"duplicate IDs on the sheet: {sorted(keys)}"
        for sheet, rows in self.sheets.items():
            for n, row in rows.items():
                key = row.get("key")
                if not key:
                    continue
                assert key in self.tasks and key not in self.deleted, f"{key} on sheet but not a live task"
                task = self.tasks[key]
                assert home_sheet(task["status"]) == sheet, f"{key} ({task['status']}) on {sheet}"
                for f in self.columns[sheet]:
                    if f != "key" and (sheet, n, f) not in self.invalid and (key, f) not in self.errors:
                        assert row.get(f) == task.get(f), f"{key}.{f}: sheet {row.get(f)!r} != store {task.get(f)!r}"
        for key, task in self.tasks.items():
            if key in self.deleted or home_sheet(task["status"]) is None:
                assert key not in keys
            else:
                assert key in keys, f"live task {key} missing from the sheet"


class Crash(Exception):
    """The process died here."""
