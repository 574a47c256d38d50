"""Plain, immutable views of the store rows the planner reads.

The planner is pure: it takes these views (built from ORM rows or from anything with the
same attribute names, see sheetsync/store/models.py) and returns decisions; it never touches the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .calendar import STANDARD_WEEK, parse_weekdays


@dataclass(frozen=True)
class SpecialistInfo:
    email: str
    name: str
    role: str
    weekly_hours: float
    weekdays: frozenset[int] = STANDARD_WEEK
    active: bool = True

    @property
    def daily_hours(self) -> float:
        """Weekly hours spread evenly over the specialist's weekdays."""
        return self.weekly_hours / len(self.weekdays) if self.weekdays else 0.0

    @classmethod
    def of(cls, obj: Any) -> SpecialistInfo:
        if isinstance(obj, SpecialistInfo):
            return obj
        get: Callable[..., Any] = obj.get if isinstance(obj, dict) else lambda k, d=None: getattr(obj, k, d)
        return cls(
            email=str(get("email")).strip().lower(),
            name=get("name") or get("email"),
            role=get("role") or "",
            weekly_hours=float(get("weekly_hours") or 0),
            weekdays=parse_weekdays(get("working_days")),
            active=bool(get("active", True)),
        )


@dataclass(frozen=True)
class TaskInfo:
    key: str
    client: str = ""  # client slug (or id as text); only used for grouping and reports
    title: str = ""
    task_type: str | None = None
    role: str | None = None
    assignee: str | None = None
    estimate_hours: float | None = None
    estimate_source: str | None = None
    priority: int = 3
    status: str = "backlog"
    created_at: dt.datetime | None = None
    forced: bool = False
    period: str | None = None
    start_date: dt.date | None = None
    deadline: dt.date | None = None
    done_date: dt.date | None = None
    actual_hours: float | None = None
    plan_note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, obj: Any, client: str | None = None) -> TaskInfo:
        if isinstance(obj, TaskInfo):
            return obj
        get: Callable[..., Any] = obj.get if isinstance(obj, dict) else lambda k, d=None: getattr(obj, k, d)
        if client is None:
            c = get("client")
            client = getattr(c, "slug", None) or (str(get("client_id")) if get("client_id") is not None else "")
        est = get("estimate_hours")
        act = get("actual_hours")
        assignee = get("assignee")
        return cls(
            key=get("key"),
            client=client,
            title=get("title") or "",
            task_type=get("task_type") or None,
            role=get("role") or None,
            assignee=assignee.strip().lower() if isinstance(assignee, str) and assignee.strip() else None,
            estimate_hours=float(est) if est is not None else None,
            estimate_source=get("estimate_source"),
            priority=int(get("priority") or 3),
            status=get("status") or "backlog",
            created_at=get("created_at"),
            forced=bool(get("forced")),
            period=get("period"),
            start_date=_as_date(get("start_date")),
            deadline=_as_date(get("deadline")),
            done_date=_as_date(get("done_date")),
            actual_hours=float(act) if act is not None else None,
            plan_note=get("plan_note"),
        )


def _as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
