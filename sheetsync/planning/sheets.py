"""Regenerating a client's plan-schedule and metrics sheets through the transport.

Each sheet is rewritten by one structural ``batchUpdate`` (after one metadata read to find it;
the metrics sheet also reads its two manager-editable columns first, so typed values are
ingested and comments kept). The in-work sheet's "days in stage" column and the card's waiting
list are the stage clock's: numbers written by sheetsync (``refresh_stage_days``,
``refresh_card_reminders``), only the cells that changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from .calendar import Period, WorkCalendar, current_period, parse_period
from .metrics import COLUMNS as METRIC_COLUMNS
from .metrics import MetricInfo, build_rows, evaluate_all, metrics_requests, parse_typed_value
from .run import ORIGIN, read_snapshot
from .schedule import SpecialistLoad, booked_per_day, build_gantt, gantt_requests
from .select import capacity_of
from .settings import ConfigLike, PlanningSettings

if TYPE_CHECKING:
    from sheetsync.ports import SheetsPort, StorePort
    from sheetsync.store.models import Client

    from .run import Snapshot

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


def find_sheet(sheets: SheetsPort, spreadsheet_id: str, kind: str) -> tuple[int, str]:
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


def specialist_loads(snap: Snapshot, period: Period, calendar: WorkCalendar) -> dict[str, SpecialistLoad]:
    """Every specialist's load in the period over all clients' in-work tasks, as the planner booked it."""
    out = {}
    for s in snap.specialists:
        days, cap = capacity_of(s, calendar, period)
        per_day = booked_per_day(snap.tasks, s, calendar, period)
        out[s.email] = SpecialistLoad(sum(per_day.values()), cap, per_day, s.daily_hours)
    return out


def _client(store: StorePort, slug: str) -> tuple[Client, str]:
    """The client and its spreadsheet's id (SheetMissing when it has none yet)."""
    client = store.clients.get(slug)
    if not client.spreadsheet_id:
        raise SheetMissing(f"client {slug} has no spreadsheet yet: run `sheetsync provision {slug}` first")
    return client, client.spreadsheet_id


def refresh_plan_schedule(
    store: StorePort, config: ConfigLike, sheets: SheetsPort, slug: str, period: str | Period | None = None,
    *, today: dt.date | None = None,
) -> RefreshResult:
    """Rewrite the client's plan-schedule from the store (default period: the current week)."""
    settings = PlanningSettings.from_config(config)
    today = today or dt.date.today()
    p = period if isinstance(period, Period) else (parse_period(period) if period else current_period(settings.period_kind, today))
    client, sid = _client(store, slug)
    snap = read_snapshot(store)
    calendar = WorkCalendar(settings.holidays_country)
    tasks = [t for t in snap.tasks if t.client == slug]
    gantt = build_gantt(tasks, snap.specialists, calendar, p, today, specialist_loads(snap, p, calendar),
                        locale=client.locale or "ru")
    sheet_id, _ = find_sheet(sheets, sid, "plan_schedule")
    reqs = gantt_requests(gantt, sheet_id)
    sheets.batch_update(sid, reqs)
    return RefreshResult(sheet_id, len(reqs), len(gantt.rows))


def refresh_metrics(
    store: StorePort, config: ConfigLike, sheets: SheetsPort, slug: str, *, today: dt.date | None = None, actor: str | None = None,
) -> RefreshResult:
    """Store the values a manager typed, then rewrite the client's metrics sheet from the store."""
    from sheetsync.sheets.a1 import a1_range

    settings = PlanningSettings.from_config(config)
    today = today or dt.date.today()
    client, sid = _client(store, slug)
    locale = client.locale or "ru"
    sheet_id, title = find_sheet(sheets, sid, "metrics")
    rng = a1_range(title, "A2:L")
    typed = sheets.snapshot(sid, [rng]).get(rng, [])
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
        owner = next((k for k, d in definitions.items() if d.id == mv.metric_id), None)
        if owner:
            values.setdefault(owner, []).append((mv.date, mv.value))
    rows = build_rows(evaluate_all(metrics, values, today, report_threshold=settings.report_threshold),
                      locale=locale, comments=comments)
    _keep_rejected(rows, rejected, i_key, i_new)
    reqs = metrics_requests(rows, sheet_id)
    sheets.batch_update(sid, reqs)
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
           "refresh_metrics", "refresh_stage_clock", "refresh_stage_days", "stage_clock_hook",
           "refresh_plan_schedule", "specialist_loads"]


def refresh_card_reminders(
    store: StorePort, config: ConfigLike, sheets: SheetsPort, slug: str, *, today: dt.date | None = None,
) -> RefreshResult:
    """Rewrite the card's "waiting on the client" block with this client's reminders.

    Uses provisioning's layout of the block (card.toml ``[card.waiting]``); overdue tasks are
    listed there too, their title prefixed with "Просрочена:" / "Overdue:" and "since" = deadline.
    "Days" is the stage clock's number of working days (agency calendar), written as a number.
    """
    from sheetsync.provision.render import WaitingTask, waiting_block
    from sheetsync.templates import load_templates

    from .digest import card_reminder_rows

    client, sid = _client(store, slug)
    rows = card_reminder_rows(store, config, slug, today=today)
    sheet_id, _ = find_sheet(sheets, sid, "card")
    # the rows are (ID, task, since, working days) as planning.reminders.card_rows builds them
    waiting = [WaitingTask(cast(str, k), cast(str, title), cast(dt.date, since), cast("int | None", days))
               for k, title, since, days in rows]
    reqs = waiting_block(load_templates(), sheet_id, waiting, locale=client.locale or "ru", today=today)
    sheets.batch_update(sid, reqs)
    return RefreshResult(sheet_id, len(reqs), len(rows))


def refresh_client_sheets(
    store: StorePort, config: ConfigLike, sheets: SheetsPort, slug: str, period: str | Period | None = None,
    *, today: dt.date | None = None,
) -> dict[str, RefreshResult]:
    """All of planning's generated views of one client: plan-schedule, metrics, card reminders."""
    return {
        "plan_schedule": refresh_plan_schedule(store, config, sheets, slug, period, today=today),
        "metrics": refresh_metrics(store, config, sheets, slug, today=today),
        "card": refresh_card_reminders(store, config, sheets, slug, today=today),
    }


# --- the stage clock in the client's spreadsheet ----------------------------------------------------

OVER_NORM_COLOUR = "#EA9999"  # the card legend's "over the stage's norm" entry (card.toml)
STAGE_DAYS_FIELDS = "userEnteredValue,userEnteredFormat.backgroundColor"  # never the number format
_GRID_FIELDS = "sheets(data(startRow,startColumn,rowData(values(effectiveValue,userEnteredFormat(backgroundColor)))))"


def _rgb(hex_colour: str) -> dict[str, float]:
    h = hex_colour.lstrip("#")
    return {k: int(h[i:i + 2], 16) / 255 for k, i in (("red", 0), ("green", 2), ("blue", 4))}


def _is_over_colour(bg: Mapping[str, Any] | None) -> bool:
    want = _rgb(OVER_NORM_COLOUR)
    return bool(bg) and all(abs(float(bg.get(k, 0)) - v) < 0.01 for k, v in want.items())  # type: ignore[union-attr]


def _is_plain(bg: Mapping[str, Any] | None) -> bool:
    """No background of ours: none, or white (what Sheets reports for a cleared one)."""
    return not bg or all(abs(float(bg.get(k, 0)) - 1) < 0.01 for k in ("red", "green", "blue"))


def stage_days_requests(sheet_id: int, days_col: int, rows: Mapping[int, tuple[str | None, Any, Any]],
                        wanted: Mapping[str, tuple[int, bool]]) -> list[dict[str, Any]]:
    """``updateCells`` for the "days in stage" cells that differ from what they should show.

    ``rows``: 1-based row -> (task key in the row or None, the cell's effectiveValue, its background).
    A task of ``wanted`` gets its number (red when over the norm); any other row an empty, uncoloured
    cell (a task in a status the client may not see, a done task, a row the sync cleared). Pure.
    """
    out: list[dict[str, Any]] = []
    for row, (key, value, bg) in sorted(rows.items()):
        want = wanted.get(key) if key else None
        have = value.get("numberValue") if isinstance(value, dict) else None
        blank = not value or (isinstance(value, dict) and value.get("stringValue", None) == "")
        if want is None:
            if blank and _is_plain(bg):
                continue
            cell: dict[str, Any] = {}
        else:
            days, over = want
            if have == days and (_is_over_colour(bg) if over else _is_plain(bg)):
                continue
            cell = {"userEnteredValue": {"numberValue": days}}
            if over:
                cell["userEnteredFormat"] = {"backgroundColor": _rgb(OVER_NORM_COLOUR)}
        out.append({"updateCells": {"rows": [{"values": [cell]}], "fields": STAGE_DAYS_FIELDS,
                                    "start": {"sheetId": sheet_id, "rowIndex": row - 1, "columnIndex": days_col}}})
    return out


def _grid_rows(data: list[dict[str, Any]], key_col: int, days_col: int) -> dict[int, tuple[str | None, Any, Any]]:
    """1-based row -> (key, days value, days background) from GridData blocks (whole rows or two columns)."""
    keys: dict[int, str | None] = {}
    days: dict[int, tuple[Any, Any]] = {}
    for block in data:
        r0, c0 = block.get("startRow", 0), block.get("startColumn", 0)
        for i, rd in enumerate(block.get("rowData", []) or []):
            row = r0 + i + 1
            if row == 1:
                continue  # the header
            for j, v in enumerate(rd.get("values", []) or []):
                col = c0 + j
                if col == key_col:
                    ev = (v or {}).get("effectiveValue") or {}
                    text = str(ev.get("stringValue", ev.get("numberValue", ""))).strip().upper()
                    keys[row] = text or None
                if col == days_col:
                    days[row] = ((v or {}).get("effectiveValue"), ((v or {}).get("userEnteredFormat") or {})
                                 .get("backgroundColor"))
    return {row: (keys.get(row), *days.get(row, (None, None))) for row in sorted(set(keys) | set(days))}


def _wanted_days(store: StorePort, config: ConfigLike, slug: str, today: dt.date | None) -> dict[str, tuple[int, bool]]:
    from .digest import agency_today, collect_stage_times, stages_config
    from .stages import visible_days

    times, _ = collect_stage_times(store, config, today=today or agency_today(config), slugs=[slug])
    return visible_days(times, stages_config(config).client_visible)


def refresh_stage_days(store: StorePort, config: ConfigLike, sheets: SheetsPort, slug: str, *, today: dt.date | None = None,
                       where: tuple[int, str, int, int] | None = None,
                       wanted: Mapping[str, tuple[int, bool]] | None = None) -> RefreshResult:
    """Write the in-work sheet's "days in stage" column: working days in the current status (the
    stage clock, agency calendar), red when over the norm; only the cells that changed.

    ``where`` = (sheetId, title, key column, days column), 0-based, as the sync found them: then one
    read of those two columns; otherwise the sheet is found (one call) and read whole (one call).
    A spreadsheet provisioned before the column existed is left alone (0 requests): provisioning
    adds the column. One ``batchUpdate`` when anything changed.
    """
    from sheetsync.sheets.a1 import a1_range
    from sheetsync.sync.layout import map_columns
    from sheetsync.templates import load_templates

    _, sid = _client(store, slug)
    if where is None:
        sheet_id, title = find_sheet(sheets, sid, "in_work")
        got = sheets.request("GET", f"https://sheets.googleapis.com/v4/spreadsheets/{sid}",
                             params={"ranges": [a1_range(title)], "includeGridData": "true", "fields": _GRID_FIELDS},
                             what=f"spreadsheet {sid}") or {}
        blocks = [b for s in got.get("sheets", []) for b in s.get("data", [])]
        header_row = (blocks[0].get("rowData") or [{}])[0].get("values", []) if blocks else []
        header = [str(((v or {}).get("effectiveValue") or {}).get("stringValue", "")) for v in header_row]
        cols, computed, _missing = map_columns(load_templates()["in_work"], header)
        if "key" not in cols or "stage_days" not in computed:
            return RefreshResult(sheet_id, 0, 0)
        key_col, days_col = cols["key"], computed["stage_days"]
    else:
        sheet_id, title, key_col, days_col = where
        got = sheets.request("GET", f"https://sheets.googleapis.com/v4/spreadsheets/{sid}",
                             params={"ranges": [_col_range(title, key_col), _col_range(title, days_col)],
                                     "includeGridData": "true", "fields": _GRID_FIELDS},
                             what=f"spreadsheet {sid}") or {}
        blocks = [b for s in got.get("sheets", []) for b in s.get("data", [])]
    rows = _grid_rows(blocks, key_col, days_col)
    if wanted is None:
        wanted = _wanted_days(store, config, slug, today)
    reqs = stage_days_requests(sheet_id, days_col, rows, wanted)
    if reqs:
        sheets.batch_update(sid, reqs)
    return RefreshResult(sheet_id, len(reqs), len(reqs))


def _col_range(title: str, col: int) -> str:
    from gspread.utils import rowcol_to_a1

    from sheetsync.sheets.a1 import a1_range

    letter = rowcol_to_a1(1, col + 1).rstrip("0123456789")
    return f"{a1_range(title)}!{letter}2:{letter}"


def stage_clock_hook(store: StorePort, config: ConfigLike,
                     sheets: SheetsPort) -> Callable[[Client, Mapping[str, Any]], list[str]]:
    """What the sync engine calls after each sync of a client: the client's "days in stage" column
    (a status typed in the sheet restarts the clock; the column shows it at once). Returns warnings.

    It remembers, per spreadsheet and column position, the day and the numbers it last wrote: when
    neither changed (a comment pulled, a title pushed) it costs no call at all — sorting or inserting
    rows moves the written cells with their rows. Otherwise one read of the ID and days columns and
    one ``batchUpdate`` of the cells that differ. The daemon's daily job rewrites everything anyway.
    """
    from .digest import agency_today

    written: dict[tuple[str | None, int, int, int], tuple[dt.date, dict[str, tuple[int, bool]]]] = {}

    def hook(client: Client, layouts: Mapping[str, Any]) -> list[str]:
        lay = layouts.get("in_work")
        if lay is None or lay.sheet_id is None or "key" not in lay.columns or "stage_days" not in lay.computed:
            return []  # no in-work sheet, or one provisioned before the column: `sheetsync provision` adds it
        where = (lay.sheet_id, lay.title, lay.columns["key"], lay.computed["stage_days"])
        spot = (client.spreadsheet_id, lay.sheet_id, *where[2:])
        today = agency_today(config)
        wanted = _wanted_days(store, config, client.slug, today)
        if written.get(spot) == (today, wanted):
            return []
        written.pop(spot, None)  # forgotten until the write below succeeds
        refresh_stage_days(store, config, sheets, client.slug, today=today, where=where, wanted=wanted)
        written[spot] = (today, wanted)
        return []

    return hook


def refresh_stage_clock(store: StorePort, config: ConfigLike, sheets: SheetsPort, slug: str, *,
                        today: dt.date | None = None) -> dict[str, RefreshResult]:
    """The stage clock's two places in a client's spreadsheet, for the daemon's daily job: the
    in-work sheet's "days in stage" column and the card's waiting list (working days change
    overnight even when nothing else does)."""
    return {"in_work": refresh_stage_days(store, config, sheets, slug, today=today),
            "card": refresh_card_reminders(store, config, sheets, slug, today=today)}
