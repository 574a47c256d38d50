"""Reminders from the store: what waits on the client too long, what is overdue, per manager."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, select

from .calendar import WorkCalendar
from .reminders import ClientInfo, Reminder, card_rows, digest, find_reminders
from .run import read_snapshot
from .settings import PlanningSettings


def waiting_since(store: Any) -> dict[str, dt.date]:
    """Task key -> the day its status last became ``waiting_client`` (from the change log)."""
    from sheetsync.store import ChangeLog

    stmt = (
        select(ChangeLog.entity_key, func.max(ChangeLog.at))
        .where(ChangeLog.entity == "task", ChangeLog.field == "status",
               ChangeLog.new == json.dumps("waiting_client"))
        .group_by(ChangeLog.entity_key)
    )
    with store.session(readonly=True) as s:
        return {key: at.date() for key, at in s.execute(stmt)}


def collect_reminders(store: Any, config: Any, *, today: dt.date | None = None,
                      slugs: list[str] | None = None) -> tuple[list[Reminder], dict[str, ClientInfo]]:
    settings = PlanningSettings.from_config(config)
    today = today or dt.date.today()
    snap = read_snapshot(store)
    clients = {
        slug: ClientInfo(slug, c.name, (c.manager_email or "").lower() or None, c.locale or "ru")
        for slug, c in snap.clients.items() if getattr(c, "active", True)
    }
    tasks = [t for t in snap.tasks if t.client in clients and (slugs is None or t.client in slugs)]
    found = find_reminders(tasks, waiting_since(store), today, WorkCalendar(settings.holidays_country),
                           waiting_days=settings.reminder_working_days)
    return found, clients


def digests(store: Any, config: Any, *, manager: str | None = None, today: dt.date | None = None,
            locale: str | None = None) -> dict[str, str]:
    """Manager email -> digest text (only managers with something to chase).

    The language is ``locale`` if given, else that of the manager's clients (English if any
    of them is English-speaking is not assumed: Russian unless all of them are English).
    """
    today = today or dt.date.today()
    found, clients = collect_reminders(store, config, today=today)
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


def card_reminder_rows(store: Any, config: Any, slug: str, *, today: dt.date | None = None) -> list[list[object]]:
    """The rows of the card sheet's reminders block for one client (ID, task, since, working days)."""
    found, clients = collect_reminders(store, config, today=today, slugs=[slug])
    return card_rows(found, clients[slug].locale if slug in clients else "ru")
