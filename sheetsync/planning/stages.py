"""Time in stage: how long each task has been in its status, against the agency's norm for it.

Pure. The store gives the change log's status history (``Store.status_history``): every change of a
task's ``status`` field (a create, an update from the CLI, the planner, a manager's edit in the
sheet, a field restore) and every delete and undelete, in log order. From it:

* ``entered_times`` — when each task entered its *current* status. An undeleted (restored) task
  starts a new clock at the restore; a re-opened task (done -> in progress) starts one at the
  re-opening; a status changed in the sheet starts one at the sync that took the change in. If the
  log's last status is not the task's status (the log lost a change), the time is unknown (None).
* ``stage_times`` — the working days since then on the agency calendar (public holidays are not
  working days), the norm of the status for the task's client, and whether it is over it.
* ``escalations`` / ``lead_digest`` — the tasks over ``escalation_factor`` x their norm, for the
  manager's lead, grouped by manager and client.
* ``stage_visits`` / ``stage_report`` — every stay of every task in a status, and per client and
  status the median and 90th percentile of their length and how often the norm was exceeded.

"Over the norm" means strictly more working days than the norm: a task waiting on the client with a
norm of 3 is fine on its third working day and over it on the fourth (as the reminders count).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..vocabulary import STAGE_STATUSES, status_phrase, working_days
from .calendar import WorkCalendar
from .model import TaskInfo
from .reminders import ClientInfo

NormOf = Callable[[str, str | None], "int | None"]  # (status, client slug) -> working days or None



@dataclass(frozen=True)
class StatusEvent:
    """One row of the status history: a status change (``status`` set), a delete or a restore."""

    key: str
    at: dt.datetime
    action: str  # create | update | delete | restore
    status: str | None = None
    origin: str = ""
    actor: str = ""

    @classmethod
    def of(cls, row: Sequence[Any] | StatusEvent) -> StatusEvent:
        if isinstance(row, StatusEvent):
            return row
        key, at, action, status, origin, actor = row
        return cls(key, at, action, status, origin or "", actor or "")


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def local_date(at: dt.datetime, tz: str | dt.tzinfo | None) -> dt.date:
    """The day a moment falls on in the agency's time zone (UTC if none)."""
    zone = zoneinfo.ZoneInfo(tz) if isinstance(tz, str) else (tz or dt.UTC)
    return _aware(at).astimezone(zone).date()


def _by_key(history: Iterable[Sequence[Any] | StatusEvent]) -> dict[str, list[StatusEvent]]:
    out: dict[str, list[StatusEvent]] = {}
    for row in history:
        ev = StatusEvent.of(row)
        out.setdefault(ev.key, []).append(ev)
    return out


def entered_status(events: Iterable[StatusEvent], current: str) -> dt.datetime | None:
    """When a task entered its current status ``current``, from its history in log order.

    A status change to another status starts the clock; a restore (undelete) restarts it; a delete
    leaves it (a deleted task is not listed anyway). None if the history does not end in ``current``.
    """
    status: str | None = None
    entered: dt.datetime | None = None
    for ev in events:
        if ev.action == "restore":
            entered = _aware(ev.at)
        elif ev.status is not None and ev.status != status:
            status, entered = ev.status, _aware(ev.at)
    return entered if status == current else None


def entered_times(history: Iterable[Sequence[Any] | StatusEvent], tasks: Iterable[TaskInfo]) -> dict[str, dt.datetime]:
    """Task key -> when it entered its current status (tasks whose time is unknown are left out)."""
    events = _by_key(history)
    out: dict[str, dt.datetime] = {}
    for t in tasks:
        at = entered_status(events.get(t.key, ()), t.status)
        if at is not None:
            out[t.key] = at
    return out


@dataclass(frozen=True)
class StageTime:
    task: TaskInfo
    since: dt.date  # the day (agency time zone) the task entered its status
    days: int  # working days in the status, in (since, today]
    norm: int | None  # working days; None: the status has no norm

    @property
    def over(self) -> bool:
        return self.norm is not None and self.days > self.norm

    def over_by(self, factor: float) -> bool:
        return self.norm is not None and self.days > self.norm * factor


def stage_times(
    tasks: Iterable[TaskInfo],
    entered: Mapping[str, dt.datetime],
    today: dt.date,
    calendar: WorkCalendar,
    norm_of: NormOf,
    *,
    tz: str | dt.tzinfo | None = None,
) -> list[StageTime]:
    """Time in stage of every task in a stage status whose entry time is known."""
    out: list[StageTime] = []
    for t in tasks:
        if t.status not in STAGE_STATUSES or t.key not in entered:
            continue
        since = local_date(entered[t.key], tz)
        out.append(StageTime(t, since, calendar.working_days_between(since, today), norm_of(t.status, t.client)))
    return out


def escalations(times: Iterable[StageTime], factor: float) -> list[StageTime]:
    """The tasks more than ``factor`` x their norm in their status, longest overrun first."""
    found = [st for st in times if st.over_by(factor)]
    found.sort(key=lambda st: (st.task.client, -(st.days - (st.norm or 0)), st.task.key))
    return found


def lead_digest(
    lead: str,
    overruns: Iterable[StageTime],
    clients: Mapping[str, ClientInfo],
    lead_of: Callable[[str | None], str | None],
    *,
    locale: str = "ru",
    today: dt.date | None = None,
) -> str:
    """A plain-text digest for one lead: their managers' tasks over the norm, by manager then client."""
    groups: dict[str, dict[str, list[StageTime]]] = {}
    for st in overruns:
        c = clients.get(st.task.client)
        if c is None or not c.manager_email or (lead_of(c.manager_email) or "").lower() != lead.lower():
            continue
        groups.setdefault(c.manager_email, {}).setdefault(st.task.client, []).append(st)
    if not groups:
        return ""
    en = locale == "en"
    head = "Stages over their norm" if en else "Этапы сверх нормы"
    lines = [head + (f" — {today:%d.%m.%Y}" if today else "")]
    for manager in sorted(groups):
        lines.append("")
        lines.append(f"{'Manager' if en else 'Менеджер'} {manager}:")
        for slug in sorted(groups[manager], key=lambda s: clients[s].name.lower()):
            lines.append(f"  {clients[slug].name}:")
            for st in groups[manager][slug]:
                t = st.task
                norm = working_days(st.norm or 0, locale)
                if en:
                    what = (f"{status_phrase(t.status, 'en')} since {st.since:%d %b %Y} — "
                            f"{working_days(st.days, 'en')}, norm {norm}")
                    title = f'"{t.title}"'
                else:
                    what = (f"{status_phrase(t.status)} с {st.since:%d.%m.%Y} — "
                            f"{working_days(st.days, 'ru')} при норме {norm}")
                    title = f"«{t.title}»"
                who = f" — {t.assignee}" if t.assignee else ""
                lines.append(f"  • {t.key} {title}: {what}{who}")
    return "\n".join(lines) + "\n"


# --- the stage report ------------------------------------------------------------------------


@dataclass(frozen=True)
class StageVisit:
    """One stay of a task in a status: entered on ``start``, left on ``end`` (or still there)."""

    key: str
    client: str
    status: str
    start: dt.date
    end: dt.date  # the day it left, or "today" for an open stay
    days: int  # working days in (start, end]
    open: bool


def stage_visits(
    history: Iterable[Sequence[Any] | StatusEvent],
    client_of: Mapping[str, str],
    today: dt.date,
    calendar: WorkCalendar,
    *,
    tz: str | dt.tzinfo | None = None,
) -> list[StageVisit]:
    """Every stay of every task in a stage status (backlog .. review), from the status history.

    A stay ends at the next status change or at a delete; a restore opens a new stay in the status
    the task was restored with. Stays still open are measured up to ``today``.
    """
    out: list[StageVisit] = []

    def visit(key: str, client: str, status: str | None, start: dt.datetime | None, end: dt.date,
              still_open: bool = False) -> None:
        if status in STAGE_STATUSES and start is not None:
            s = local_date(start, tz)
            out.append(StageVisit(key, client, status, s, end, calendar.working_days_between(s, end), still_open))

    for key, events in _by_key(history).items():
        client = client_of.get(key)
        if client is None:
            continue
        status: str | None = None
        start: dt.datetime | None = None
        for ev in events:
            if ev.action == "delete":
                visit(key, client, status, start, local_date(ev.at, tz))
                start = None
            elif ev.action == "restore":
                start = _aware(ev.at)
            elif ev.status is not None and ev.status != status:
                visit(key, client, status, start, local_date(ev.at, tz))
                status, start = ev.status, _aware(ev.at)
        visit(key, client, status, start, today, still_open=True)
    return out

REPORT_COLUMNS = ("client", "status", "stays", "open", "median_days", "p90_days", "norm_days", "over_norm",
                  "over_norm_share")


def stage_report(visits: Iterable[StageVisit], norm_of: NormOf, start: dt.date, end: dt.date) -> Any:
    """Per client and status: stays, median and 90th percentile working days, how often over the norm.

    A stay counts in the period ``[start, end]`` when it ended in it, or is still open and began on
    or before ``end`` (then it is measured to today). Returns a pandas DataFrame with
    ``REPORT_COLUMNS``, sorted by client and status in workflow order; a status without a norm has
    NA (an empty CSV cell) in the norm columns.
    """
    import pandas as pd

    rows = [
        {"client": v.client, "status": v.status, "days": v.days, "open": v.open,
         "norm": norm_of(v.status, v.client)}
        for v in visits
        if (start <= v.end <= end and not v.open) or (v.open and v.start <= end)
    ]
    if not rows:
        return pd.DataFrame(columns=list(REPORT_COLUMNS))
    df = pd.DataFrame(rows)
    df["over"] = df["norm"].notna() & (df["days"] > df["norm"].fillna(0))
    order = {s: i for i, s in enumerate(STAGE_STATUSES)}
    out = []
    for (client, status), g in df.groupby(["client", "status"], sort=False):
        norm = norm_of(str(status), str(client))  # group keys are typed Hashable; these are the str columns
        over = int(g["over"].sum())
        out.append({
            "client": client, "status": status, "stays": len(g), "open": int(g["open"].sum()),
            "median_days": float(g["days"].median()), "p90_days": float(g["days"].quantile(0.9)),
            "norm_days": norm, "over_norm": over if norm is not None else None,
            "over_norm_share": (over / len(g)) if norm is not None else None,
        })
    rep = pd.DataFrame(out, columns=list(REPORT_COLUMNS))
    rep = rep.astype({"norm_days": "Int64", "over_norm": "Int64", "over_norm_share": "Float64"})  # NA: no norm
    rep["_o"] = rep["status"].map(order)
    return rep.sort_values(["client", "_o"]).drop(columns="_o").reset_index(drop=True)


# --- the "days in stage" column of the in-work sheet ---------------------------------------------


def visible_days(times: Iterable[StageTime], visible: Iterable[str]) -> dict[str, tuple[int, bool]]:
    """Task key -> (working days in its status, over the norm) for the statuses the client may see
    (``stages.client_visible``); every other task's cell in the client's spreadsheet stays empty."""
    shown = set(visible)
    return {st.task.key: (st.days, st.over) for st in times if st.task.status in shown}
