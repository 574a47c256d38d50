"""Planning against the store: auto-estimates, then in-work selection, written with origin="planner".

The decisions are made by the pure functions (estimates, select); this module only reads the
store once, hands views to them and writes the outcome back through the repositories in one
short transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..vocabulary import OPEN_IN_WORK_STATUSES
from .calendar import Period, WorkCalendar, parse_period
from .estimates import AUTO_NOTE_PREFIXES, EstimateChange, TypeInfo, apply_estimates, auto_estimates
from .model import SpecialistInfo, TaskInfo
from .select import Decision, DecisionViews, Load, Selection, select_tasks
from .settings import ConfigLike, PlanningSettings

if TYPE_CHECKING:
    from sheetsync.ports import StorePort
    from sheetsync.store.models import Client

ORIGIN = "planner"


@dataclass
class PlanReport(DecisionViews):
    period: Period
    clients: list[str]
    decisions: list[Decision]
    estimates: list[EstimateChange]
    loads: dict[str, Load]
    dry_run: bool
    written: int = 0  # tasks changed in the store
    locales: dict[str, str] = field(default_factory=dict)


    def for_client(self, slug: str) -> list[Decision]:
        return [d for d in self.decisions if d.task.client == slug]


@dataclass
class Snapshot:
    """Everything the planner reads, in one go."""

    specialists: list[SpecialistInfo]
    types: dict[str, TypeInfo]
    tasks: list[TaskInfo]
    clients: dict[str, Client]  # slug -> Client row


def read_snapshot(store: StorePort) -> Snapshot:
    clients = {c.slug: c for c in store.clients.list(active=None)}
    slug_of = {c.id: c.slug for c in clients.values()}
    tasks = [TaskInfo.of(t, client=slug_of.get(t.client_id, "")) for t in store.tasks.list()]
    specs = [SpecialistInfo.of(s) for s in store.specialists.list(active=True)]
    types = {
        t.key: TypeInfo(t.key, t.name, t.role or "", t.default_estimate_hours) for t in store.task_types.list()
    }
    return Snapshot(specs, types, tasks, clients)


def plan_tasks(
    snap: Snapshot,
    slugs: Sequence[str],
    period: Period,
    settings: PlanningSettings,
    *,
    today: dt.date | None = None,
) -> tuple[Selection, list[EstimateChange]]:
    """Pure: auto-estimates for the clients' backlogs, then one selection over all of them."""
    chosen = set(slugs)
    backlog = [t for t in snap.tasks if t.client in chosen and t.status == "backlog"]
    done = [t for t in snap.tasks if t.status == "done"]
    changes: list[EstimateChange] = []
    for slug in slugs if settings.auto_estimate else ():  # the note is in each client's language
        locale = getattr(snap.clients.get(slug), "locale", "ru") or "ru"
        changes += auto_estimates([t for t in backlog if t.client == slug], done, snap.types,
                                  min_samples=settings.min_sample_size, locale=locale)
    backlog = apply_estimates(backlog, changes)
    existing = [t for t in snap.tasks if t.status in OPEN_IN_WORK_STATUSES | {"done"}]
    calendar = WorkCalendar(settings.holidays_country)
    sel = select_tasks(
        backlog, snap.specialists, calendar, period, existing=existing,
        type_roles={k: v.role for k, v in snap.types.items() if v.role}, not_before=today,
    )
    return sel, changes


def _writes(sel: Selection, changes: Iterable[EstimateChange], locales: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Task key -> fields to set."""
    notes = {c.key: c.note for c in changes}
    out: dict[str, dict[str, Any]] = {c.key: {"estimate_hours": c.hours, "estimate_source": "auto"} for c in changes}
    for d in sel.decisions:
        loc = locales.get(d.task.client, "ru")
        fields = out.setdefault(d.task.key, {})
        note_parts = [notes[d.task.key]] if d.task.key in notes else _kept_estimate_note(d.task)
        if d.outcome in ("taken", "forced"):
            fields.update(status="planned", assignee=d.assignee, start_date=d.start, deadline=d.deadline,
                          period=sel.period.label)
            if d.outcome == "forced" and d.reason is not None:
                note_parts.append(d.reason.text(loc))
        else:
            if d.reason is not None:
                note_parts.append(d.reason.text(loc))
        fields["plan_note"] = "; ".join(note_parts)
    return out


def _kept_estimate_note(task: TaskInfo) -> list[str]:
    """An earlier auto-estimate's note stays while the estimate is still the automatic one."""
    if task.estimate_source == "auto" and task.plan_note:
        first = task.plan_note.split("; ")[0]
        if first.startswith(AUTO_NOTE_PREFIXES):
            return [first]
    return []


def plan_clients(
    store: StorePort, config: ConfigLike, slugs: Sequence[str] | None, period: str | Period, *,
    dry_run: bool = False, today: dt.date | None = None,
) -> PlanReport:
    settings = PlanningSettings.from_config(config)
    p = period if isinstance(period, Period) else parse_period(period)
    snap = read_snapshot(store)
    if slugs is None:
        slugs = sorted(s for s, c in snap.clients.items() if getattr(c, "active", True))
    else:
        missing = [s for s in slugs if s not in snap.clients]
        if missing:
            known = ", ".join(sorted(snap.clients)) or "none yet"
            raise LookupError(f"no client {', '.join(missing)!s} in the store (known: {known}); "
                              "check the slug, or add the client under [[clients]] in the config so it is "
                              "loaded into the store")
    sel, changes = plan_tasks(snap, slugs, p, settings, today=today or dt.date.today())
    locales = {s: getattr(snap.clients[s], "locale", "ru") or "ru" for s in slugs}
    report = PlanReport(p, list(slugs), sel.decisions, changes, sel.loads, dry_run, locales=locales)
    if not dry_run:
        current = {t.key: t for t in snap.tasks}
        report.written = write_plan(store, _only_changes(_writes(sel, changes, locales), current), settings.actor)
    return report


def _only_changes(writes: dict[str, dict[str, Any]], current: dict[str, TaskInfo]) -> dict[str, dict[str, Any]]:
    """Drop fields that already hold the value, and tasks left with nothing to change."""
    out = {}
    for key, fields in writes.items():
        t = current.get(key)
        diff = {f: v for f, v in fields.items() if t is None or (getattr(t, f) or None) != (v or None)}
        if diff:
            out[key] = diff
    return out


def write_plan(store: StorePort, writes: dict[str, dict[str, Any]], actor: str) -> int:
    """Apply the plan in one transaction through the task repository's bulk update (change log, origin=planner)."""
    if not writes:
        return 0
    store.tasks.update_many(writes, origin=ORIGIN, actor=actor)
    return len(writes)


def plan_client(store: StorePort, config: ConfigLike, slug: str, period: str | Period, dry_run: bool = False,
                today: dt.date | None = None) -> PlanReport:
    """Plan one client's backlog into ``period`` (other clients' work counts against capacity)."""
    return plan_clients(store, config, [slug], period, dry_run=dry_run, today=today)


def plan_all(store: StorePort, config: ConfigLike, period: str | Period, dry_run: bool = False,
             today: dt.date | None = None) -> PlanReport:
    """Plan every active client's backlog together: one queue by priority then age across clients."""
    return plan_clients(store, config, None, period, dry_run=dry_run, today=today)


__all__ = ["PlanReport", "Snapshot", "plan_all", "plan_client", "plan_clients", "plan_tasks", "read_snapshot"]
