"""Reminders: the manager as the client's alarm clock.

Pure. Finds tasks waiting on the client for more than N working days and overdue tasks, and
renders them as rows for the card sheet and as a per-manager digest, grouped by client, ready to
paste into a messenger or an email.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..vocabulary import BACKLOG_STATUSES, TERMINAL_STATUSES, status_phrase, working_days
from .calendar import WorkCalendar
from .model import TaskInfo


@dataclass(frozen=True)
class Reminder:
    kind: str  # "waiting" | "overdue" | "stage" (over the stage norm; digests only, never the client's card)
    task: TaskInfo
    since: dt.date  # waiting since / deadline / in the stage since
    days: int  # working days waiting / working days overdue / working days in the stage
    norm: int | None = None  # "stage": the norm in working days


@dataclass(frozen=True)
class ClientInfo:
    slug: str
    name: str
    manager_email: str | None = None
    locale: str = "ru"


def find_reminders(
    tasks: Iterable[TaskInfo],
    waiting_since: Mapping[str, dt.date],
    today: dt.date,
    calendar: WorkCalendar,
    *,
    waiting_days: int | Callable[[str], int] = 3,
) -> list[Reminder]:
    """Tasks waiting on the client longer than ``waiting_days`` working days, and overdue tasks.

    ``waiting_days`` is a number, or a function of the client's slug (the ``waiting_client`` stage
    norm with its per-client override). ``waiting_since`` maps a task key to the day its status
    became ``waiting_client`` (from the change log); a task missing from it is taken as waiting
    since its start date.
    """
    out: list[Reminder] = []
    for t in tasks:
        if t.status == "waiting_client":
            since = waiting_since.get(t.key) or t.start_date
            if since is not None:
                n = calendar.working_days_between(since, today)
                if n > (waiting_days(t.client) if callable(waiting_days) else waiting_days):
                    out.append(Reminder("waiting", t, since, n))
        if t.deadline and t.deadline < today and t.status not in TERMINAL_STATUSES | BACKLOG_STATUSES:
            out.append(Reminder("overdue", t, t.deadline, max(1, calendar.working_days_between(t.deadline, today))))
    out.sort(key=lambda r: (r.task.client, 0 if r.kind == "waiting" else 1, -r.days, r.task.key))
    return out


def _t(locale: str, ru: str, en: str) -> str:
    return en if locale == "en" else ru


def _stage_text(r: Reminder, locale: str) -> str:
    norm = working_days(r.norm or 0, locale)
    return _t(locale, f"{status_phrase(r.task.status)} с {r.since:%d.%m} ({working_days(r.days, locale)}, норма {norm})",
              f"{status_phrase(r.task.status, 'en')} since {r.since:%d %b} ({working_days(r.days, locale)}, norm {norm})")


def card_rows(reminders: Iterable[Reminder], locale: str = "ru") -> list[list[object]]:
    """Rows for the card sheet's waiting block (ID, task, since, working days — card.toml's
    ``[card.waiting]``); an overdue task says so in front of its title and "since" is its deadline."""
    rows: list[list[object]] = []
    for r in reminders:
        if r.kind == "stage":  # internal stage times are not the client's business
            continue
        title = r.task.title if r.kind == "waiting" else _t(locale, "Просрочена: ", "Overdue: ") + r.task.title
        rows.append([r.task.key, title, r.since, r.days])
    return rows


def digest(
    manager: str,
    reminders: Iterable[Reminder],
    clients: Mapping[str, ClientInfo],
    *,
    locale: str = "ru",
    today: dt.date | None = None,
) -> str:
    """A plain-text digest for one manager, grouped by client; empty string if nothing is due."""
    by_client: dict[str, list[Reminder]] = {}
    for r in reminders:
        c = clients.get(r.task.client)
        if c is None or (c.manager_email or "").lower() != manager.lower():
            continue
        by_client.setdefault(r.task.client, []).append(r)
    if not by_client:
        return ""
    head = _t(locale, "Напоминания", "Reminders")
    lines = [f"{head}" + (f" — {today:%d.%m.%Y}" if today else "")]
    for slug in sorted(by_client, key=lambda s: clients[s].name.lower()):
        items = by_client[slug]
        lines.append("")
        lines.append(f"{clients[slug].name}:")
        for r in items:
            if r.kind == "stage":
                what = _stage_text(r, locale)
            elif r.kind == "waiting":
                what = _t(locale, f"ждёт клиента с {r.since:%d.%m} ({working_days(r.days, locale)})",
                          f"waiting on the client since {r.since:%d %b} ({working_days(r.days, locale)})")
            else:
                what = _t(locale, f"просрочена, срок был {r.since:%d.%m} ({working_days(r.days, locale)})",
                          f"overdue, deadline was {r.since:%d %b} ({working_days(r.days, locale)})")
            who = f" — {r.task.assignee}" if r.task.assignee else ""
            lines.append(f"• {r.task.key} «{r.task.title}»: {what}{who}" if locale != "en"
                         else f"• {r.task.key} \"{r.task.title}\": {what}{who}")
    return "\n".join(lines) + "\n"
