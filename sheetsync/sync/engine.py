"""The sync's I/O: detect -> snapshot -> normalise -> plan -> execute -> record, per client and per cycle.

``SyncEngine(store, sheets)`` keeps what it learnt about each spreadsheet's layout between cycles
(sheet titles and ids, column positions), so a daemon's steady state costs, per cycle, one Drive
listing in total, and for a changed client one snapshot read, a Drive ``files.get`` in place of the
confirm read (docs/sync.md "Our own pull and our own write") and one ``values:batchUpdate`` (plus a
``:batchUpdate`` only for notes, formulas, inserted rows or a grid too short).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..provision.render import layout_of, serial
from ..sheets.a1 import a1_range
from ..sheets.a1 import cell as a1_cell
from ..sheets.errors import InvalidRequest, NotFound, SheetsError
from ..store.values import dumps, loads
from ..templates import Templates, load_templates
from . import notes
from .actions import BaseRow
from .execute import PENDING, Context, execute
from .layout import (
    META_COLUMN,
    META_SHEET,
    SYNCED_KINDS,
    SheetLayout,
    field_types,
    map_columns,
    read_rows,
    store_vocabularies,
)
from .normalise import FieldType, from_store
from .plan import KEY_FIELD, Plan, Policy, SheetRow, SheetSnapshot, StoreTask, plan
from .rowmeta import GOOGLE_LIMIT, LIMIT_FIELD, Anchors, budget_notice, read_with_row_ids

if TYPE_CHECKING:
    from sheetsync.ports import SheetsPort, StorePort

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
    touched: set[str] = field(default_factory=set)  # task keys this run changed in the store

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

    def extend(self, other: CycleReport) -> None:
        """Add another cycle's clients and calls (one cycle per account of a pool)."""
        self.clients += other.clients
        self.api_calls += other.api_calls

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


@dataclass(frozen=True)
class Planned:
    """One plan of a client's sheet, with what the engine read to make it and needs again once it applied."""

    plan: Plan
    old_base: Mapping[tuple[str, str, str], Any] | None  # the base as read: record_base writes only the difference
    notes_cleared: list[int] = field(default_factory=list)  # resolved conflicts whose notes the plan takes off


def split_base(raw: Mapping[tuple[str, str, str], Any]) -> tuple[dict[str, BaseRow], dict[str, dict[str, Any]]]:
    """The base as the table holds it ((sheet, key, field) -> value) as the planner takes it: key -> the row
    agreed on, and key -> the values of a write that may not have landed (the ``PENDING`` rows)."""
    sheets: dict[str, str] = {}
    values: dict[str, dict[str, Any]] = {}
    pending: dict[str, dict[str, Any]] = {}
    for (sheet, key, f), v in raw.items():
        if sheet == PENDING:
            pending.setdefault(key, {})[f] = v
            continue
        sheets.setdefault(key, sheet)  # the first sheet seen for a key is its row's
        values.setdefault(key, {})[f] = v
    return {key: BaseRow(sheets[key], vals) for key, vals in values.items()}, pending


@dataclass(frozen=True)
class Due:
    """A client whose sheet or store changed since its last sync, with what the listing showed (JSON-able:
    the daemon passes it to a job)."""

    client: str
    modified_time: str | None
    version: int | None
    counter: int | None  # the store's change counter for the client when it was found due
    store_moved: bool


class ClientGate(Protocol):
    """Say over each client's sync in a cycle: "may I sync this client now?" (the daemon: its stop signal,
    its log line). Returns ``sync()``'s report, or a skipped one without calling it."""

    def __call__(self, slug: str, sync: Callable[[], SyncReport]) -> SyncReport: ...


class SyncEngine:
    """Two-way sync of every client's backlog and in-work sheets with the store."""

    def __init__(self, store: StorePort, sheets: SheetsPort, *, templates: Templates | None = None, policy: Policy | None = None,
                 actor: str = "sheetsync", max_replans: int = 3,
                 on_write: Callable[[str], None] | None = None,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
                 metadata_limit: int = GOOGLE_LIMIT, backstop_minutes: float = 60.0,
                 backstop_per_cycle: int = 5,
                 after_sync: Callable[[Any, Mapping[str, SheetLayout]], list[str]] | None = None,
                 gate: ClientGate | None = None, listing_margin_minutes: float = 10.0,
                 full_listing_minutes: float = 15.0) -> None:
        self.store = store
        self.sheets = sheets
        self.templates = templates or load_templates()
        self.policy = policy or Policy()
        self.actor = actor
        self.max_replans = max_replans
        self.on_write = on_write
        self.clock = clock
        self._layouts: dict[str, dict[str, SheetLayout]] = {}
        self._cards: dict[str, str | None] = {}  # spreadsheet id -> the card sheet's title (None: no card)
        self.metadata_limit = metadata_limit  # developer-metadata characters per sheet (rowmeta.py's budget)
        self._meta_caps: dict[str, dict[str, int]] = {}  # sid -> kind -> budget learnt from Google refusing more
        self._no_migration: set[str] = set()  # sids where Google refused rewriting old-encoding row metadata
        # after a sync that applied: sheetsync's own computed cells (the stage clock's "days in stage");
        # its failure is a warning, never the sync's
        self.after_sync = after_sync
        self.gate = gate  # consulted by cycle() before each client's sync
        # kept between cycles so a changed cell costs CPU for what changed, not for the whole sheet; each is
        # checked against the store before use (docs/sync.md "CPU"), and bounded by the clients synced
        self._types_cache: tuple[Any, dict[str, FieldType]] | None = None  # (dynamic lists, field types)
        self._row_memo: dict[tuple[str, str], tuple[Any, dict[tuple[Any, ...], Any]]] = {}  # (sid, kind)
        self._store_views: dict[str, tuple[Any, dict[str, tuple[int, StoreTask]]]] = {}  # slug -> versions
        # sid -> (run id, base as the table holds it, the planner's view of it when known)
        self._bases: dict[str, tuple[int, dict[tuple[str, str, str], Any], dict[str, BaseRow] | None]] = {}
        # our own write is told apart by Drive's version (docs/sync.md "Our own write"); what the run expects
        # is kept with the run in the store, so a restart or another worker skips it too
        self.backstop = dt.timedelta(minutes=backstop_minutes)  # a client skipped so is read within this
        self.backstop_per_cycle = backstop_per_cycle  # at most this many such reads per cycle (spare quota)
        # the Drive listing (docs/sync.md "One listing per cycle"): every file as last listed, refreshed by a
        # listing of what Drive shows as modified since the newest time it ever showed us, less the margin
        self._listing: dict[str, tuple[str, int]] = {}  # sid -> (modifiedTime, version) as Drive last showed
        self._newest_listed = ""  # the newest modifiedTime any listing showed (Drive's clock, RFC 3339)
        self._full_listing_at: dt.datetime | None = None
        self.listing_margin = dt.timedelta(minutes=listing_margin_minutes)  # must exceed Drive's lag (~3 min)
        self.full_listing_every = dt.timedelta(minutes=full_listing_minutes)  # deleted and unshared files show

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
        report = CycleReport()
        for item in self.due(slugs, dry_run=dry_run, force=force):
            report.clients.append(item if isinstance(item, SyncReport) else self.run_due(item, dry_run=dry_run))
        report.api_calls = (self.sheets.counts() - before).calls
        return report

    def due(self, slugs: Iterable[str] | None = None, *, dry_run: bool = False,
            force: bool = False) -> list[SyncReport | Due]:
        """The first half of a cycle, with no Sheets call but the one Drive listing: per client, in order,
        either a report saying it needs nothing (skipped, or not visible in Drive) or a :class:`Due` to
        run with :meth:`run_due` — here, or as a job on another worker (the daemon's tick on PostgreSQL)."""
        clients = [c for c in self.store.clients.list(active=True) if c.spreadsheet_id]
        if slugs is not None:
            wanted = set(slugs)
            clients = [c for c in clients if c.slug in wanted]
        listing = self._list_files([c.spreadsheet_id for c in clients if c.spreadsheet_id]) if clients else {}
        counters = self.store.change_counters()
        lasts = {} if force or dry_run else self.store.sync.last_runs()  # one query for every client
        out: list[SyncReport | Due] = []
        now = self.clock()
        backstops = self.backstop_per_cycle
        for c in clients:
            sid = c.spreadsheet_id
            mtime, version = listing.get(sid or "", (None, None))  # not (or no longer) visible to us
            counter = counters.get(c.slug)
            last = lasts.get(c.slug)
            if last is not None and mtime is not None and last.store_change_id == counter:
                if last.sheet_modified_time == mtime:
                    out.append(SyncReport(client=c.slug, spreadsheet_id=sid, skipped=True))
                    continue
                own = self._own_write(last, version, now)
                if own == "skip" or (own == "backstop" and backstops <= 0):
                    out.append(SyncReport(client=c.slug, spreadsheet_id=sid, skipped=True))
                    continue
                backstops -= own == "backstop"
            if mtime is None:
                out.append(SyncReport(
                    client=c.slug, spreadsheet_id=c.spreadsheet_id, failed="spreadsheet not found in Drive",
                    warnings=[f"{c.slug}: spreadsheet {c.spreadsheet_id} is not visible to {self.sheets.identity} "
                              f"(deleted or unshared); run `sheetsync provision {c.slug}`"]))
                continue
            out.append(Due(c.slug, mtime, version, counter, last is None or last.store_change_id != counter))
        return out

    def run_due(self, due: Due, *, dry_run: bool = False) -> SyncReport:
        """Sync one client :meth:`due` found changed (through the gate, when there is one)."""
        sync = partial(self.sync_client, due.client, dry_run=dry_run, modified_time=due.modified_time,
                       counter=due.counter, version=due.version, store_moved=due.store_moved)
        return sync() if self.gate is None else self.gate(due.client, sync)

    def _list_files(self, wanted: list[str]) -> Mapping[str, tuple[str | None, int | None]]:
        """Every spreadsheet's (modifiedTime, version) as Drive shows it now, from one listing.

        The listing asks only for what Drive shows as modified after the newest ``modifiedTime`` it ever
        showed us less ``listing_margin`` (Drive's clock, so our clock's skew does not matter); the other
        files keep what the last listing showed, which is what an unchanged file shows still. Lossless under
        Drive's lag: an edit Drive had not published at our last listing is published with its own time,
        which is later than the newest time listed then less the lag — so a margin over the lag catches it.
        A full listing — the first, every ``full_listing_every``, and whenever a client's spreadsheet is not
        among the files known — drops files that were deleted or unshared, and bounds what a lag longer than
        the margin could delay (never lose: the edit stays in the sheet and differs from the base).
        """
        now = self.clock()
        full = (self._full_listing_at is None or now - self._full_listing_at >= self.full_listing_every
                or any(sid not in self._listing for sid in wanted))
        since = None
        if not full and self._newest_listed:
            newest = dt.datetime.fromisoformat(self._newest_listed.replace("Z", "+00:00"))
            since = newest - self.listing_margin
        files = self.sheets.list_modified(since=since)
        if since is None:
            self._listing = {}
            self._full_listing_at = now
        for f in files:
            self._listing[f.id] = (f.modified_time, f.version)
            self._newest_listed = max(self._newest_listed, f.modified_time)
        return self._listing

    def _own_write(self, last: Any, version: int | None, now: dt.datetime) -> str:
        """Whether what Drive now shows is our own last write and nothing else: "skip", "backstop" (it is,
        but the client has gone unread for ``backstop`` since the write: read it when quota allows) or "read".

        The last run saw Drive at (``last.sheet_modified_time``, v) just before its write (a ``files.get``
        right before the write showed the same), and made n Sheets writes Google applied; Drive's
        ``version`` "reflects every change", so v + n (``last.expected_version``, kept with the run) means
        nothing else changed. Anything else — a person's edit coalesced with ours, a refresh that split our
        writes, a run that could not tell — reads the sheet. The backstop bounds what an unverified
        assumption about Google's version could cost: latency, never the edit (it stays in the sheet and
        differs from the base, so the read pulls it).
        """
        if version is None or last.written_at is None or last.expected_version != version:
            return "read"
        return "backstop" if now - last.written_at >= self.backstop else "skip"

    # --- one client -------------------------------------------------------------------------------
    def sync_client(self, slug: str, *, dry_run: bool = False, modified_time: str | None = None,
                    counter: int | None = None, version: int | None = None, store_moved: bool = False
                    ) -> SyncReport:
        """Sync one client. ``modified_time``/``version``: what the cycle's listing showed (before the
        snapshot); ``store_moved``: the store changed since the last run, so a write is likely and the
        snapshot reads the row metadata too (one ``spreadsheets.get`` instead of ``values:batchGet``)."""
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
        seen = (modified_time, version) if modified_time is not None and version is not None else None
        drive_ok = False
        try:
            drive_ok = self._sync(client, report, dry_run=dry_run, run_id=run.id if run else None, seen=seen,
                                  with_ids=store_moved)
        except Exception as e:  # noqa: BLE001 - one client's failure never stops the others
            self._bases.pop(sid, None)  # the base may be half-written: read it from the store next time
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
            extra: dict[str, Any] = {}
            if status == "ok" and drive_ok and seen is not None and used.errors == 0 and used.sheets_writes_ok > 0:
                # Drive showed nothing new just before our write: once it shows exactly our writes more, the
                # next cycle (of any engine: it is kept with the run) need not read the sheet
                extra.update(expected_version=seen[1] + used.sheets_writes_ok, written_at=self.clock())
            if status == "ok" and report.touched and counter is not None:
                # our own pull moved the counter: record past it, or the next cycle reads the sheet for nothing
                own = self.store.own_counter(slug, counter, actor=self.actor, keys=sorted(report.touched))
                if own is not None and own != counter:
                    extra["store_change_id"] = own
            self.store.sync.finish_run(run.id, status=status, message=message[:2000], api_calls=report.api_calls,
                                       cells_written=report.cells_written, pulled=report.pulled,
                                       pushed=report.pushed, conflicts=report.conflicts, errors=report.errors,
                                       **extra)
        return report

    def _sync(self, client: Any, report: SyncReport, *, dry_run: bool, run_id: int | None,
              seen: tuple[str, int] | None = None, with_ids: bool = False) -> bool:
        """One client's sync; True when its write went out after a Drive check that showed nothing new."""
        sid, slug, locale = client.spreadsheet_id, client.slug, client.locale or "ru"
        layouts = self._layout(sid, locale)
        types = self._types()
        with_ids = with_ids and not dry_run

        def snapshot() -> tuple[dict[str, list[list[Any]]], Any]:
            if not with_ids:
                return self._read(sid, layouts), None
            return read_with_row_ids(self.sheets, sid, layouts, limit=self.metadata_limit,
                                     caps=self._meta_caps.get(sid), migrate=sid not in self._no_migration)

        try:
            values, snap_ids = snapshot()
        except InvalidRequest:  # a synced sheet was renamed or deleted since we looked: look again
            self._layouts.pop(sid, None)
            layouts = self._layout(sid, locale)
            values, snap_ids = snapshot()
        for kind in SYNCED_KINDS:
            if kind not in layouts:
                report.warnings.append(f"{kind}: sheet not found in the spreadsheet; its tasks are left alone "
                                       f"(not deleted). Run `sheetsync provision {slug}` to restore it.")
        layouts, rows = self._rows(sid, layouts, values, types, locale, report)
        self._layouts[sid] = layouts
        for _attempt in range(self.max_replans + 1):
            planned = self._plan(client, layouts, rows, run_id)
            p = planned.plan
            report.plan = p
            if dry_run:
                self._count(report, p)
                report.warnings.extend(p.warnings)
                return False
            ctx = Context(self.store, self.sheets, slug, sid, locale, dict(layouts), types, self.actor, run_id,
                          templates=self.templates, on_write=self.on_write, stamp=self._stamp(client),
                          old_base=planned.old_base)
            if snap_ids is not None:  # the snapshot carried the row metadata: no ID-check read when Drive agrees
                ctx.row_ids, ctx.raw, snap_ids = snap_ids, values, None
            before = {(r.sheet, r.row): r for rs in rows.values() for r in rs}

            def reread(ctx: Context = ctx) -> dict[str, list[SheetRow]]:
                values, ctx.row_ids = read_with_row_ids(  # + row metadata and its budget, same call
                    self.sheets, sid, ctx.layouts, limit=self.metadata_limit, caps=self._meta_caps.get(sid),
                    migrate=sid not in self._no_migration)
                ctx.raw = values  # the cells as read: a person's new row getting its ID is checked against them
                ctx.layouts, rows = self._rows(sid, ctx.layouts, values, types, locale, None)
                self._layouts[sid] = ctx.layouts
                return rows

            def drive_check(seen: tuple[str, int] | None = seen) -> bool:
                """Drive shows the file as the listing before the snapshot did (one Drive call)."""
                return seen is not None and self.sheets.file_version(sid) == seen

            try:
                out = execute(ctx, p, before, reread, drive_check)
            finally:  # the executor resized grids (rows inserted, deleted, appended): keep what it learnt
                self._layouts[sid] = layouts = ctx.layouts
            if out.applied:
                # the notes of resolved conflicts are off the sheet now (or their row is gone): never again
                self.store.sync.mark_notes_cleared(planned.notes_cleared)
                self._count(report, p)
                report.pulled = out.pulled
                report.touched = out.touched
                if run_id is not None and ctx.new_base is not None:  # as get_base would return it
                    self._bases[sid] = (run_id, {k: v if v is None or isinstance(v, str) else loads(dumps(v))
                                                 for k, v in ctx.new_base.items()}, ctx.new_view)
                report.warnings.extend([*p.warnings, *out.warnings])
                self._row_identity(client, layouts, ctx.row_ids, report, run_id)
                self._after_sync(client, layouts, report)
                return ctx.drive_ok
            report.replans += 1
            assert out.fresh is not None
            rows = out.fresh
        report.warnings.append(f"{slug}: the sheet kept changing during the sync ({report.replans} re-plans); "
                               f"nothing written this cycle, the next one tries again")
        return False

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
                                   f"the daily stage-clock job writes it again")

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
    def _store_view(self, slug: str, types: Mapping[str, FieldType]) -> dict[str, StoreTask]:
        """The client's tasks in canonical form; only tasks whose version moved since the last cycle are
        loaded and converted again (every store write bumps a task's version)."""
        fields = sorted(types)

        def view(t: Any) -> StoreTask:
            return StoreTask(t.key, {f: from_store(getattr(t, f, None), types[f]) for f in fields},
                             t.deleted_at is not None)

        tag = self._types_cache[0] if self._types_cache else None
        cached = self._store_views.get(slug)
        versions = self.store.tasks.versions(slug)
        if cached is None or cached[0] != tag:
            views = {t.key: (t.version, view(t)) for t in self.store.tasks.list(slug, include_deleted=True)}
        else:
            views = {k: v for k, v in cached[1].items() if k in versions}
            stale = [k for k, ver in versions.items() if k not in views or views[k][0] != ver]
            if len(stale) > 500:
                views = {t.key: (t.version, view(t)) for t in self.store.tasks.list(slug, include_deleted=True)}
            elif stale:
                for t in self.store.tasks.list(slug, include_deleted=True, keys=stale):
                    views[t.key] = (t.version, view(t))
        self._store_views[slug] = (tag, views)
        return {k: v for k, (_ver, v) in views.items()}

    def _base(self, slug: str, sid: str, run_id: int | None
              ) -> tuple[dict[tuple[str, str, str], Any], dict[str, BaseRow] | None]:
        """The spreadsheet's base (and the planner's view of it, when kept): kept from our own last run when
        no other run of the client came between (another process, a failed or interrupted run); else read
        from the store."""
        cached = self._bases.pop(sid, None)
        if cached is not None and run_id is not None and self.store.sync.previous_run_id(slug, run_id) == cached[0]:
            return cached[1], cached[2]
        return self.store.sync.get_base(sid), None

    def _plan(self, client: Any, layouts: Mapping[str, SheetLayout], rows: Mapping[str, list[SheetRow]],
              run_id: int | None = None) -> Planned:
        sid = client.spreadsheet_id
        types = self._types()
        snapshot = SheetSnapshot(sid, {k: lay.fields for k, lay in layouts.items() if KEY_FIELD in lay.columns},
                                 [r for rs in rows.values() for r in rs], locale=client.locale or "ru",
                                 show=notes.shower(types, client.locale or "ru"))  # values in notes as shown
        store_rows = self._store_view(client.slug, types)
        raw, view = self._base(client.slug, sid, run_id)
        # kept from our last run, which recorded no pending rows; else as the table holds it
        base, pending = (dict(view), {}) if view is not None else split_base(raw)
        reserved = self.store.tasks.unused_reserved_keys(client.id)
        open_errors = {(e.row_key, e.field): e.message for e in self.store.sync.errors(client.slug)
                       if e.spreadsheet_id == sid and e.row_key and e.field}
        resolved = [c for c in self.store.sync.notes_to_clear(client.slug) if not c.entity_key.startswith("INV-")]
        p = plan(base, snapshot, store_rows, self.policy, reserved=reserved, open_errors=open_errors,
                 pending=pending, resolved_notes=[(c.entity_key, c.field) for c in resolved])
        return Planned(p, raw, [c.id for c in resolved])

    def _types(self) -> dict[str, FieldType]:
        dynamic = store_vocabularies(self.store)
        tag = repr(sorted(dynamic.items()))
        if self._types_cache is None or self._types_cache[0] != tag:  # same lists: same types (and memos)
            self._types_cache = (tag, field_types(self.templates, dynamic))
        return self._types_cache[1]

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

    def _rows(self, sid: str, layouts: Mapping[str, SheetLayout], values: Mapping[str, list[list[Any]]],
              types: Mapping[str, FieldType], locale: str, report: SyncReport | None
              ) -> tuple[dict[str, SheetLayout], dict[str, list[SheetRow]]]:
        """The synced sheets' rows, and their layouts with the columns found under the headers just read."""
        found: dict[str, SheetLayout] = {}
        out: dict[str, list[SheetRow]] = {}
        for kind, lay in layouts.items():
            grid = values.get(kind) or []
            header = grid[0] if grid else []
            spec = self.templates[kind]
            cols, computed, missing = map_columns(spec, header)
            if missing:  # a header was edited or a column deleted: ask the column metadata
                cols, computed, missing = map_columns(spec, header, self._meta_columns(sid, lay))
            found[kind] = lay = lay.with_columns(cols, computed, missing)
            if missing and report is not None:
                report.warnings.append(
                    f"{kind}: column(s) {', '.join(missing)} not found (renamed header or deleted column); those "
                    f"fields are not synced until `sheetsync provision` repairs the sheet")
            if KEY_FIELD not in cols:
                if report is not None:
                    report.warnings.append(f"{kind}: the ID column is missing; this sheet is not synced. "
                                           f"Run `sheetsync provision` to repair it.")
                continue
            tag = (tuple(cols.items()), tuple(computed.items()), self._types_cache and self._types_cache[0], locale)
            kept = self._row_memo.get((sid, kind))
            memo = kept[1] if kept is not None and kept[0] == tag else {}
            self._row_memo[(sid, kind)] = (tag, memo)
            out[kind] = read_rows(lay, grid, types, locale, memo)
        return found, out

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

