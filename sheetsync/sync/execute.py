"""Carry out a Plan with the fewest calls, in an order where a crash at any point is harmless.

Order, and why:

1. reserve keys for new rows (store; same token, same key);
2. confirm read: the rows the plan addresses must still hold what the snapshot saw (else re-plan);
3. store transaction: pull sheet edits (only where the store still holds the old value), tombstones,
   restores, conflicts and errors — done before the sheet write, so a crash right after leaves
   sheet == store for those fields, which the next run sees as agreed;
4. grow the grid if a row must go below it (structural, only when needed);
5. one ``values:batchUpdate`` (RAW) with the changed cells, new IDs and cleared rows; its response is
   checked (rowmeta.py): an ID written into a person's new row that no longer holds what the
   ID-check read saw is taken back at once (:func:`take_back`) and the task is not created;
6. one ``:batchUpdate`` for notes, and for appended rows: each goes into a row *inserted* for it
   (``insertDimension``), with its values, formulas and row metadata in the same atomic call, so a
   row a person typed meanwhile is pushed down, never written over (:func:`fresh_row_requests`);
7. create the tasks whose IDs are now in the sheet (idempotent on the reserved key);
8. record the new base — last, so a base never describes a write that did not land.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..sheets.a1 import cell as a1_cell
from ..sheets.a1 import quote_sheet
from ..store.errors import DuplicateKeyError, StoreError
from ..store.values import loads
from . import misplaced, notes, rowmeta
from .actions import (
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
from .layout import SheetLayout
from .misplaced import PENDING
from .normalise import FieldType, from_store, to_sheet, to_store
from .plan import FIRST_DATA_ROW, KEY_FIELD, Plan, SheetRow, row_token

if TYPE_CHECKING:
    from sheetsync.ports import SheetsPort, StorePort

log = logging.getLogger(__name__)

EMPTY_TEXT_FIELDS = frozenset({"expected_result", "client_comment", "internal_note", "plan_note"})


@dataclass
class Context:
    """What the executor needs about one client's spreadsheet."""

    store: StorePort
    sheets: SheetsPort
    slug: str
    spreadsheet_id: str
    locale: str
    layouts: dict[str, SheetLayout]
    types: Mapping[str, FieldType]
    actor: str
    run_id: int | None = None
    formula: Callable[[str, str, int], str] | None = None  # (kind, column key, row) -> formula text
    templates: Any = None
    on_write: Callable[[str], None] | None = None  # test hook: called before each write step
    row_ids: dict[tuple[str, int], int] | None = None  # row metadata ids, set by the ID-check read
    stamp: tuple[str, Any] | None = None  # (A1 cell, value): the card's last-sync cell, sent with any values write
    old_base: Mapping[tuple[str, str, str], Any] | None = None  # the base as read for planning; None: replace it
    raw: Mapping[str, list[list[Any]]] | None = None  # the ID-check read's cells per sheet kind (as read)
    new_base: dict[tuple[str, str, str], Any] | None = None  # the base as recorded (what the table now holds)
    new_view: dict[str, Any] | None = None  # the same as key -> BaseRow, when it is plan.base (+ created rows)
    drive_ok: bool = False  # the write went out after a Drive check showing nothing new since the listing
    conflict_ids: dict[tuple[str, str], int] = field(default_factory=dict)  # (key, field) -> conflict recorded

    def resize(self, sheet: str, rows: int) -> None:
        """A write grows (or shrinks) a sheet's grid by ``rows``: its layout is replaced by one that says so."""
        self.layouts[sheet] = self.layouts[sheet].resized(rows)


@dataclass(frozen=True)
class FreshRow:
    """A task row written into a row inserted for it (an appended task, a new row moved to its sheet)."""

    sheet: str
    row: int  # where the planner placed it, in the ID-check read's numbering
    key: str
    values: Mapping[str, Any]


@dataclass
class Outcome:
    applied: bool = True  # False: the sheet moved under us; re-plan from ``fresh``
    fresh: dict[str, list[SheetRow]] | None = None
    created: dict[str, str] = field(default_factory=dict)  # token -> key
    pulled: int = 0
    pushed: int = 0
    cells_written: int = 0
    warnings: list[str] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)  # task keys this run changed in the store (its own pull)


def reserve_keys(ctx: Context, plan: Plan) -> dict[str, str]:
    """token -> key for every new row (one short transaction each; idempotent per token)."""
    out: dict[str, str] = {}
    for a in plan.of(CreateTask):
        out[a.token] = a.key or ctx.store.reserve_task_key(ctx.slug, a.token)
    return out


def moved_keys(plan: Plan) -> set[str]:
    """Tasks whose row moves to the other sheet in this plan (appended there, cleared here)."""
    return {a.key for a in plan.of(ClearRow) if a.key}


def written_in_place(plan: Plan) -> set[str]:
    """Appended tasks written into their planned row by position instead of into an inserted row.

    Rows moving sheets (see :func:`addressed_rows`), and rows planned for row 2: a row inserted
    above the first data row would push the sheet's protections, validation and formats (ranges
    starting at row 2) down with the old rows, leaving the new row outside them.
    """
    moving = moved_keys(plan)
    return {a.key for a in plan.of(AppendRow) if a.key in moving or a.row <= FIRST_DATA_ROW}


def addressed_rows(plan: Plan) -> dict[tuple[str, int], str]:
    """(sheet, row) -> what must be there: 'same' (as in the snapshot) or 'blank'.

    Appended rows need no check (they go into rows inserted for them, :func:`fresh_row_requests`),
    except rows moving sheets: those are written with the clearing of their old row in one values
    write, so that a crash never leaves the task on both sheets or on none.
    """
    want: dict[tuple[str, int], str] = {}
    in_place = written_in_place(plan)
    for a in plan.actions:
        if isinstance(a, (WriteCell, ClearRow, SetNote)):
            want[(a.sheet, a.row)] = "same"
        elif isinstance(a, AppendRow) and a.key in in_place:
            want[(a.sheet, a.row)] = "blank"
        elif isinstance(a, CreateTask):
            want[(a.sheet, a.row)] = "same"
            if a.target is not None and a.target != (a.sheet, a.row):
                want[a.target] = "blank"
    return want


def confirm(plan: Plan, before: Mapping[tuple[str, int], SheetRow], after: Mapping[tuple[str, int], SheetRow]
            ) -> list[str]:
    """Why the plan no longer fits the sheet (empty: it still fits)."""
    problems = []
    for (sheet, row), need in sorted(addressed_rows(plan).items()):
        now = after.get((sheet, row))
        if need == "blank":
            if now is not None:
                problems.append(f"{sheet}!{row} is no longer empty")
        else:
            was = before.get((sheet, row))
            if was is None or now is None or (now.key, dict(now.values), dict(now.errors)) != (
                    was.key, dict(was.values), dict(was.errors)):
                problems.append(f"{sheet}!{row} changed since the snapshot")
    return problems


def apply_store_first(ctx: Context, plan: Plan, keys: Mapping[str, str], out: Outcome) -> None:
    """Step 3: the store changes that must precede the sheet write (see the module docstring)."""
    store = ctx.store
    updates: dict[str, dict[str, Any]] = {}
    for a in plan.of(UpdateStoreField):
        task = store.tasks.find(a.key, include_deleted=True)
        if task is None:
            continue
        ft = ctx.types.get(a.field, FieldType("text"))
        if from_store(getattr(task, a.field), ft) != a.old:
            out.warnings.append(f"{a.key}.{a.field} changed in the store during the sync; the next cycle merges it")
            continue
        updates.setdefault(a.key, {})[a.field] = _store_value(a.field, a.new, ft)
    for restore in plan.of(RestoreTask):
        out.touched.add(restore.key)
        try:
            store.tasks.restore(restore.key, origin="sheet", actor=ctx.actor)
        except StoreError as e:
            out.warnings.append(str(e))
    pulled_base: dict[tuple[str, str, str], Any] = {}
    for a in plan.of(UpdateStoreField):
        if a.key in updates and a.field in updates[a.key]:
            sheet = plan.base[a.key].sheet if a.key in plan.base else PENDING
            pulled_base[(sheet, a.key, a.field)] = a.new
    pending: dict[tuple[str, str, str], Any] = {}
    for act in plan.actions:  # what is about to be written: recognised next time if we stop half-way
        if isinstance(act, WriteCell):
            pending[(PENDING, act.key, act.field)] = act.value
        elif isinstance(act, AppendRow):
            for f, v in act.values.items():
                pending[(PENDING, act.key, f)] = v
    for key, fields in updates.items():
        out.touched.add(key)
        try:
            # one transaction: the pulled values and their base move together, so a crash can never
            # leave a pulled value looking like a fresh sheet edit
            store.sync.pull_into_task(key, fields, spreadsheet_id=ctx.spreadsheet_id, actor=ctx.actor,
                                      base={k: v for k, v in pulled_base.items() if k[1] == key})
            out.pulled += len(fields)
        except StoreError as e:  # the store refused a value the normaliser let through
            out.warnings.append(f"{key}: the store refused {sorted(fields)}: {e}")
    if pending:
        store.sync.upsert_base(ctx.spreadsheet_id, pending)
    for tomb in plan.of(Tombstone):
        out.touched.add(tomb.key)
        try:
            store.tasks.delete(tomb.key, origin="sheet", actor=ctx.actor)
        except StoreError as e:
            out.warnings.append(str(e))
    recorded = _open_conflicts(ctx) if plan.of(RecordConflict) else {}
    for cf in plan.of(RecordConflict):
        earlier = recorded.get((cf.key, cf.field, cf.sheet_value, cf.store_value, cf.base_value, cf.winner))
        if earlier is not None:  # recorded by an earlier run that stopped before its sheet write: once is enough
            ctx.conflict_ids[(cf.key, cf.field)] = earlier
            continue
        c = store.sync.add_conflict(ctx.slug, entity_key=cf.key, field=cf.field, sheet_value=cf.sheet_value,
                                store_value=cf.store_value, base_value=cf.base_value, winner=cf.winner,
                                policy=f"{cf.winner} wins {cf.field}", sync_run_id=ctx.run_id)
        ctx.conflict_ids[(cf.key, cf.field)] = c.id  # its note names it: `sheetsync conflicts resolve <id>`
    for fixed in plan.of(ResolveError):
        store.sync.resolve_errors(ctx.slug, row_key=fixed.row_id, field=fixed.field)
    for err in plan.of(RecordError):
        row_id = keys.get(err.token, err.row_id) if err.token else err.row_id
        store.sync.resolve_errors(ctx.slug, row_key=row_id, field=err.field)  # one open error per cell
        store.sync.add_error(ctx.slug, message=err.message, spreadsheet_id=ctx.spreadsheet_id, sheet=err.sheet,
                             row_key=row_id, field=err.field, value=err.value, sync_run_id=ctx.run_id)


def _open_conflicts(ctx: Context) -> dict[tuple[Any, ...], int]:
    """The client's unresolved conflicts, (key, field, sheet, store, base, winner) -> id; values are canonical text."""
    return {(c.entity_key, c.field, loads(c.sheet_value), loads(c.store_value), loads(c.base_value), c.winner): c.id
            for c in ctx.store.sync.conflicts(ctx.slug)}


def _store_value(fld: str, value: Any, ft: FieldType) -> Any:
    v = to_store(value, ft)
    if v is None and fld in EMPTY_TEXT_FIELDS:
        return ""
    return v


def sheet_writes(ctx: Context, plan: Plan, keys: Mapping[str, str]
                 ) -> tuple[list[tuple[str, list[list[Any]]]], list[dict[str, Any]], list[FreshRow]]:
    """(values:batchUpdate ranges, :batchUpdate requests, rows to insert) for the plan's sheet side."""
    cells: dict[tuple[str, int, int], Any] = {}
    requests: list[dict[str, Any]] = []
    fresh: list[FreshRow] = []

    def put(sheet: str, row: int, fld: str, value: Any) -> None:
        lay = ctx.layouts[sheet]
        col = lay.columns.get(fld)
        if col is None:
            return  # a missing column: never written under another header
        wire = value if fld == KEY_FIELD else to_sheet(value, ctx.types.get(fld, FieldType("text")), ctx.locale)
        cells[(sheet, row, col)] = "" if wire is None else wire

    def clear(sheet: str, row: int) -> None:
        lay = ctx.layouts[sheet]
        for col in [*lay.columns.values(), *lay.computed.values()]:
            cells[(sheet, row, col)] = ""

    def whole_row(sheet: str, row: int, key: str, values: Mapping[str, Any], insert: bool = True) -> None:
        if insert and ctx.layouts[sheet].sheet_id is not None:
            fresh.append(FreshRow(sheet, row, key, dict(values)))
            return
        # a row moving sheets: written with the clearing of its old row, in one values write (atomic)
        put(sheet, row, KEY_FIELD, key)
        for f in ctx.layouts[sheet].fields:
            put(sheet, row, f, values.get(f))
        requests.extend(_formulas(ctx, sheet, row))

    in_place = written_in_place(plan)
    for a in plan.actions:
        if isinstance(a, ClearRow):
            clear(a.sheet, a.row)
    for a in plan.actions:
        if isinstance(a, WriteCell):
            put(a.sheet, a.row, a.field, a.value)
        elif isinstance(a, AppendRow):
            whole_row(a.sheet, a.row, a.key, a.values, insert=a.key not in in_place)
        elif isinstance(a, CreateTask):
            key = keys[a.token]
            if a.target == (a.sheet, a.row):
                put(a.sheet, a.row, KEY_FIELD, key)
                for f, v in a.cells.items():
                    put(a.sheet, a.row, f, v)
            else:
                clear(a.sheet, a.row)
                if a.target is not None:
                    whole_row(a.target[0], a.target[1], key, a.cells, insert=False)
        elif isinstance(a, SetNote):
            lay = ctx.layouts[a.sheet]
            col = lay.columns.get(a.field)
            if col is not None and lay.sheet_id is not None:
                requests.append({"updateCells": {
                    "rows": [{"values": [{"note": notes.with_conflict_id(a.note or "", ctx.conflict_ids.get(
                        (a.key, a.field)) if a.key else None)}]}], "fields": "note",
                    "start": {"sheetId": lay.sheet_id, "rowIndex": a.row - 1, "columnIndex": col}}})
    ranges = [(a1_cell(ctx.layouts[s].title, r, c + 1), [[v]]) for (s, r, c), v in sorted(cells.items())]
    return ranges, requests, fresh


def _cell_data(value: Any) -> dict[str, Any]:
    """A RAW value as ``updateCells`` CellData: text stays text (``=x`` too), numbers stay numbers."""
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def fresh_row_requests(ctx: Context, fresh: list[FreshRow], ends: Mapping[str, int]
                       ) -> tuple[list[dict[str, Any]], dict[tuple[str, int], int]]:
    """``:batchUpdate`` requests putting each fresh row into a row inserted for it, and where each ends up.

    Per row: ``insertDimension`` at the planned row (the rows from there down move one down), then
    ``updateCells`` with its values and formulas (its row metadata follows, within the sheet's
    metadata budget: :func:`rowmeta.fresh_anchor_requests`). A batch is applied in order
    and all or nothing, so nothing a person typed into that row position meanwhile is written over:
    it is pushed down with the rows below. A planned row that was a gap (a cleared row) stays a gap,
    just below the new row; rows planned below the data (``ends``: the last used row per sheet, as
    read) follow each other there. Requests addressing rows by position in the same batch must come
    before these (they use the ID-check read's numbering).
    """
    out: list[dict[str, Any]] = []
    placed: dict[tuple[str, int], int] = {}
    by_sheet: dict[str, list[FreshRow]] = {}
    for f in fresh:
        by_sheet.setdefault(f.sheet, []).append(f)
    for sheet, rows in sorted(by_sheet.items()):
        lay = ctx.layouts[sheet]
        shift = 0  # inserts above at gaps inside the data: the rows below moved down by that many
        for f in sorted(rows, key=lambda f: f.row):
            at = f.row - 1 + shift  # 0-based
            if f.row <= ends.get(sheet, 1):
                shift += 1
            wire: dict[int, Any] = {}
            for fld, col in lay.columns.items():
                v = f.key if fld == KEY_FIELD else f.values.get(fld)
                wire[col] = v if fld == KEY_FIELD else to_sheet(v, ctx.types.get(fld, FieldType("text")), ctx.locale)
            width = max([*wire, *lay.computed.values(), 0]) + 1
            row_cells = [_cell_data(wire.get(c)) for c in range(width)]
            if ctx.templates is not None:
                for ckey, col in lay.computed.items():
                    template = ctx.templates[sheet].column(ckey).formula
                    if template is None:  # a column sheetsync writes itself (the stage clock), not a formula
                        continue
                    text = ctx.templates.formula(sheet, template, at + 1, ctx.locale)
                    row_cells[col] = {"userEnteredValue": {"formulaValue": text}}
            out.append({"insertDimension": {"range": {"sheetId": lay.sheet_id, "dimension": "ROWS",
                                                      "startIndex": at, "endIndex": at + 1},
                                            "inheritFromBefore": at > 1}})  # row 2: the format of the row below
            out.append({"updateCells": {"rows": [{"values": row_cells}], "fields": "userEnteredValue",
                                        "start": {"sheetId": lay.sheet_id, "rowIndex": at, "columnIndex": 0}}})
            placed[(sheet, f.row)] = at + 1
            ctx.resize(sheet, 1)
    return out, placed


def emptied_row_deletes(ctx: Context, plan: Plan, before: Mapping[tuple[str, int], SheetRow],
                        landed: rowmeta.Landed, inserts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``deleteDimension`` for rows this sync emptied (a task moved to the other sheet, deleted, or on no
    sheet), so no blank row is left behind; sent last in the structural batch, bottom row first.

    A row is deleted only when it is certainly the emptied one: it has an anchor, so its clearing was
    addressed by row metadata, and that write's response put it where the ID-check read saw it and shows
    it empty; it held nothing outside the synced columns. The position is then one round trip old, and
    only the spreadsheet's owner can insert or delete rows in between (the ID column's protection
    refuses managers), so a manager's edit in a row below is never lost: it moves up with its row.
    Any doubt leaves the row blank, as before (harmless: a gap is reused by the next new row).
    Positions are moved past ``inserts`` (the insertDimension requests before them in the batch).
    """
    rows: set[tuple[str, int]] = {(a.sheet, a.row) for a in plan.of(ClearRow)}
    rows |= {(a.sheet, a.row) for a in plan.of(CreateTask) if a.target is not None and a.target != (a.sheet, a.row)}
    written = {(a.sheet, a.row) for a in plan.of(WriteCell)}  # (notes go first in the batch: no matter)
    written |= {(a.sheet, a.row) for a in plan.of(AppendRow)}
    written |= {a.target for a in plan.of(CreateTask) if a.target is not None}
    out: list[tuple[int, int]] = []
    for sheet, row in sorted(rows - written):
        lay = ctx.layouts.get(sheet)
        was = before.get((sheet, row))
        if lay is None or lay.sheet_id is None or was is None or was.other or row <= 1:
            continue
        if (sheet, row) not in (ctx.row_ids or {}) or landed.landed.get((sheet, row)) != row:
            continue
        got = landed.after.get((sheet, row))
        if got is None or not all(rowmeta.same_cell(v, "") for v in got):
            continue
        at = row - 1
        for i in inserts:
            rng = i.get("insertDimension", {}).get("range", {})
            if rng.get("sheetId") == lay.sheet_id and rng.get("startIndex", at + 1) <= at:
                at += 1
        out.append((lay.sheet_id, at))
        ctx.resize(sheet, -1)
    return [{"deleteDimension": {"range": {"sheetId": sid, "dimension": "ROWS", "startIndex": at, "endIndex": at + 1}}}
            for sid, at in sorted(out, key=lambda x: (x[0], -x[1]))]


def _formulas(ctx: Context, sheet: str, row: int) -> list[dict[str, Any]]:
    lay = ctx.layouts[sheet]
    if not lay.computed or lay.sheet_id is None or ctx.templates is None:
        return []
    out = []
    for key, col in lay.computed.items():
        template = ctx.templates[sheet].column(key).formula
        if template is None:  # a column sheetsync writes itself (the stage clock), not a formula
            continue
        text = ctx.templates.formula(sheet, template, row, ctx.locale)
        out.append({"updateCells": {"rows": [{"values": [{"userEnteredValue": {"formulaValue": text}}]}],
                                    "fields": "userEnteredValue",
                                    "start": {"sheetId": lay.sheet_id, "rowIndex": row - 1, "columnIndex": col}}})
    return out


def grow_requests(ctx: Context, plan: Plan) -> list[dict[str, Any]]:
    """appendDimension for sheets whose grid is too short for a row the plan writes or inserts at."""
    need: dict[str, int] = {}
    in_place = written_in_place(plan)
    for a in plan.actions:
        if isinstance(a, AppendRow):  # inserting at the end needs no growth; writing there does
            need[a.sheet] = max(need.get(a.sheet, 0), a.row - (0 if a.key in in_place else 1))
        elif isinstance(a, CreateTask) and a.target is not None:
            need[a.target[0]] = max(need.get(a.target[0], 0), a.target[1])
    out = []
    for sheet, row in need.items():
        lay = ctx.layouts[sheet]
        if lay.row_count is not None and lay.sheet_id is not None and row > lay.row_count:
            extra = row - lay.row_count + 100
            out.append({"appendDimension": {"sheetId": lay.sheet_id, "dimension": "ROWS", "length": extra}})
            ctx.resize(sheet, extra)
    return out


def create_tasks(ctx: Context, plan: Plan, keys: Mapping[str, str], out: Outcome,
                 skip: frozenset[str] = frozenset()) -> None:
    for a in plan.of(CreateTask):
        if a.token in skip:
            continue  # its ID was taken back (the row moved under the write): the next sync creates it
        key = keys[a.token]
        out.touched.add(key)
        fields = {f: _store_value(f, v, ctx.types.get(f, FieldType("text"))) for f, v in a.values.items()
                  if f in ctx.types}
        try:
            ctx.store.tasks.create(ctx.slug, fields, key=key, origin="sheet", actor=ctx.actor)
        except DuplicateKeyError:
            pass  # created by an earlier, interrupted run: the reserved key makes this idempotent
        out.created[a.token] = key


def record_base(ctx: Context, plan: Plan, keys: Mapping[str, str],
                adjust: Mapping[tuple[str, str, str], Any] | None = None, skip: frozenset[str] = frozenset()) -> None:
    rows: dict[tuple[str, str, str], Any] = {}
    for key, b in plan.base.items():
        for f, v in b.values.items():
            rows[(b.sheet, key, f)] = v
    view: dict[str, Any] | None = {k: b for k, b in plan.base.items() if b.values}  # as read back from rows
    for a in plan.of(CreateTask):
        if a.target is not None and a.token not in skip:
            for f, v in a.base_values.items():
                rows[(a.target[0], keys[a.token], f)] = v
            if view is not None and a.base_values:
                if keys[a.token] in view:
                    view = None
                else:
                    view[keys[a.token]] = BaseRow(a.target[0], dict(a.base_values))
    if adjust:
        view = None  # writes that fell on another row: rebuilt from the rows next time
    ctx.new_view = view
    for k, v in (adjust or {}).items():  # writes that fell on another row (misplaced.py)
        if v is misplaced.DROP:
            rows.pop(k, None)
        else:
            rows[k] = v
    if ctx.old_base is None:
        ctx.store.sync.replace_base(ctx.spreadsheet_id, rows)
        ctx.new_base = rows
        return
    # only the difference from the base read for planning; cells written since (pulled values, ~pending)
    # are named so they are upserted / dropped whatever the old base said
    dirty = {(plan.base[a.key].sheet if a.key in plan.base else PENDING, a.key, a.field)
             for a in plan.of(UpdateStoreField)}
    ctx.store.sync.set_base(ctx.spreadsheet_id, rows, ctx.old_base, dirty=dirty, drop_sheets=(PENDING,))
    ctx.new_base = rows


def claims(ctx: Context, plan: Plan) -> dict[tuple[str, int], dict[int, Any]]:
    """For each person's new row getting its ID in place: column -> the cell as the ID-check read saw it,
    for the synced columns this write leaves alone (what the write's response must still show there)."""
    out: dict[tuple[str, int], dict[int, Any]] = {}
    if ctx.raw is None:
        return out
    for a in plan.of(CreateTask):
        if a.target != (a.sheet, a.row):
            continue
        lay = ctx.layouts[a.sheet]
        grid = ctx.raw.get(a.sheet) or []
        line = grid[a.row - 1] if a.row - 1 < len(grid) else []
        written = {lay.columns[f] for f in (KEY_FIELD, *a.cells) if f in lay.columns}
        out[(a.sheet, a.row)] = {c: (line[c] if c < len(line) else "") for f, c in lay.columns.items()
                                 if c not in written}
    return out


def take_back(ctx: Context, plan: Plan, keys: Mapping[str, str], landed: rowmeta.Landed, warnings: list[str]
              ) -> tuple[frozenset[str], dict[tuple[str, str, str], Any]]:
    """Undo IDs written into rows that were not the person's new row any more (rows moved in between).

    The row that got the ID is found by its own row metadata (one read): a task's row gets its key
    back, written through that metadata; any other row gets its ID cell emptied (and the cells we
    wrote, when the row is otherwise empty). The new task is not created now: its row, wherever it
    went, still has no ID, and the next sync creates it. The cells we wrote on another task's row are
    recorded as our pending write, so the next sync puts that task's values back. Returns the tokens
    not to create and the base adjustments.
    """
    skip: set[str] = set()
    adjust: dict[tuple[str, str, str], Any] = {}
    if not landed.claims_moved:
        return frozenset(), adjust
    by_row = {(a.sheet, a.row): a for a in plan.of(CreateTask) if a.target == (a.sheet, a.row)}
    by_id = {mid: at for at, mid in (ctx.row_ids or {}).items()}
    ranges: list[tuple[str, list[list[Any]]]] = []
    ids: dict[tuple[str, int], int] = {}
    for at, now, got in landed.claims_moved:
        a = by_row[at]
        lay = ctx.layouts[at[0]]
        key_col = lay.columns[KEY_FIELD]
        owner, mid = None, None
        for m in rowmeta.ids_on_row(ctx.sheets, ctx.spreadsheet_id, lay, now):
            was = by_id.get(m)
            grid = (ctx.raw or {}).get(at[0]) or []
            line = grid[was[1] - 1] if was and was[0] == at[0] and was[1] - 1 < len(grid) else []
            if key_col < len(line) and str(line[key_col]).strip():
                owner, mid = str(line[key_col]).strip().upper(), m
                break
        written = {lay.columns[f]: f for f in a.cells if f in lay.columns}
        ranges.append((a1_cell(lay.title, now, key_col + 1), [[owner or ""]]))
        if owner is not None:
            ids[(at[0], now)] = mid  # type: ignore[assignment]
            for f, v in a.cells.items():
                adjust[(PENDING, owner, f)] = v
        elif all(rowmeta.same_cell(v, "") for c, v in enumerate(got) if c != key_col and c not in written):
            ranges.extend((a1_cell(lay.title, now, c + 1), [[""]]) for c in written)
        skip.add(a.token)
        warnings.append(f"{at[0]}!{at[1]}: rows were inserted, deleted or sorted while the sync gave this new row its "
                        f"ID ({keys[a.token]}); the ID was taken back from {'task ' + owner if owner else 'that row'}, "
                        f"and the next sync creates the task")
    rowmeta.write_rows(ctx.sheets, ctx.spreadsheet_id, ctx.layouts, ranges, {}, ids)
    return frozenset(skip), adjust


def execute(ctx: Context, plan: Plan, before: Mapping[tuple[str, int], SheetRow],
            reread: Callable[[], dict[str, list[SheetRow]]],
            drive_check: Callable[[], bool] | None = None) -> Outcome:
    """Steps 1-8 of the module docstring. ``reread`` does the confirm read (one ``spreadsheets.get``).

    When the snapshot itself carried the row metadata (``ctx.row_ids`` already set), ``drive_check``
    (one Drive ``files.get``) replaces the confirm read while Drive shows the file as the listing before
    the snapshot did; the write is addressed by row metadata and checked in its own response either way.
    A change Drive has not published yet (lag) is not seen: that is the window of docs/sync.md "Races".
    """
    out = Outcome()
    keys = reserve_keys(ctx, plan)
    # inserted rows need no check, but their anchors need the sheet's metadata budget: same read
    if not (addressed_rows(plan) or plan.of(AppendRow)):
        pass
    elif ctx.row_ids is not None and drive_check is not None and drive_check():
        ctx.drive_ok = True
    else:
        fresh = reread()
        after = {(r.sheet, r.row): r for rows in fresh.values() for r in rows}
        problems = confirm(plan, before, after)
        if problems:
            log.info("%s: the sheet changed under the sync (%s); re-planning", ctx.slug, "; ".join(problems[:3]))
            return Outcome(applied=False, fresh=fresh, warnings=problems)
    apply_store_first(ctx, plan, keys, out)
    ranges, requests, fresh_rows = sheet_writes(ctx, plan, keys)
    grow = grow_requests(ctx, plan)
    if grow:
        _step(ctx, "grow")
        ctx.sheets.batch_update(ctx.spreadsheet_id, grow)
    landed = rowmeta.Landed()
    if ranges or fresh_rows:
        if ctx.stamp is not None:  # rides on the write we make anyway: no call of its own
            ranges.append((ctx.stamp[0], [[ctx.stamp[1]]]))
    if ranges:
        _step(ctx, "values")
        landed = rowmeta.write_rows(ctx.sheets, ctx.spreadsheet_id, ctx.layouts, ranges, misplaced.keys_at(before),
                                    ctx.row_ids or {}, claims(ctx, plan))
        out.cells_written += len(ranges)
    out.pushed = len(plan.of(WriteCell)) + sum(len(a.values) for a in plan.of(AppendRow))
    skip, taken = take_back(ctx, plan, keys, landed, out.warnings)
    adjust = {**misplaced.base_adjustments(ctx, plan, landed, out.warnings), **taken}
    ends: dict[str, int] = {}
    for (sheet, row), r in before.items():
        if not r.blank:
            ends[sheet] = max(ends.get(sheet, 1), row)
    inserts, placed = fresh_row_requests(ctx, fresh_rows, ends)
    fresh_at = {(f.sheet, placed[(f.sheet, f.row)]): f.key for f in fresh_rows}
    keyed = {at: k for at, k in misplaced.keyed_rows(plan, keys, before).items() if at not in placed}
    for a in plan.of(CreateTask):
        if a.token in skip:
            keyed.pop((a.sheet, a.row), None)
    meta = rowmeta.metadata_requests(ctx.layouts, keyed, ctx.row_ids, landed)
    deletes = emptied_row_deletes(ctx, plan, before, landed, inserts)
    if requests or inserts or deletes:
        _step(ctx, "structure")
        # by position first (the ID-check read's numbering), then the inserted rows, then the emptied rows
        # deleted; the row metadata rides along after them, its positions moved past the inserts and
        # deletes (dropped if Google refuses it)
        meta = [*rowmeta.shifted(meta, inserts), *rowmeta.fresh_anchor_requests(ctx.layouts, fresh_at, ctx.row_ids)]
        meta = rowmeta.after_deletes(meta, deletes)
        rowmeta.structural_update(ctx.sheets, ctx.spreadsheet_id, [*requests, *inserts, *deletes], meta,
                                  ctx.row_ids, out.warnings)
        meta = []
    _step(ctx, "create")
    create_tasks(ctx, plan, keys, out, skip)
    _step(ctx, "base")
    record_base(ctx, plan, keys, adjust, skip)
    rowmeta.add_metadata(ctx.sheets, ctx.spreadsheet_id, meta, out.warnings,  # after the base: may fail harmlessly
                         ctx.row_ids)
    return out


def _step(ctx: Context, name: str) -> None:
    if ctx.on_write is not None:
        ctx.on_write(name)


def token_of(spreadsheet_id: str, r: SheetRow) -> str:
    return row_token(spreadsheet_id, r.sheet, r.row, r.values, r.errors)


__all__ = ["Context", "Outcome", "confirm", "execute", "quote_sheet"]
