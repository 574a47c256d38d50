"""Planning settings read from the config (with defaults that work without one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from sheetsync.config import Config

# What planning reads its settings from: a loaded Config, a plain dict of the same tables
# (``{"planning": {"min_sample_size": 5}}``; the scripts and tests pass those), or None for the defaults.
ConfigLike: TypeAlias = "Config | dict[str, Any] | None"


def _get(obj: Any, path: str, default: Any) -> Any:
    for part in path.split("."):
        if obj is None:
            return default
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
    return default if obj is None else obj


@dataclass(frozen=True)
class PlanningSettings:
    holidays_country: str | None = "RU"
    min_sample_size: int = 5  # done tasks of a type needed before its median is used
    reminder_working_days: int = 3  # a task waiting on the client longer than this is reminded of
    report_threshold: float = 0.8  # a lagging metric under this share of its plan needs a detailed report
    auto_estimate: bool = True
    period_kind: str = "week"  # the plan-schedule's default period
    actor: str = "planner"

    @classmethod
    def from_config(cls, config: ConfigLike | PlanningSettings) -> PlanningSettings:
        if config is None:
            return cls()
        if isinstance(config, PlanningSettings):
            return config
        d = cls()
        country = _get(config, "holidays_country", None)
        if country is None:
            country = _get(config, "agency.holidays_country", None)
        if country is None:
            country = _get(config, "planning.holidays_country", d.holidays_country)
        return cls(
            holidays_country=country or None,
            min_sample_size=int(_get(config, "planning.min_sample_size",
                                     _get(config, "planning.min_samples", d.min_sample_size))),
            reminder_working_days=int(_get(config, "planning.reminder_working_days",
                                           _get(config, "planning.reminder_days", d.reminder_working_days))),
            report_threshold=float(_get(config, "metrics.report_threshold", d.report_threshold)),
            auto_estimate=bool(_get(config, "planning.auto_estimate", d.auto_estimate)),
            period_kind=str(_get(config, "planning.period", d.period_kind)),
        )
