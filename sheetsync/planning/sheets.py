"""Regenerating a client's plan-schedule and metrics sheets through the transport.

Each sheet is rewritten by one structural ``batchUpdate`` (after one metadata read to find it;
the metrics sheet also reads its two manager-editable columns first, so typed values are
ingested and comments kept).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .calendar import Period, WorkCalendar, current_period, parse_period
from .metrics import COLUMNS as METRIC_COLUMNS
from .metrics import MetricInfo, build_rows, evaluate_all, metrics_requests, parse_typed_value
from .run import ORIGIN, read_snapshot
from .schedule import SpecialistLoad, booked_per_day, build_gantt, gantt_requests
from .select import capacity_of
from .settings import PlanningSettings

SHEET_META_KEY = "sheetsync.sheet"
_TITLES = {"plan_schedule": ("План-график", "Plan-schedule"), "metrics": ("Метрики", "Metrics"),
           "card": ("Карточка", "Card")}


class SheetMissing(LookupError):
    pass


@dataclass
class RefreshResult:
    sheet_id: int
    requests: int
    rows: int
    ingested: int = 0  # metric values typed into the sheet and stored
    rejected: int = 0  # typed values that were not numbers (left in place with a note)


def find_sheet(sheets: Any, spreadsheet_id: str, kind: str) -> tuple[int, str]:
    """(sheetId, title) of the sheet of ``kind``: by its developer metadata, else by its title."""
    meta = sheets.get_metadata(
        spreadsheet_id, "sheets(properties(sheetId,title),developerMetadata(metadataKey,metadataValue))"
    )
    titles = set(_TITLES.get(kind, ()))
    try:
        from sheetsync.templates import load_templates

        spec = load_templates()[kind]
        titles |= {spec.title_for("ru"), spec.title_for("en")}
    except Exception:  # noqa: BLE001 - fall back to the built-in titles
        pass
    by_title = None
    for sh in meta.get("sheets", []):
        props = sh.get("properties", {})
        for dm in sh.get("developerMetadata", []) or []:
            if dm.get("metadataKey") == SHEET_META_KEY and dm.get("metadataValue") == kind:
                return props["sheetId"], props["title"]
        if props.get("title") in titles and by_title is None:
            by_title = (props["sheetId"], props["title"])
    if by_title is None:
        raise SheetMissing(
            f"spreadsheet {spreadsheet_id} has no {kind} sheet: run `sheetsync provision` for this client to repair it"
        )
    return by_title


def specialist_loads(snap: Any, period: Period, calendar: WorkCalendar) -> dict[str, SpecialistLoad]:
    """Every specialist's load in the period over all clients' in-work tasks, as the planner booked it."""
    out = {}
    for s in snap.specialists:
        days, cap = capacity_of(s, calendar, period)
        per_day = booked_per_day(snap.tasks, s, calendar, period)
        out[s.email] = SpecialistLoad(sum(per_day.values()), cap, per_day, s.daily_hours)
    return out


def _client(store: Any, slug: str) -> Any:
    client = store.clients.get(slug)
    if not client.spreadsheet_id:
        raise SheetMissing(f"client {slug} has no spreadsheet yet: run `sheetsync provision {slug}` first")
    return client


def refresh_plan_schedule(
    store: Any, config: Any, sheets: Any, slug: str, period: str | Period | None = None,
    *, today: dt.date | None = None,
) -> RefreshResult:
    """Rewrite the client's plan-schedule from the store (default period: the current week)."""
    settings = PlanningSettings.from_config(config)
    today = today or dt.date.today()
    p = period if isinstance(period, Period) else (parse_period(period) if period else current_period(settings.period_kind, today))
    client = _client(store, slug)
    snap = read_snapshot(store)
    calendar = WorkCalendar(settings.holidays_country)
    tasks = [t for t in snap.tasks if t.client == slug]
    gantt = build_gantt(tasks, snap.specialists, calendar, p, today, specialist_loads(snap, p, calendar),
                        locale=client.locale or "ru")
    sheet_id, _ = find_sheet(sheets, client.spreadsheet_id, "plan_schedule")
    reqs = gantt_requests(gantt, sheet_id)
    sheets.batch_update(client.spreadsheet_id, reqs)
    return RefreshResult(sheet_id, len(reqs), len(gantt.rows))


def refresh_metrics(
    store: Any, config: Any, sheets: Any, slug: str, *, today: dt.date | None = None, actor: str | None = None,
) -> RefreshResult:
    """Store the values a manager typed, then rewrite the client's metrics sheet from the store."""
    from sheetsync.sheets.a1 import a1_range

    settings = PlanningSettings.from_config(config)
    today = today or dt.date.today()
    client = _client(store, slug)
    locale = client.locale or "ru"
    sheet_id, title = find_sheet(sheets, client.spreadsheet_id, "metrics")
    rng = a1_range(title, "A2:L")
    typed = sheets.snapshot(client.spreadsheet_id, [rng]).get(rng, [])
    i_key, i_new, i_comment = (METRIC_COLUMNS.index(k) for k in ("key", "new_value", "comment"))
    definitions = {d.key: d for d in store.metrics.definitions(slug)}
    comments: dict[str, str] = {}
    rejected: dict[str, tuple[Any, str]] = {}
    ingested = 0
    for row in typed:
        key = str(row[i_key]).strip() if len(row) > i_key else ""
        if key not in definitions:
            continue
        if len(row) > i_comment and str(row[i_comment]).strip():
            comments[key] = str(row[i_comment])
        raw = row[i_new] if len(row) > i_new else None
        value, error = parse_typed_value(raw, locale)
        if error:
            rejected[key] = (raw, error)
        elif value is not None:
            md = definitions[key]
            if md.direction == "up":  # a count: what was typed adds to today's value
                value += sum(v.value for v in store.metrics.values(slug, key, since=today, until=today))
            store.metrics.set_value(slug, key, today, value, origin="sheet", actor=actor or client.manager_email
                                    or settings.actor, source="sheet")
            ingested += 1
    metrics = [MetricInfo.of(d) for d in definitions.values()]
    values: dict[str, list[tuple[dt.date, float]]] = {}
    for mv in store.metrics.values(slug):
        key = next((k for k, d in definitions.items() if d.id == mv.metric_id), None)
        if key:
            values.setdefault(key, []).append((mv.date, mv.value))
    rows = build_rows(evaluate_all(metrics, values, today, report_threshold=settings.report_threshold),
                      locale=locale, comments=comments)
    _keep_rejected(rows, rejected, i_key, i_new)
    reqs = metrics_requests(rows, sheet_id)
    sheets.batch_update(client.spreadsheet_id, reqs)
    return RefreshResult(sheet_id, len(reqs), len(rows), ingested, len(rejected))


def _keep_rejected(rows: list[list[dict]], rejected: Mapping[str, tuple[Any, str]], i_key: int, i_new: int) -> None:
    """A value that is not a number stays where it was typed, with a note saying what is expected."""
    for row in rows[1:]:
        key = row[i_key].get("userEnteredValue", {}).get("stringValue")
        if key in rejected:
            raw, why = rejected[key]
            row[i_new] = {"userEnteredValue": {"stringValue": str(raw)}, "note": why,
                          "userEnteredFormat": {"backgroundColor": {"red": 0.9569, "green": 0.8, "blue": 0.8}}}


__all__ = ["ORIGIN", "RefreshResult", "SheetMissing", "find_sheet", "refresh_card_reminders", "refresh_client_sheets",
           "refresh_metrics",
           "refresh_plan_schedule", "specialist_loads"]


def refresh_card_reminders(
    store: Any, config: Any, sheets: Any, slug: str, *, today: dt.date | None = None,
) -> RefreshResult:
    """Rewrite the card's "waiting on the client" block with this client's reminders.

    Uses provisioning's layout of the block (card.toml ``[card.waiting]``); overdue tasks are
    listed there too, their title prefixed with "Просрочена:" / "Overdue:" and "since" = deadline.
    """
    from sheetsync.provision.render import WaitingTask, waiting_block
    from sheetsync.templates import load_templates

    from .digest import card_reminder_rows

    client = _client(store, slug)
    rows = card_reminder_rows(store, config, slug, today=today)
    sheet_id, _ = find_sheet(sheets, client.spreadsheet_id, "card")
    reqs = waiting_block(load_templates(), sheet_id, [WaitingTask(k, title, since) for k, title, since, _ in rows],
                         locale=client.locale or "ru", today=today)
    sheets.batch_update(client.spreadsheet_id, reqs)
    return RefreshResult(sheet_id, len(reqs), len(rows))


def refresh_client_sheets(
    store: Any, config: Any, sheets: Any, slug: str, period: str | Period | None = None,
    *, today: dt.date | None = None,
) -> dict[str, RefreshResult]:
    """All of planning's generated views of one client: plan-schedule, metrics, card reminders."""
    return {
        "plan_schedule": refresh_plan_schedule(store, config, sheets, slug, period, today=today),
        "metrics": refresh_metrics(store, config, sheets, slug, today=today),
        "card": refresh_card_reminders(store, config, sheets, slug, today=today),
    }
