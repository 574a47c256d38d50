"""The metrics sheet: success criteria the client watches instead of waiting for reports.

Pure: metric definitions + their values + today -> one row per metric (unit, target for the
period, actual to date, percent of target prorated to today, status with colour, a SPARKLINE
trend and a "needs a detailed report" flag) -> one structural batch.

How a metric is read depends on its direction: an ``up`` metric (leads, calls) is a count that
accumulates, so the actual is the sum of the period's values and the target is prorated to the
days elapsed; a ``down`` metric (cost per lead, response time) is a level, so the actual is the
latest value and it must stay at or under the target all period.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .calendar import Period, current_period, parse_period
from .cells import cell, conform_to_template, grid_rewrite

if TYPE_CHECKING:
    from sheetsync.templates import SheetSpec

STATUS_COLOURS = {"achieved": "#93C47D", "on_track": "#D9EAD3", "lagging": "#F4CCCC", "no_data": "#EFEFEF"}
STATUS_LABELS = {
    "achieved": ("Достигнута", "Achieved"),
    "on_track": ("По плану", "On track"),
    "lagging": ("Отстаёт", "Lagging"),
    "no_data": ("Нет данных", "No data"),
}
COLUMNS = ("key", "name", "unit", "period", "target", "actual", "progress", "status", "trend", "report",
           "new_value", "comment")
_DEFAULT_HEADERS = {
    "ru": ("ID", "Метрика", "Ед.", "Период", "Цель на период", "Факт на сегодня", "% от плана на сегодня",
           "Статус", "Динамика", "Нужен подробный отчёт", "Новое значение за сегодня", "Комментарий менеджера"),
    "en": ("ID", "Metric", "Unit", "Period", "Target for the period", "Actual to date", "% of plan to date",
           "Status", "Trend", "Needs a detailed report", "New value for today", "Manager's comment"),
}


def _template() -> SheetSpec | None:
    try:
        from sheetsync.templates import load_templates

        spec = load_templates()["metrics"]
    except Exception:  # templates missing or broken: the built-in layout still works
        return None
    return spec if spec.keys == COLUMNS else None


def headers(locale: str) -> tuple[str, ...]:
    """Header row, from sheet_templates/metrics.toml when its columns match this layout."""
    spec = _template()
    if spec is not None:
        return tuple(spec.headers(locale))
    return _DEFAULT_HEADERS["en" if locale == "en" else "ru"]


@dataclass(frozen=True)
class MetricInfo:
    key: str
    name: str
    unit: str = ""
    direction: str = "up"
    target: float | None = None
    period: str = "month"  # 'week' | 'month' (or an explicit '2026-11' / '2026-W48')

    @classmethod
    def of(cls, obj: Any) -> MetricInfo:
        if isinstance(obj, MetricInfo):
            return obj
        get: Callable[..., Any] = obj.get if isinstance(obj, dict) else lambda k, d=None: getattr(obj, k, d)
        target = get("target")
        return cls(get("key"), get("name") or get("key"), get("unit") or "", get("direction") or "up",
                   float(target) if target is not None else None, get("period") or "month")


@dataclass(frozen=True)
class MetricRow:
    metric: MetricInfo
    period: Period
    actual: float | None
    expected: float | None  # the target prorated to today (up) or the target level (down)
    percent: float | None  # actual over expected (up) / target over actual (down)
    status: str
    needs_report: bool
    series: tuple[float, ...]


def metric_period(metric: MetricInfo, today: dt.date) -> Period:
    if metric.period in ("week", "month"):
        return current_period(metric.period, today)
    return parse_period(metric.period)


def elapsed_share(period: Period, today: dt.date) -> float:
    """Share of the period's calendar days passed, counting today (leads come on weekends too)."""
    total = (period.end - period.start).days + 1
    passed = min(max((today - period.start).days + 1, 0), total)
    return passed / total


def evaluate(
    metric: MetricInfo,
    values: Iterable[tuple[dt.date, float]],
    today: dt.date,
    *,
    report_threshold: float = 0.8,
) -> MetricRow:
    """Status of one metric today. A lagging metric whose percent of plan is under
    ``report_threshold`` (config ``metrics.report_threshold``, 0.8 = 80 %) needs a detailed report."""
    period = metric_period(metric, today)
    points = sorted((d, float(v)) for d, v in values if period.start <= d <= min(period.end, today))
    if not points:
        return MetricRow(metric, period, None, None, None, "no_data", False, ())
    target = metric.target
    if metric.direction == "down":
        actual = points[-1][1]
        series = tuple(v for _, v in points)
        if target is None:
            return MetricRow(metric, period, actual, None, None, "no_data", False, series)
        percent = (target / actual) if actual > 0 else math.inf
        if actual <= target:
            status = "achieved" if today >= period.end else "on_track"
        else:
            status = "lagging"
        needs = status == "lagging" and percent < report_threshold
        return MetricRow(metric, period, actual, target, _finite(percent), status, needs, series)
    running, series_l = 0.0, []
    for _, v in points:
        running += v
        series_l.append(round(running, 6))
    actual = round(running, 6)
    if target is None:
        return MetricRow(metric, period, actual, None, None, "no_data", False, tuple(series_l))
    expected = target * elapsed_share(period, today)
    share = actual / expected if expected > 0 else None
    if actual >= target:
        status = "achieved"
    elif share is not None and share >= 1.0 - 1e-9:
        status = "on_track"
    else:
        status = "lagging"
    needs = status == "lagging" and share is not None and share < report_threshold
    return MetricRow(metric, period, actual, round(expected, 4), _finite(share), status, needs, tuple(series_l))


def _finite(x: float | None) -> float | None:
    return None if x is None or math.isinf(x) else round(x, 4)


def sparkline(series: Sequence[float]) -> str | None:
    """A SPARKLINE over the values (an inline array, so it needs no helper cells)."""
    if not series:
        return None
    nums = ",".join(f"{v:g}" for v in series)
    return f"=SPARKLINE({{{nums}}})"


def build_rows(
    metric_rows: Sequence[MetricRow], *, locale: str = "ru", comments: Mapping[str, str] | None = None
) -> list[list[dict]]:
    """Header + one row per metric; ``comments`` (metric key -> text) keeps the manager's comments."""
    loc = "en" if locale == "en" else "ru"
    comments = comments or {}
    rows = [[cell(h, bold=True, bg="#EFEFEF") for h in headers(loc)]]
    for r in metric_rows:
        colour = STATUS_COLOURS[r.status]
        label = STATUS_LABELS[r.status][1 if loc == "en" else 0]
        spark = sparkline(r.series)
        yes, no = ("Yes", "No") if loc == "en" else ("Да", "Нет")
        rows.append([
            cell(r.metric.key),
            cell(r.metric.name),
            cell(r.metric.unit),
            cell(r.period.label),
            cell(r.metric.target, fmt=("NUMBER", "#,##0.##")) if r.metric.target is not None else cell(),
            cell(r.actual, fmt=("NUMBER", "#,##0.##")) if r.actual is not None else cell(),
            cell(r.percent, fmt=("PERCENT", "0%")) if r.percent is not None else cell(),
            cell(label, bg=colour, bold=r.status == "lagging"),
            cell(("formula", spark)) if spark else cell(),
            cell(yes, bg=STATUS_COLOURS["lagging"], bold=True) if r.needs_report else cell(no),
            cell(),
            cell(comments.get(r.metric.key) or None),
        ])
    return conform_to_template(rows, "metrics", loc)


def metrics_requests(rows: list[list[dict]], sheet_id: int) -> list[dict]:
    spec = _template()
    widths = dict(enumerate(c.width for c in spec.columns)) if spec is not None else {}
    return grid_rewrite(sheet_id, rows, frozen_rows=1, frozen_cols=2, widths=widths)


def evaluate_all(
    metrics: Sequence[MetricInfo],
    values: Mapping[str, Iterable[tuple[dt.date, float]]],
    today: dt.date,
    *,
    report_threshold: float = 0.8,
) -> list[MetricRow]:
    return [evaluate(m, values.get(m.key, ()), today, report_threshold=report_threshold) for m in metrics]


def parse_typed_value(raw: Any, locale: str = "ru") -> tuple[float | None, str | None]:
    """A number a manager typed into the "new value" cell -> (value, None) or (None, why not).

    Uses the sync's normaliser for numbers (decimal comma or point, spaces as thousands
    separators, never a float guess), so a value is read the same way on every sheet; metric
    values must also not be negative.
    """
    try:
        from sheetsync.sync.normalise import FieldType, from_sheet
    except ImportError:  # pragma: no cover - the sync package is part of sheetsync
        return _parse_number(raw, locale)
    canon, error = from_sheet(raw, FieldType("number"), locale)
    if error or canon is None:
        return None, error
    value = float(canon)
    if value < 0 or not math.isfinite(value):
        return None, _NOT_NEGATIVE[locale == "en"]
    return value, None


_NOT_NEGATIVE = ("Нужно неотрицательное число, например 42 или 3,5", "Expected a non-negative number, e.g. 42 or 3.5")


def _parse_number(raw: Any, locale: str) -> tuple[float | None, str | None]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value: float | None = float(raw)
    else:
        text = str(raw).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
        try:
            value = None if isinstance(raw, bool) else float(text)
        except ValueError:
            value = None
    if value is None or value < 0 or not math.isfinite(value):
        return None, _NOT_NEGATIVE[locale == "en"]
    return value, None
