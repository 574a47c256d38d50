"""Planning: auto-estimates, capacity-bounded in-work selection, the plan-schedule and metrics sheets,
reminders. The decisions are pure functions; ``run`` and ``sheets`` do the reading and writing."""

from .calendar import Period, WorkCalendar, parse_period
from .run import PlanReport, plan_all, plan_client, plan_clients
from .settings import PlanningSettings

__all__ = [
    "Period",
    "PlanReport",
    "PlanningSettings",
    "WorkCalendar",
    "parse_period",
    "plan_all",
    "plan_client",
    "plan_clients",
]
