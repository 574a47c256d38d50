"""The config's ``[schedule]`` specs as ``schedule`` jobs.

A spec is ``"every N s|m|h"``, ``"daily HH:MM"`` or ``"<weekday> HH:MM"`` (e.g. ``"wed 09:00"`` for
the invoice refresh before the Wednesday meeting); clock times are in the agency's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import schedule

_EVERY = re.compile(r"^every (\d+) ?(s|m|h)$")
_DAYS = {"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday", "fri": "friday",
         "sat": "saturday", "sun": "sunday"}


class ScheduleError(ValueError):
    pass


def every_seconds(spec: str) -> int | None:
    """The interval of an ``"every N s|m|h"`` spec in seconds; None for a clock-time spec."""
    m = _EVERY.match(spec.strip().lower())
    return None if m is None else int(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2)]


def interval_seconds(spec: str) -> float:
    """Seconds between two runs of ``spec``: its interval, or a day for a clock-time spec."""
    return float(every_seconds(spec) or 86_400)


def add_job(scheduler: schedule.Scheduler, spec: str, func: Callable[[], object], *, name: str,
            timezone: str | None = None) -> schedule.Job:
    """Schedule ``func`` per ``spec``; the job carries ``name`` as a tag."""
    spec = spec.strip().lower()
    m = _EVERY.match(spec)
    if m:
        n, unit = int(m.group(1)), m.group(2)  # (every_seconds, but `schedule` wants the unit)
        if n <= 0:
            raise ScheduleError(f"schedule.{name}: expected a positive interval, got {spec!r}")
        # the unit properties set the job's unit when read: read only the one wanted
        job = getattr(scheduler.every(n), {"s": "seconds", "m": "minutes", "h": "hours"}[unit])
    else:
        parts = spec.split()
        if len(parts) != 2 or (parts[0] != "daily" and parts[0] not in _DAYS) \
                or not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", parts[1]):
            raise ScheduleError(f'schedule.{name}: expected "every N s|m|h", "daily HH:MM" or "<weekday> HH:MM", '
                                f"got {spec!r}")
        every = scheduler.every()
        unit = every.day if parts[0] == "daily" else getattr(every, _DAYS[parts[0]])
        job = unit.at(parts[1], timezone) if timezone else unit.at(parts[1])
    return job.do(func).tag(name)


def sync_spec(config: object, interval: float | None = None) -> str:
    """The sync job's spec: an explicit interval, else ``[schedule] sync`` if set, else ``[sync] interval_seconds``."""
    if interval is not None:
        return f"every {max(1, round(interval))}s"
    spec = getattr(getattr(config, "schedule", None), "sync", "every 60s")
    if spec != "every 60s":
        return spec
    return f"every {getattr(getattr(config, 'sync', None), 'interval_seconds', 60)}s"


def job_spec(config: object, name: str) -> str | None:
    """A periodic job's spec: ``[schedule] <name>``; the sharing check's is ``[sharing]
    check_interval_minutes`` (None: the job is off)."""
    if name == "sharing":
        minutes = getattr(getattr(config, "sharing", None), "check_interval_minutes", 60)
        return f"every {minutes}m" if minutes else None
    return getattr(getattr(config, "schedule", None), name)


def describe(scheduler: schedule.Scheduler) -> list[tuple[str, str]]:
    """(job name, next run) for logging at start-up."""
    out = []
    for job in scheduler.get_jobs():
        name = str(next(iter(job.tags), "?"))
        out.append((name, f"{job.next_run:%Y-%m-%d %H:%M:%S}" if job.next_run else "-"))
    return out


def scheduled_jobs(config: Any, names: Iterable[str]) -> dict[str, str]:
    """{job name: spec} for the agency-wide jobs among ``names`` that the config turns on (the invoice
    refresh's default placed before the meeting)."""
    out = {}
    for name in names:
        spec = job_spec(config, name)
        if spec is not None:
            out[name] = invoices_spec(config, spec) if name == "invoices" else spec
    return out


def invoices_spec(cfg: Any, spec: str) -> str:
    """The invoice refresh's spec: the default ("wed 09:00") means two hours before the configured meeting."""
    if spec == "wed 09:00":
        return f"{cfg.invoices.meeting_weekday} {_before(cfg.invoices.meeting_time, 120)}"
    return spec


def _before(hhmm: str, minutes: int = 60) -> str:
    """The clock time ``minutes`` before ``hhmm`` (same day, not before 00:00)."""
    h, m = map(int, hhmm.split(":"))
    t = max(0, h * 60 + m - minutes)
    return f"{t // 60:02d}:{t % 60:02d}"
