"""The sync's I/O: detect -> snapshot -> normalise -> plan -> execute -> record, per client and per cycle.

``SyncEngine(store, sheets)`` keeps what it learnt about each spreadsheet's layout between cycles
(sheet titles and ids, column positions), so a daemon's steady state costs, per cycle, one Drive
listing in total, and for a changed client one ``values:batchGet`` snapshot, one confirm read and
one ``values:batchUpdate`` (plus a ``:batchUpdate`` only for notes, formulas or a grid too short).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from ..provision.render import layout_of, serial
from ..sheets.a1 import a1_range
from ..sheets.a1 import cell as a1_cell
from ..sheets.errors import InvalidRequest, NotFound, SheetsError
from ..store.models import ReservedId
from ..templates import Templates, load_templates
from . import notes
from .actions import BaseRow
from .execute import PENDING, Context, execute
from .layout import (
    META_COLUMN,
    META_SHEET,
    SYNCED_KINDS,
    SheetLayout,
    map_columns,
    read_rows,
    store_field_types,
)
from .normalise import FieldType, from_store
from .plan import KEY_FIELD, Plan, Policy, SheetRow, SheetSnapshot, StoreTask, plan
from .rowmeta import GOOGLE_LIMIT, LIMIT_FIELD, Anchors, budget_notice, read_with_row_ids

log = logging.getLogger(__name__)

META_FIELDS = "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),developerMetadata)"


@dataclass
class SyncReport:
    """What one sync of one client (or, summed, of a cycle) did."""

    client: str = ""
    spreadsheet_id: str | None = None
    api_calls: int = 0
    reads: int = 0
    writes: int = 0
    cells_written: int = 0
    pulled: int = 0
    pushed: int = 0
    conflicts: int = 0
    errors: int = 0
    created: int = 0
    tombstoned: int = 0
    warnings: list[str] = field(default_factory=list)
    skipped: bool = False  # unchanged since the last sync: no Sheets call at all
    dry_run: bool = False
    replans: int = 0
    failed: str | None = None
    plan: Plan | None = None

    def __add__(self, other: SyncReport) -> SyncReport:
        out = SyncReport(client="(all)")
        for f in ("api_calls", "reads", "writes", "cells_written", "pulled", "pushed", "conflicts", "errors",
                  "created", "tombstoned", "replans"):
            setattr(out, f, getattr(self, f) + getattr(other, f))
        out.warnings = [*self.warnings, *other.warnings]
        return out


@dataclass
class CycleReport:
    """One cycle over every client: the Drive listing plus each client's report."""

    clients: list[SyncReport] = field(default_factory=list)
    api_calls: int = 0  # everything, the Drive listing included

    @property
    def total(self) -> SyncReport:
        out = SyncReport(client="(all)")
        for r in self.clients:
            out = out + r
        out.api_calls = self.api_calls
        return out


def policy_from_config(sync_config: Any | None) -> Policy:
    """A :class:`Policy` from the config's ``[sync]`` table (defaults when absent)."""
    if sync_config is None:
        return Policy()
    groups = {g: frozenset(fs) for g, fs in sync_config.field_groups.items()}
    winners = {g: w for g, w in sync_config.conflict_policy.items() if g != "default"}
    return Policy(groups=groups, winners=winners, default_winner=sync_config.default_winner,
                  mass_delete_max_rows=sync_config.mass_delete_max_rows,
                  mass_delete_max_share=sync_config.mass_delete_max_share,
                  mass_delete_min_rows=sync_config.mass_delete_min_rows)


class SyncEngine:
    """Two-way sync of every client's backlog and in-work sheets with the store."""

    def __init__(self, store: Any, sheets: Any, *, templates: Templates | None = None, policy: Policy | None = None,
                 actor: str = "sheetsync", max_replans: int = 3,
                 on_write: Callable[[str], None] | None = None,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
                 metadata_limit: int = GOOGLE_LIMIT,
                 after_sync: Callable[[Any, Mapping[str, SheetLayout]], list[str]] | None = None) -> None:
        self.store = store
        self.sheets = sheets
        self.templates = templates or load_templates()
        self.policy = policy or Policy()
        self.actor = actor
        self.max_replans = max_replans
        self.on_write = on_write
        self._base_read: dict[str, dict[tuple[str, str, str], Any]] = {}  # sid -> base as read by _plan
        self.clock = clock
        self._layouts: dict[str, dict[str, SheetLayout]] = {}
        self._cards: dict[str, str | None] = {}  # spreadsheet id -> the card sheet's title (None: no card)
        self.metadata_limit = metadata_limit  # developer-metadata characters per sheet (rowmeta.py's budget)
        self._meta_caps: dict[str, dict[str, int]] = {}  # sid -> kind -> budget learnt from Google refusing more
        self._no_migration: set[str] = set()  # sids where Google refused rewriting old-encoding row metadata
        self._notes_cleared: dict[str, list[int]] = {}  # sid -> resolved conflicts whose notes the plan takes off
        # after a sync that applied: sheetsync's own computed cells (the stage clock's "days in stage");
        # its failure is a warning, never the sync's
        self.after_sync = after_sync

    # --- a cycle ----------------------------------------------------------------------------------
    def cycle(self, slugs: Iterable[str] | None = None, *, dry_run: bool = False, force: bool = False) -> CycleReport:
        """Sync every (or the given) active client whose sheet or store changed since its last sync.

        One Drive listing finds the changed spreadsheets; the store's change counters the changed
        clients. A client unchanged on both sides costs no Sheets call. One client's failure is
        reported and never stops the others.

        Lossless under Drive lag (docs/sync.md "Change detection under Drive lag"): a run records the
        ``modifiedTime`` this listing showed, before its snapshot — never one produced by our own write
        or read after the snapshot — so any later edit is published with a value not seen before.
        """
        before = self.sheets.counts()
        clients = [c for c in self.store.clients.list(active=True) if c.spreadsheet_id]
        if slugs is not None:
            wanted = set(slugs)
            clients = [c for c in clients if c.slug in wanted]
        modified = {f.id: f.modified_time for f in self.sheets.list_modified()} if clients else {}
        counters = self.store.change_counters()
        report = CycleReport()
        for c in clients:
            mtime, counter = modified.get(c.spreadsheet_id), counters.get(c.slug)
            last = None if force or dry_run else self.store.sync.last_run(c.slug)
            if last is not None and mtime is not None and last.sheet_modified_time == mtime \
                    and last.store_change_id == counter:
                report.clients.append(SyncReport(client=c.slug, spreadsheet_id=c.spreadsheet_id, skipped=True))
                continue
            if mtime is None:
                report.clients.append(SyncReport(
                    client=c.slug, spreadsheet_id=c.spreadsheet_id, failed="spreadsheet not found in Drive",
                    warnings=[f"{c.slug}: spreadsheet {c.spreadsheet_id} is not visible to {self.sheets.identity} "
                              f"(deleted or unshared); run `sheetsync provision {c.slug}`"]))
                continue
            report.clients.append(self.sync_client(c.slug, dry_run=dry_run, modified_time=mtime, counter=counter))
        report.api_calls = (self.sheets.counts() - before).calls
        return report

    # --- one client -------------------------------------------------------------------------------
    def sync_client(self, slug: str, *, dry_run: bool = False, modified_time: str | None = None,
                    counter: int | None = None) -> SyncReport:
        client = self.store.clients.get(slug)
        sid = client.spreadsheet_id
        report = SyncReport(client=slug, spreadsheet_id=sid, dry_run=dry_run)
        if not sid:
            report.failed = "not provisioned"
            report.warnings.append(f"{slug} has no spreadsheet yet; run `sheetsync provision {slug}`")
            return report
        if counter is None:
            counter = self.store.change_counter(slug)
        before = self.sheets.counts()
        run = None if dry_run else self.store.sync.start_run(slug, spreadsheet_id=sid, store_change_id=counter,
                                                             sheet_modified_time=modified_time)
        status, message = "ok", ""
        try:
            self._sync(client, report, dry_run=dry_run, run_id=run.id if run else None)
        except Exception as e:  # noqa: BLE001 - one client's failure never stops the others
            if isinstance(e, NotFound | InvalidRequest):
                self._layouts.pop(sid, None)
            log.debug("sync of %s failed", slug, exc_info=True)  # the reason is in the report; the trace for debug
            status, message = "failed", str(e)
            report.failed = str(e)
            report.warnings.append(f"{slug}: sync failed: {e}")
        used = self.sheets.counts() - before
        report.api_calls, report.reads, report.writes = used.calls, used.reads, used.writes
        report.cells_written = used.cells_written
        if run is not None:
            self.store.sync.finish_run(run.id, status=status, message=message[:2000], api_calls=report.api_calls,
                                       cells_written=report.cells_written, pulled=report.pulled,
                                       pushed=report.pushed, conflicts=report.conflicts, errors=report.errors)
        return report

    def _sync(self, client: Any, report: SyncReport, *, dry_run: bool, run_id: int | None) -> None:
        sid, slug, locale = client.spreadsheet_id, client.slug, client.locale or "ru"
        layouts = self._layout(sid, locale)
        types = self._types()
        try:
            values = self._read(sid, layouts)
        except InvalidRequest:  # a synced sheet was renamed or deleted since we looked: look again
            self._layouts.pop(sid, None)
            layouts = self._layout(sid, locale)
            values = self._read(sid, layouts)
        for kind in SYNCED_KINDS:
            if kind not in layouts:
                report.warnings.append(f"{kind}: sheet not found in the spreadsheet; its tasks are left alone "
                                       f"(not deleted). Run `sheetsync provision {slug}` to restore it.")
        rows = self._rows(sid, layouts, values, types, locale, report)
        for _attempt in range(self.max_replans + 1):
            p = self._plan(client, layouts, rows)
            old_base = self._base_read.pop(sid, None)
            report.plan = p
            if dry_run:
                self._count(report, p)
                report.warnings.extend(p.warnings)
                return
            ctx = Context(self.store, self.sheets, slug, sid, locale, layouts, types, self.actor, run_id,
                          templates=self.templates, on_write=self.on_write, stamp=self._stamp(client),
                          old_base=old_base)
            before = {(r.sheet, r.row): r for rs in rows.values() for r in rs}

            def reread(ctx: Context = ctx) -> dict[str, list[SheetRow]]:
                values, ctx.row_ids = read_with_row_ids(  # + row metadata and its budget, same call
                    self.sheets, sid, layouts, limit=self.metadata_limit, caps=self._meta_caps.get(sid),
                    migrate=sid not in self._no_migration)
                ctx.raw = values  # the cells as read: a person's new row getting its ID is checked against them
                return self._rows(sid, layouts, values, types, locale, None)

            out = execute(ctx, p, before, reread)
            if out.applied:
                # the notes of resolved conflicts are off the sheet now (or their row is gone): never again
                self.store.sync.mark_notes_cleared(self._notes_cleared.pop(sid, []))
                self._count(report, p)
                report.pulled = out.pulled
                report.warnings.extend([*p.warnings, *out.warnings])
                self._row_identity(client, layouts, ctx.row_ids, report, run_id)
                self._after_sync(client, layouts, report)
                return
            report.replans += 1
            assert out.fresh is not None
            rows = out.fresh
        report.warnings.append(f"{slug}: the sheet kept changing during the sync ({report.replans} re-plans); "
                               f"nothing written this cycle, the next one tries again")

    def _row_identity(self, client: Any, layouts: Mapping[str, SheetLayout], anchors: Any, report: SyncReport,
                      run_id: int | None) -> None:
        """Learn from this cycle's row metadata; say so (report + `sheetsync status`) while rows go without."""
        if not isinstance(anchors, Anchors):
            return  # no ID-check read this cycle: nothing new is known
        sid, slug = client.spreadsheet_id, client.slug
        if anchors.refused:
            self._meta_caps.setdefault(sid, {}).update(anchors.refused)
        if anchors.migration_refused:
            self._no_migration.add(sid)
        full: dict[str, str] = {}
        for kind, lay in layouts.items():
            line = budget_notice(kind, lay.title, anchors)
            if line is not None:
                report.warnings.append(f"{slug}: {line}")
                full[kind] = budget_notice(kind, lay.title, anchors, counts=False) or line
        open_ = {e.sheet for e in self.store.sync.errors(slug) if e.field == LIMIT_FIELD}
        if open_ - set(full):  # a sheet has room again: close the notices, re-open those still full
            self.store.sync.resolve_errors(slug, field=LIMIT_FIELD)
            open_ = set()
        for kind, message in full.items():
            if kind not in open_:
                self.store.sync.add_error(slug, message=message, spreadsheet_id=sid, sheet=kind, field=LIMIT_FIELD,
                                          sync_run_id=run_id)

    def _after_sync(self, client: Any, layouts: Mapping[str, SheetLayout], report: SyncReport) -> None:
        if self.after_sync is None:
            return
        try:
            report.warnings.extend(self.after_sync(client, layouts) or [])
        except Exception as e:  # noqa: BLE001 - a computed column never fails the sync that wrote the data
            log.warning("after-sync step of %s failed: %s", client.slug, e)
            report.warnings.append(f"{client.slug}: the days-in-stage column was not refreshed ({e}); "
                                   f"the daily reminders job writes it again")

    @staticmethod
    def _count(report: SyncReport, p: Plan) -> None:
        c = p.counts()
        report.pushed, report.pulled = c["pushed"], c["pulled"]
        report.conflicts, report.errors = c["conflicts"], c["errors"]
        report.created, report.tombstoned = c["created"], c["tombstoned"]

    def _stamp(self, client: Any) -> tuple[str, float] | None:
        """The card's "last successful sync" cell and its value (a serial date-time in the client's zone).

        The executor adds it to the values write it makes anyway, so stamping costs no call; a sync
        that writes nothing to the sheet does not stamp (docs/sync.md: the card shows the last sync
        that wrote something).
        """
        title = self._cards.get(client.spreadsheet_id)
        if title is None:
            return None
        try:
            zone = ZoneInfo(client.timezone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        local = self.clock().astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
        r, c = layout_of(self.templates).last_sync
        return a1_cell(title, r + 1, c + 1), serial(local)

    # --- the sides as the planner sees them ----------------------------------------------------------
    def _plan(self, client: Any, layouts: Mapping[str, SheetLayout], rows: Mapping[str, list[SheetRow]]) -> Plan:
        sid = client.spreadsheet_id
        types = self._types()
        snapshot = SheetSnapshot(sid, {k: lay.fields for k, lay in layouts.items() if KEY_FIELD in lay.columns},
                                 [r for rs in rows.values() for r in rs], locale=client.locale or "ru",
                                 show=notes.shower(types, client.locale or "ru"))  # values in notes as shown
        fields = sorted(types)
        store_rows = {}
        for t in self.store.tasks.list(client.slug, include_deleted=True):
            store_rows[t.key] = StoreTask(t.key, {f: from_store(getattr(t, f, None), types[f]) for f in fields},
                                          t.deleted_at is not None)
        base: dict[str, BaseRow] = {}
        pending: dict[str, dict[str, Any]] = {}
        raw = self.store.sync.get_base(sid)
        self._base_read[sid] = raw  # record_base writes only the difference from it
        for (sheet, key, f), v in raw.items():
            if sheet == PENDING:
                pending.setdefault(key, {})[f] = v
                continue
            b = base.setdefault(key, BaseRow(sheet, {}))
            b.values[f] = v  # type: ignore[index]
        with self.store.session(readonly=True) as s:
            reserved = set(s.scalars(select(ReservedId.key).where(ReservedId.client_id == client.id,
                                                                  ReservedId.used.is_(False))))
        open_errors = {(e.row_key, e.field): e.message for e in self.store.sync.errors(client.slug)
                       if e.spreadsheet_id == sid and e.row_key and e.field}
        resolved = [c for c in self.store.sync.notes_to_clear(client.slug) if not c.entity_key.startswith("INV-")]
        self._notes_cleared[sid] = [c.id for c in resolved]
        return plan(base, snapshot, store_rows, self.policy, reserved=reserved, open_errors=open_errors,
                    pending=pending, resolved_notes=[(c.entity_key, c.field) for c in resolved])

    def _types(self) -> dict[str, FieldType]:
        return store_field_types(self.store, self.templates)

    # --- reading the sheet -------------------------------------------------------------------------
    def _layout(self, sid: str, locale: str) -> dict[str, SheetLayout]:
        """Titles, ids and grid sizes of the synced sheets, found by ``sheetsync.sheet`` metadata (cached)."""
        cached = self._layouts.get(sid)
        if cached is not None:
            return cached
        meta = self.sheets.get_metadata(sid, META_FIELDS)
        found: dict[str, SheetLayout] = {}
        self._cards[sid] = None
        for s in meta.get("sheets") or []:
            props = s.get("properties", {})
            kinds = [m.get("metadataValue") for m in s.get("developerMetadata") or []
                     if m.get("metadataKey") == META_SHEET]
            if "card" in kinds and self._cards[sid] is None:
                self._cards[sid] = props["title"]
            for kind in kinds:
                if kind in SYNCED_KINDS and kind not in found:
                    found[kind] = SheetLayout(kind, props["title"], props.get("sheetId"),
                                              props.get("gridProperties", {}).get("rowCount"))
        if not found:  # no metadata (a hand-made spreadsheet): by title
            titles = {props["title"]: props for props in (s.get("properties", {}) for s in meta.get("sheets") or [])}
            for kind in SYNCED_KINDS:
                spec = self.templates[kind]
                for t in (spec.title.get(locale), spec.title.ru, spec.title.en):
                    if t in titles:
                        props = titles[t]
                        found[kind] = SheetLayout(kind, t, props.get("sheetId"),
                                                  props.get("gridProperties", {}).get("rowCount"))
                        break
        self._layouts[sid] = found
        return found

    def _read(self, sid: str, layouts: Mapping[str, SheetLayout]) -> dict[str, list[list[Any]]]:
        kinds = list(layouts)
        got = self.sheets.snapshot(sid, [a1_range(layouts[k].title) for k in kinds])
        return {k: got[a1_range(layouts[k].title)] for k in kinds}

    def _rows(self, sid: str, layouts: dict[str, SheetLayout], values: Mapping[str, list[list[Any]]],
              types: Mapping[str, FieldType], locale: str, report: SyncReport | None) -> dict[str, list[SheetRow]]:
        out: dict[str, list[SheetRow]] = {}
        for kind, lay in layouts.items():
            grid = values.get(kind) or []
            header = grid[0] if grid else []
            spec = self.templates[kind]
            cols, computed, missing = map_columns(spec, header)
            if missing:  # a header was edited or a column deleted: ask the column metadata
                cols, computed, missing = map_columns(spec, header, self._meta_columns(sid, lay))
            lay.columns, lay.computed, lay.missing = cols, computed, missing
            if missing and report is not None:
                report.warnings.append(
                    f"{kind}: column(s) {', '.join(missing)} not found (renamed header or deleted column); those "
                    f"fields are not synced until `sheetsync provision` repairs the sheet")
            if KEY_FIELD not in cols:
                if report is not None:
                    report.warnings.append(f"{kind}: the ID column is missing; this sheet is not synced. "
                                           f"Run `sheetsync provision` to repair it.")
                continue
            out[kind] = read_rows(lay, grid, types, locale)
        return out

    def _meta_columns(self, sid: str, lay: SheetLayout) -> dict[str, int]:
        """Column key -> index from ``sheetsync.column`` developer metadata on this sheet (one call)."""
        body = {"dataFilters": [{"developerMetadataLookup": {
            "metadataKey": META_COLUMN, "metadataLocation": {"dimensionRange": {"sheetId": lay.sheet_id,
                                                                                 "dimension": "COLUMNS"}},
            "locationMatchingStrategy": "INTERSECTING_LOCATION"}}]}
        try:
            data = self.sheets.request(
                "POST", f"https://sheets.googleapis.com/v4/spreadsheets/{sid}/developerMetadata:search",
                json_body=body, what=f"spreadsheet {sid}") or {}
        except SheetsError as e:
            log.warning("column metadata of %s unavailable: %s", sid, e)
            return {}
        out: dict[str, int] = {}
        for m in data.get("matchedDeveloperMetadata") or []:
            md = m.get("developerMetadata", {})
            dr = md.get("location", {}).get("dimensionRange", {})
            if md.get("metadataKey") == META_COLUMN and dr.get("sheetId") == lay.sheet_id:
                out[md.get("metadataValue")] = dr.get("startIndex", 0)
        return out

