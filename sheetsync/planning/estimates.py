"""Auto-estimates: an experienced agency fills estimates from what similar tasks really took.

A backlog task with a type and no estimate gets the median actual hours of the agency's done
tasks of that type (all clients), when there are at least ``min_samples`` of them; otherwise the
type's default estimate. The result is marked ``estimate_source="auto"`` with a note saying where
the number came from. A manager's own estimate is never overwritten.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .model import TaskInfo


@dataclass(frozen=True)
class TypeInfo:
    key: str
    name: str
    role: str = ""
    default_estimate_hours: float | None = None


@dataclass(frozen=True)
class EstimateChange:
    key: str
    hours: float
    basis: str  # "median" | "default"
    samples: int
    type_key: str
    note: str


def median_actuals(done: Iterable[TaskInfo]) -> dict[str, tuple[float, int]]:
    """type key -> (median actual hours, sample size) over done tasks with actual hours."""
    samples: dict[str, list[float]] = defaultdict(list)
    for t in done:
        if t.status == "done" and t.task_type and t.actual_hours is not None and t.actual_hours > 0:
            samples[t.task_type].append(t.actual_hours)
    return {k: (float(statistics.median(v)), len(v)) for k, v in samples.items()}


def _round_hours(h: float) -> float:
    """Estimates in quarter hours: people plan in those, and it keeps float noise out of sheets."""
    return max(0.25, round(h * 4) / 4)


AUTO_NOTE_PREFIXES = ("Автооценка:", "Auto-estimate:")


def note_text(basis: str, type_name: str, samples: int, min_samples: int, locale: str) -> str:
    if basis == "median":
        if locale == "en":
            return f"Auto-estimate: median actual hours of {samples} done tasks of type '{type_name}'"
        return f"Автооценка: медиана фактических часов по {samples} выполненным задачам типа «{type_name}»"
    if locale == "en":
        return (
            f"Auto-estimate: default for type '{type_name}' "
            f"(only {samples} done tasks of this type, {min_samples} needed for a median)"
        )
    return (
        f"Автооценка: стандартная оценка типа «{type_name}» "
        f"(выполненных задач этого типа {samples}, для медианы нужно {min_samples})"
    )


def auto_estimates(
    backlog: Iterable[TaskInfo],
    done: Iterable[TaskInfo],
    types: Mapping[str, TypeInfo],
    *,
    min_samples: int = 5,
    locale: str = "ru",
) -> list[EstimateChange]:
    """Estimates to set on backlog tasks that have a type but no estimate. Pure."""
    medians = median_actuals(done)
    changes: list[EstimateChange] = []
    for t in backlog:
        if t.status != "backlog" or t.estimate_hours is not None or not t.task_type:
            continue
        ttype = types.get(t.task_type)
        median, n = medians.get(t.task_type, (0.0, 0))
        name = ttype.name if ttype else t.task_type
        if n >= max(1, min_samples):
            hours, basis = _round_hours(median), "median"
        elif ttype is not None and ttype.default_estimate_hours:
            hours, basis = _round_hours(ttype.default_estimate_hours), "default"
        else:
            continue  # nothing to go on: the task stays unestimated and the planner says so
        changes.append(
            EstimateChange(t.key, hours, basis, n, t.task_type, note_text(basis, name, n, min_samples, locale))
        )
    return changes


def apply_estimates(tasks: list[TaskInfo], changes: Iterable[EstimateChange]) -> list[TaskInfo]:
    """The task views with the auto-estimates filled in (for a dry run and for selection)."""
    from dataclasses import replace

    by_key = {c.key: c for c in changes}
    return [
        replace(t, estimate_hours=by_key[t.key].hours, estimate_source="auto") if t.key in by_key else t
        for t in tasks
    ]
