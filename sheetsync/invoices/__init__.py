"""The agency's turnover sheet: a tab per month, carry-over marks, two-way edits, weekly snapshots.

    inv = Invoices(store, sheets, config)      # app.invoices
    inv.refresh("2026-11")    # pull accounts' edits from every month tab, rewrite this month (+ months its
                              # invoices were carried or moved to) and the summary tab; weekly snapshot
    inv.report("2026-11")     # DataFrame: per-client payment behaviour
    inv.plan_report("2026-11")  # DataFrame: plan / forecast / fact / gap per department
    inv.diff("2026-11")       # DataFrame: changes since the newest snapshot before today (last meeting)

One refresh costs one metadata read, one values read of every month tab and one confirm read right
before writing (both only when month tabs exist), one structural ``:batchUpdate`` and one
``values:batchUpdate`` (plus creating and sharing the spreadsheet once). If an account typed between
the read and the confirm, the edits are pulled again (up to three times) so nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..sheets.errors import NotFound
from ..sync.normalise import from_store
from ..templates import Templates, load_templates
from ..vocabulary import SPREADSHEET_LOCALES, locale_of
from . import layout as lay
from . import repair as fix
from . import report as rep
from . import snapshot as snap
from . import sync as isync
from .marks import all_marks
from .render import (
    SUMMARY_SHEET_ID,
    render_month,
    render_summary,
    sheet_id_for,
    structural,
    t,
    value_range,
    warning_text,
)

if TYPE_CHECKING:
    from sheetsync.config import Config
    from sheetsync.ports import SheetsPort, StorePort

KIND = "turnover"
META_FIELDS = ("sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
               "protectedRanges(protectedRangeId))")
MAX_CONFIRMS = 3  # re-reads when accounts keep typing during a refresh
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

__all__ = ["Invoices", "RefreshReport"]


@dataclass
class RefreshReport:
    month: str
    spreadsheet_id: str
    tabs: list[str] = field(default_factory=list)
    pulled: int = 0
    errors: int = 0
    conflicts: int = 0
    api_calls: int = 0
    snapshot: dt.date | None = None
    warnings: list[str] = field(default_factory=list)
    concentration: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (f"tabs {', '.join(self.tabs)}: {self.pulled} edits pulled, {self.errors} invalid, "
                f"{self.conflicts} conflicts, {self.api_calls} calls")
        if self.snapshot:
            text += f", snapshot of {self.snapshot:%Y-%m-%d}"
        return text + (f", {len(self.concentration)} concentration warnings" if self.concentration else "")


def _is_month(title: str) -> bool:
    try:
        lay.parse_month(title)
    except lay.MonthError:
        return False
    return True


class Invoices:
    """The turnover sheet of one agency (store + Sheets transport + config)."""

    def __init__(self, store: StorePort, sheets: SheetsPort | None, config: Config, *,
                 templates: Templates | None = None) -> None:
        self.store = store
        self._sheets = sheets  # None for the reports, which read only the store
        self.config = config
        self.templates = templates or load_templates()
        self.locale = config.agency.locale
        self.tz = config.agency.timezone
        self._working_day: Any = None
        self.unusable: list[str] = []  # set by facts()

    @property
    def sheets(self) -> SheetsPort:
        """The transport; opened without one (the store-only reports), a Sheets call is a programming error."""
        if self._sheets is None:
            raise RuntimeError("these Invoices were opened for the store-only reports: no Sheets transport")
        return self._sheets

    # --- time and calendar ------------------------------------------------------------------
    def today(self) -> dt.date:
        return dt.datetime.now(zoneinfo.ZoneInfo(self.tz)).date()

    def current_month(self) -> str:
        return lay.month_of(self.today())

    def last_meeting(self, before: dt.date | None = None) -> dt.date:
        """The last meeting day (config ``invoices.meeting_weekday``) strictly before ``before`` (default today)."""
        day = (before or self.today()) - dt.timedelta(days=1)
        want = WEEKDAYS.index(self.config.invoices.meeting_weekday)
        return day - dt.timedelta(days=(day.weekday() - want) % 7)

    def working_day(self, day: dt.date) -> bool:
        if self._working_day is None:
            from ..planning.calendar import WorkCalendar

            self._working_day = WorkCalendar(self.config.agency.holidays_country).is_working_day
        return self._working_day(day)

    # --- the store, as plain facts ----------------------------------------------------------
    def facts(self) -> list[lay.InvoiceFacts]:
        """The live invoices the sheet can show; one with a value it cannot use (left by an old version,
        see repair.py) is left out and named in ``self.unusable``; so is a move to or from such a date."""
        self.unusable = []
        out = []
        for i, client, client_name, department in self.store.invoices.live():
            bad = [f for f in fix.FIELDS if not fix.usable(f, getattr(i, f))]
            if bad:
                self.unusable.append(
                    f"invoice {i.key} left out of the sheet: {', '.join(f'{f} {getattr(i, f)}' for f in bad)} "
                    f"cannot be used and the change log has no good value; set it with the CLI or a CSV import")
                continue
            out.append(lay.InvoiceFacts(
                key=i.key, client=client, client_name=client_name, department=department,
                description=i.description or "", amount=Decimal(i.amount), status=i.status,
                planned_date=i.planned_date, paid_date=i.paid_date, currency=i.currency,
                moves=tuple(lay.MoveFacts(m.from_date, m.to_date, m.moved_at, m.actor or "", m.reason or "")
                            for m in i.moves if fix.usable("planned_date", m.from_date)
                            and fix.usable("planned_date", m.to_date))))
        return out

    def departments(self, month: str) -> list[lay.DepartmentFacts]:
        return [lay.DepartmentFacts(d.key, d.name, Decimal(self.store.departments.minimum_for(d.key, month)))
                for d in self.store.departments.list()]

    def layout(self, month: str | None = None, facts: list[lay.InvoiceFacts] | None = None) -> lay.MonthLayout:
        month = month or self.current_month()
        lay.parse_month(month)
        return lay.build(month, facts if facts is not None else self.facts(), self.departments(month),
                         concentration_share=self.config.invoices.concentration_share, working_day=self.working_day)

    # --- the spreadsheet --------------------------------------------------------------------
    def spreadsheet_id(self, *, create: bool = True) -> str | None:
        """The turnover spreadsheet's id; created (with the summary tab) and shared on first use."""
        known = self.store.agency_sheets.get(KIND)
        if known is not None:
            return known
        if not create:
            return None
        body = {"properties": {"title": self.config.invoices.spreadsheet_title,
                               "locale": SPREADSHEET_LOCALES[locale_of(self.locale, "en")], "timeZone": self.tz},
                "sheets": [{"properties": {"sheetId": SUMMARY_SHEET_ID, "title": t("summary", self.locale)}}]}
        sid = self.sheets.create_spreadsheet(body)["spreadsheetId"]
        self.store.agency_sheets.add(KIND, sid)
        for email in self.config.invoices.editor_emails:
            self.sheets.share(sid, email, "writer")
        return sid

    def share(self) -> dict[str, list[str]]:
        """Make the sharing exactly ``invoices.editor_emails`` (writers) besides the owner; returns what changed.

        Run after the config's list changes (a refresh does not, to keep its cost at five calls)."""
        sid = self.spreadsheet_id()
        assert sid is not None
        want = {e.lower() for e in self.config.invoices.editor_emails}
        changed: dict[str, list[str]] = {"added": [], "removed": []}
        have = {}
        for p in self.sheets.list_permissions(sid):
            email = (p.get("emailAddress") or "").lower()
            details = p.get("permissionDetails") or []
            if p.get("role") == "owner" or email == self.sheets.identity.lower() or (
                    details and all(d.get("inherited") for d in details)):  # a shared drive's member: the drive's
                continue
            if email in want and p.get("role") == "writer":
                have[email] = p
                continue
            self.sheets.remove_permission(sid, p["id"])
            changed["removed"].append(email or p.get("type", "?"))
        for email in sorted(want - set(have)):
            self.sheets.share(sid, email, "writer")
            changed["added"].append(email)
        return changed

    # --- the jobs ---------------------------------------------------------------------------
    def refresh(self, month: str | None = None, *, snapshot: bool = True) -> RefreshReport:
        """Pull accounts' edits from the month tab, then rewrite it, every month an edit moved an invoice
        into, and the summary; take this week's snapshot of the month if there is none yet."""
        month = month or self.current_month()
        lay.parse_month(month)
        calls = self.sheets.counts().calls if hasattr(self.sheets, "counts") else 0
        sid = self.spreadsheet_id()
        assert sid is not None
        out = RefreshReport(month, sid)
        out.warnings += fix.repair(self.store)  # values an older version let into the store
        try:
            meta = self.sheets.get_metadata(sid, META_FIELDS)
        except NotFound:  # deleted in Drive: it is generated from the store, so make a new one
            self.store.agency_sheets.forget(KIND)
            self.store.sync.clear_base(sid)
            out.warnings.append(f"the turnover spreadsheet {sid} was gone; created a new one")
            out.spreadsheet_id = sid = self.spreadsheet_id() or ""
            meta = self.sheets.get_metadata(sid, META_FIELDS)
        tabs = {sh["properties"]["title"]: sh for sh in meta.get("sheets", [])}
        month_tabs = [m for m, sh in tabs.items() if _is_month(m) and sh["properties"]["sheetId"] == sheet_id_for(m)]
        ranges = {m: f"'{m}'!A1:H{max(tabs[m]['properties'].get('gridProperties', {}).get('rowCount', 1), 1)}"
                  for m in month_tabs}
        read = self.sheets.snapshot(sid, list(ranges.values())) if ranges else {}
        touched: set[str] = set()  # months whose tabs had edits, or received a moved invoice, in any pass
        for attempt in range(1, MAX_CONFIRMS + 1):
            pulled = self._pull(sid, ranges, read, out)
            for m, applied in pulled.items():
                if applied.typed or applied.notes or applied.pulled:
                    touched.add(m)
                touched.update(new for _old, new in applied.moved.values())
            requests, updates, bases = self._render_all(month, tabs, pulled, touched, out, ranges, read)
            unusable = self.unusable
            if not ranges:
                break
            again = self.sheets.snapshot(sid, list(ranges.values()))  # confirm: nobody typed since the read
            if again == read:
                break
            read = again
            if attempt == MAX_CONFIRMS:
                out.warnings.append("the turnover sheet kept changing while it was refreshed; the last edits are "
                                    "taken on the next refresh")
                return out
        out.warnings += unusable
        self.sheets.batch_update(sid, requests)
        self.sheets.write_values(sid, updates)
        for m, base in bases.items():  # only after the writes landed
            self.store.sync.replace_base(sid, {(m, k, f): v for (k, f), v in base.items()}, sheet=m)
        if snapshot:  # the first refresh on or after the meeting day each week (the scheduled one)
            today = self.today()
            meeting = self.last_meeting(today + dt.timedelta(days=1))
            this_week = meeting >= today - dt.timedelta(days=today.weekday())
            if this_week and not any(d >= meeting for d in snap.days(self.store, month)):
                snap.take(self.store, month, self.facts(), on=today)
                out.snapshot = today
        out.api_calls = (self.sheets.counts().calls - calls) if hasattr(self.sheets, "counts") else 0
        return out

    def _render_all(self, month: str, tabs: dict[str, Any], pulled: dict[str, isync.Applied], touched: set[str],
                    out: RefreshReport, ranges: dict[str, str] | None = None, read: dict[str, Any] | None = None,
                    ) -> tuple[list[dict[str, Any]], list[tuple[str, list[list[Any]]]], dict[str, dict]]:
        """Every tab to rewrite: ``month``, months its invoices were carried to, ``touched`` (tabs with edits or
        notes, months an edit moved an invoice into); then the summary."""
        months = {month, *touched}
        ranges, read = ranges or {}, read or {}
        facts = self.facts()
        requests: list[dict[str, Any]] = []
        updates: list[tuple[str, list[list[Any]]]] = []
        bases: dict[str, dict] = {}
        first = self.layout(month, facts)
        months.update(r.carried_to for r in first.rows() if r.carried_to and r.carried_to > month)
        out.tabs = []
        for m in sorted(months):
            layout = first if m == month else self.layout(m, facts)
            applied = pulled.get(m)
            tab = render_month(layout, all_marks(facts, layout.weeks, month=m, locale=self.locale, tz=self.tz),
                               locale=self.locale, templates=self.templates,
                               typed=applied.typed if applied else None, notes=applied.notes if applied else None)
            self._emit(tab, tabs.get(m), requests, updates, read.get(ranges[m]) if m in ranges else None)
            bases[m] = tab.base  # an invalid cell keeps the store's value as its base: fixing it is an edit
            if m == month:
                names = {b.department.key: b.department.name for b in layout.blocks}
                out.concentration = [warning_text(w, names, layout, self.locale) for w in layout.warnings]
            out.tabs.append(m)
        summary = render_summary(rep.client_behaviour(facts), locale=self.locale)
        existing_summary = next((sh for sh in tabs.values() if sh["properties"]["sheetId"] == SUMMARY_SHEET_ID), None)
        if existing_summary is not None:
            summary.title = existing_summary["properties"]["title"]
        self._emit(summary, existing_summary, requests, updates)
        return requests, updates, bases

    def _emit(self, tab: Any, existing: dict[str, Any] | None, requests: list[dict[str, Any]],
              updates: list[tuple[str, list[list[Any]]]], read: list[list[Any]] | None = None) -> None:
        props = (existing or {}).get("properties")
        if props is not None and props.get("sheetId") != tab.sheet_id:
            raise RuntimeError(f"the tab {tab.title!r} of the turnover spreadsheet was not made by sheetsync "
                               f"(sheetId {props.get('sheetId')}); rename or delete it and refresh again")
        protected = [p["protectedRangeId"] for p in (existing or {}).get("protectedRanges", [])]
        batch = structural(tab, existing=props, protected_ids=protected, owner=self.sheets.identity)
        grid = (props or {}).get("gridProperties", {})
        if props is not None and read is not None:  # carry each invoice's row (and what was typed in it) along
            moves, read = isync.follow_rows(read, tab.rows, max(len(tab.values) + 20, grid.get("rowCount", 0)),
                                            tab.sheet_id)
            batch[1:1] = moves  # after the resize, before the cells are reset
        requests.extend(batch)
        rng, cells = value_range(tab, grid.get("rowCount", 0) if props else 0, grid.get("columnCount", 0) if props else 0)
        updates.append((rng, isync.leave_unchanged(cells, tab.rows, read) if read is not None else cells))

    def _pull(self, sid: str, ranges: dict[str, str], values: dict[str, list[list[Any]]], out: RefreshReport
              ) -> dict[str, isync.Applied]:
        """Apply the accounts' edits found in the month tabs (as read) to the store."""
        types = isync.field_types(self.templates.vocabularies["invoice_status"])
        result: dict[str, isync.Applied] = {}
        for m, rng in ranges.items():
            base = {(k, f): v for (_sh, k, f), v in self.store.sync.get_base(sid, sheet=m).items()}
            store_side: dict[str, dict[str, Any]] = {}
            clients: dict[str, str] = {}
            versions: dict[str, int] = {}
            for inv, slug, _name, _department in self.store.invoices.live({k for k, _f in base}):
                store_side[inv.key] = {f: from_store(getattr(inv, f), types[f]) for f in isync.EDITABLE}
                clients[inv.key] = slug
                versions[inv.key] = inv.version
            decisions = isync.decide(isync.sheet_rows(values[rng]), base, store_side, types, locale=self.locale,
                                     winner=self.config.sync.default_winner, month=m)
            applied = isync.apply(self.store, decisions, types, spreadsheet_id=sid, tab=m, clients=clients,
                                  versions=versions, locale=self.locale, today=self.today())
            out.pulled += applied.pulled
            out.errors += len(decisions.errors)
            out.conflicts += len(decisions.conflicts)
            out.warnings += decisions.warnings + applied.warnings
            result[m] = applied
        return result

    def report(self, month: str | None = None) -> pd.DataFrame:
        """Per-client payment behaviour: of the invoices shown in ``month``, or of all invoices when None."""
        facts = self.facts()
        if month is not None:
            shown = {r.invoice.key for r in self.layout(month, facts).rows()}
            facts = [f for f in facts if f.key in shown]
        return rep.client_behaviour(facts)

    def plan_report(self, month: str | None = None) -> pd.DataFrame:
        """Plan, forecast, fact and gap of the month per department (last row '*': all of them)."""
        return rep.department_totals(self.layout(month))

    def take_snapshot(self, month: str | None = None, *, on: dt.date | None = None) -> int:
        month = month or self.current_month()
        return snap.take(self.store, month, self.facts(), on=on or self.today())

    def diff(self, month: str | None = None, since: dt.date | str | None = None) -> pd.DataFrame:
        """What changed in ``month`` since the newest snapshot on or before ``since`` (default: yesterday, so
        at the meeting it is last week's). ``attrs``: ``snapshot`` (its day), ``before``/``now`` (forecast, fact)."""
        month = month or self.current_month()
        if isinstance(since, str):
            since = dt.date.fromisoformat(since)
        since = since or self.today() - dt.timedelta(days=1)
        day = snap.latest_on_or_before(self.store, month, since)
        if day is None:
            known = ", ".join(f"{d:%Y-%m-%d}" for d in snap.days(self.store, month)) or "none yet"
            raise LookupError(f"no snapshot of {month} taken on or before {since:%Y-%m-%d} (snapshots: {known}); "
                              f"`sheetsync invoices refresh` takes one each week")
        before = snap.load(self.store, month, day)
        facts = self.facts()
        frame = snap.diff(before, facts, month)
        frame.attrs.update(snapshot=day, before=snap.expected(before),
                           now=snap.expected(f for f in facts if f.planned_date.strftime("%Y-%m") == month))
        return frame
