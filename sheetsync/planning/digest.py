"""Reminders from the store: what waits on the client too long, what is overdue, per manager."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, Any

from .calendar import WorkCalendar
from .reminders import ClientInfo, Reminder, card_rows, digest, find_reminders
from .run import read_snapshot
from .settings import PlanningSettings, _get
from .stages import (
    STAGE_STATUSES,
    StageTime,
    entered_times,
    escalations,
    lead_digest,
    local_date,
    stage_report,
    stage_times,
    stage_visits,
)

if TYPE_CHECKING:
    from sheetsync.config import StagesConfig
    from sheetsync.ports import StorePort


def waiting_since(store: StorePort, config: Any = None) -> dict[str, dt.date]:
    """Task key -> the day (agency time zone) it entered ``waiting_client``, for tasks waiting now.

    From the change log through the store (``Store.status_history``): the last entry into the status,
    restarted by a restore, so an undeleted task does not inherit the clock it had before.
    """
    return _waiting_since(store, read_snapshot(store).tasks, config)


def _waiting_since(store: StorePort, tasks: list[Any], config: Any) -> dict[str, dt.date]:
    tasks = [t for t in tasks if t.status == "waiting_client"]
    keys = [t.key for t in tasks]
    history = (store.status_history(keys) if len(keys) <= 500 else store.status_history()) if keys else []
    tz = _timezone(config)
    return {k: local_date(at, tz) for k, at in entered_times(history, tasks).items()}


def _timezone(config: Any) -> str:
    return str(_get(config, "agency.timezone", "Europe/Moscow"))


def agency_today(config: Any) -> dt.date:
    """Today in the agency's time zone: the day entries are dated in (``local_date``), so a count made
    late in the UTC evening does not mix Moscow's "entered" day with the machine's (UTC) today."""
    return dt.datetime.now(zoneinfo.ZoneInfo(_timezone(config))).date()


def stages_config(config: Any) -> StagesConfig:
    """The ``[stages]`` settings of a Config, of a plain dict of settings, or the defaults."""
    from sheetsync.config import StagesConfig

    stages = getattr(config, "stages", None)
    if isinstance(stages, StagesConfig):
        return stages  # a Config already took planning.reminder_working_days as the waiting default
    raw = config.get("stages") if isinstance(config, dict) else None
    return StagesConfig.model_validate(raw or {}).with_waiting_default(
        PlanningSettings.from_config(config).reminder_working_days)


def collect_reminders(store: StorePort, config: Any, *, today: dt.date | None = None,
                      slugs: list[str] | None = None) -> tuple[list[Reminder], dict[str, ClientInfo]]:
    settings = PlanningSettings.from_config(config)
    norms = stages_config(config)
    today = today or agency_today(config)
    snap = read_snapshot(store)
    clients = {
        slug: ClientInfo(slug, c.name, (c.manager_email or "").lower() or None, c.locale or "ru")
        for slug, c in snap.clients.items() if getattr(c, "active", True)
    }
    tasks = [t for t in snap.tasks if t.client in clients and (slugs is None or t.client in slugs)]

    def waiting_norm(slug: str) -> int:  # the stage norm (per client); reminder_working_days is its default
        return norms.norm("waiting_client", slug) or settings.reminder_working_days

    found = find_reminders(tasks, _waiting_since(store, tasks, config), today, WorkCalendar(settings.holidays_country),
                           waiting_days=waiting_norm)
    return found, clients


_KIND_ORDER = {"waiting": 0, "stage": 1, "overdue": 2}


def digests(store: StorePort, config: Any, *, manager: str | None = None, today: dt.date | None = None,
            locale: str | None = None) -> dict[str, str]:
    """Manager email -> digest text (only managers with something to chase): tasks waiting on the
    client too long, tasks over their stage norm in another status, overdue tasks.

    The language is ``locale`` if given, else that of the manager's clients (English if any
    of them is English-speaking is not assumed: Russian unless all of them are English).
    """
    today = today or agency_today(config)
    found, clients = collect_reminders(store, config, today=today)
    times, _ = collect_stage_times(store, config, today=today)
    # over the norm in a stage other than waiting on the client (that one is the waiting reminder above)
    found += [Reminder("stage", st.task, st.since, st.days, st.norm) for st in times
              if st.over and st.task.status != "waiting_client"]
    found.sort(key=lambda r: (r.task.client, _KIND_ORDER[r.kind], -r.days, r.task.key))
    managers = sorted({c.manager_email for c in clients.values() if c.manager_email})
    if manager:
        managers = [m for m in managers if m == manager.lower()]
    out = {}
    for m in managers:
        mine = [c for c in clients.values() if c.manager_email == m]
        loc = locale or ("en" if mine and all(c.locale == "en" for c in mine) else "ru")
        text = digest(m, found, clients, locale=loc, today=today)
        if text:
            out[m] = text
    return out


def card_reminder_rows(store: StorePort, config: Any, slug: str, *, today: dt.date | None = None) -> list[list[object]]:
    """The rows of the card sheet's reminders block for one client (ID, task, since, working days)."""
    found, clients = collect_reminders(store, config, today=today, slugs=[slug])
    return card_rows(found, clients[slug].locale if slug in clients else "ru")


def collect_stage_times(store: StorePort, config: Any, *, today: dt.date | None = None,
                        slugs: list[str] | None = None) -> tuple[list[StageTime], dict[str, ClientInfo]]:
    """Time in stage of every open task of the active clients, with its norm (Store -> pure stages)."""
    settings = PlanningSettings.from_config(config)
    norms = stages_config(config)
    today = today or agency_today(config)
    snap = read_snapshot(store)
    clients = {
        slug: ClientInfo(slug, c.name, (c.manager_email or "").lower() or None, c.locale or "ru")
        for slug, c in snap.clients.items() if getattr(c, "active", True)
    }
    tasks = [t for t in snap.tasks if t.client in clients and (slugs is None or t.client in slugs)]
    keys = [t.key for t in tasks if t.status in STAGE_STATUSES]
    # one client's tasks (the sync's after-step): their history only; everyone's: the whole log once
    history = store.status_history(keys) if slugs is not None and len(keys) <= 500 else store.status_history()
    times = stage_times(tasks, entered_times(history, tasks), today, WorkCalendar(settings.holidays_country),
                        norms.norm, tz=_timezone(config))
    return times, clients


def lead_digests(store: StorePort, config: Any, *, lead: str | None = None, today: dt.date | None = None,
                 locale: str | None = None) -> dict[str, str]:
    """Lead email -> digest of their managers' tasks over ``stages.escalation_factor`` x the norm.

    Only leads with something over the norm get a text. The language is ``locale`` if given, else
    English when every client of the lead's managers is English-speaking, Russian otherwise.
    """
    norms = stages_config(config)
    today = today or agency_today(config)
    times, clients = collect_stage_times(store, config, today=today)
    found = escalations(times, norms.escalation_factor)
    leads = sorted({ld for c in clients.values() if (ld := norms.lead_of(c.manager_email))})
    if lead:
        leads = [x for x in leads if x == lead.lower()]
    out = {}
    for ld in leads:
        theirs = [c for c in clients.values() if norms.lead_of(c.manager_email) == ld]
        loc = locale or ("en" if theirs and all(c.locale == "en" for c in theirs) else "ru")
        text = lead_digest(ld, found, clients, norms.lead_of, locale=loc, today=today)
        if text:
            out[ld] = text
    return out


def stage_report_for(store: StorePort, config: Any, start: dt.date, end: dt.date, *, today: dt.date | None = None,
                     slugs: list[str] | None = None) -> Any:
    """The stage report (pandas DataFrame, ``stages.REPORT_COLUMNS``) of the stays counted in [start, end]."""
    settings = PlanningSettings.from_config(config)
    norms = stages_config(config)
    today = today or agency_today(config)
    snap = read_snapshot(store)
    slug_of = {c.id: slug for slug, c in snap.clients.items()}
    client_of = {t.key: slug_of.get(t.client_id, "") for t in store.tasks.list(include_deleted=True)}
    if slugs is not None:
        client_of = {k: c for k, c in client_of.items() if c in slugs}
    visits = stage_visits(store.status_history(), client_of, min(today, end), WorkCalendar(settings.holidays_country),
                          tz=_timezone(config))
    return stage_report(visits, norms.norm, start, end)
