"""Pure parts: estimates, metrics evaluation, Gantt layout, settings, labels in step with templates."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from sheetsync.planning.calendar import WorkCalendar, parse_period
from sheetsync.planning.cells import rgb
from sheetsync.planning.estimates import TypeInfo, auto_estimates
from sheetsync.planning.metrics import MetricInfo, build_rows, evaluate, parse_typed_value, sparkline
from sheetsync.planning.model import SpecialistInfo, TaskInfo
from sheetsync.planning.schedule import build_gantt
from sheetsync.planning.settings import PlanningSettings
from sheetsync.vocabulary import TASK_STATUSES, status_label

STATUS_LABELS = {s: (status_label(s, "ru"), status_label(s, "en")) for s in TASK_STATUSES}  # as the planner shows them

D = dt.date
ROOT = Path(__file__).resolve().parents[2]


def test_auto_estimates_median_default_and_never_overwrite():
    types = {"banner": TypeInfo("banner", "Баннер", "design", 4), "seo": TypeInfo("seo", "SEO", "seo", None)}
    done = [TaskInfo(f"D{i}", task_type="banner", status="done", actual_hours=h) for i, h in enumerate([1, 2, 2.4, 9])]
    done += [TaskInfo("X", task_type="banner", status="in_progress", actual_hours=50)]  # not done: ignored
    backlog = [
        TaskInfo("T1", task_type="banner"),
        TaskInfo("T2", task_type="banner", estimate_hours=7, estimate_source="manual"),
        TaskInfo("T3"),  # no type
        TaskInfo("T4", task_type="seo"),  # no samples and no default
        TaskInfo("T5", task_type="banner", status="planned"),
    ]
    by = {c.key: c for c in auto_estimates(backlog, done, types, min_samples=4, locale="en")}
    assert set(by) == {"T1"}
    assert (by["T1"].hours, by["T1"].basis, by["T1"].samples) == (2.25, "median", 4)  # median 2.2 -> quarter hours
    assert by["T1"].note == "Auto-estimate: median actual hours of 4 done tasks of type 'Баннер'"
    low = auto_estimates(backlog, done, types, min_samples=5)
    assert (low[0].hours, low[0].basis) == (4, "default")
    assert "нужно 5" in low[0].note


def test_metric_evaluation_rules():
    leads = MetricInfo("leads", "Лиды", "шт", "up", 70, "week")
    # week 2026-W46: Mon 9 .. Sun 15 Nov; Wednesday 11 Nov is 3/7 through
    r = evaluate(leads, [(D(2026, 11, 9), 10), (D(2026, 11, 10), 20), (D(2026, 11, 2), 99)], D(2026, 11, 11))
    assert (r.period.label, r.actual, r.expected, r.percent, r.status) == ("2026-W46", 30, 30, 1, "on_track")
    r = evaluate(leads, [(D(2026, 11, 9), 10), (D(2026, 11, 12), 100)], D(2026, 11, 11))  # future value ignored
    assert (r.actual, r.status, r.needs_report) == (10, "lagging", True)
    assert evaluate(leads, [(D(2026, 11, 9), 80)], D(2026, 11, 11)).status == "achieved"
    assert evaluate(leads, [], D(2026, 11, 11)).status == "no_data"
    r = evaluate(leads, [(D(2026, 11, 9), 25)], D(2026, 11, 11), report_threshold=0.8)
    assert (r.status, r.needs_report) == ("lagging", False)  # 83 % of plan: lagging, no report yet
    cpl = MetricInfo("cpl", "CPL", "₽", "down", 500, "month")
    assert evaluate(cpl, [(D(2026, 11, 3), 900), (D(2026, 11, 9), 450)], D(2026, 11, 11)).status == "on_track"
    assert evaluate(cpl, [(D(2026, 11, 9), 450)], D(2026, 11, 30)).status == "achieved"
    r = evaluate(cpl, [(D(2026, 11, 9), 550)], D(2026, 11, 11))
    assert (r.status, r.needs_report) == ("lagging", False)  # 91 % >= 80 %
    assert sparkline([1, 2.5, 10]) == "=SPARKLINE({1,2.5,10})" and sparkline([]) is None


def test_metric_rows_in_english_and_typed_values():
    row = evaluate(MetricInfo("calls", "Calls", "pcs", "up", 10, "month"), [(D(2026, 11, 1), 1)], D(2026, 11, 15))
    rows = build_rows([row], locale="en", comments={"calls": "ok"})
    assert [c["userEnteredValue"]["stringValue"] for c in rows[0][:2]] == ["ID", "Metric"]
    values = rows[1]
    assert values[7]["userEnteredValue"]["stringValue"] == "Lagging"
    assert values[7]["userEnteredFormat"]["backgroundColor"] == rgb("#F4CCCC")
    assert values[9]["userEnteredValue"]["stringValue"] == "Yes"
    assert values[11]["userEnteredValue"]["stringValue"] == "ok"
    assert parse_typed_value("1 234,5") == (1234.5, None)
    assert parse_typed_value(7) == (7.0, None)
    assert parse_typed_value("") == (None, None)
    assert parse_typed_value(-1, "en")[1] == "Expected a non-negative number, e.g. 42 or 3.5"
    assert parse_typed_value("=1+1")[0] is None and parse_typed_value(True)[0] is None


def test_gantt_groups_unassigned_tasks_and_marks_no_today_outside_the_period():
    anna = SpecialistInfo("anna@x.test", "Anna", "design", 40)
    tasks = [
        TaskInfo("T-1", title="Mine", assignee="anna@x.test", status="planned", estimate_hours=4,
                 start_date=D(2026, 11, 2), deadline=D(2026, 11, 2)),
        TaskInfo("T-2", title="Nobody's", status="planned", start_date=D(2026, 11, 3), deadline=D(2026, 11, 3)),
        TaskInfo("T-3", title="Backlog", status="backlog", period="2026-W45"),  # not in work: not shown
        TaskInfo("T-4", title="Next week", assignee="anna@x.test", status="planned",
                 start_date=D(2026, 11, 9), deadline=D(2026, 11, 10)),
    ]
    g = build_gantt(tasks, [anna], WorkCalendar("RU"), parse_period("2026-W45"), D(2026, 12, 1), {}, locale="en")
    assert g.days == [D(2026, 11, 2), D(2026, 11, 3), D(2026, 11, 5), D(2026, 11, 6)]
    assert set(g.task_rows) == {"T-1", "T-2"}
    r2 = g.rows[g.task_rows["T-2"]]
    assert r2[0]["userEnteredValue"]["stringValue"] == "Unassigned"
    assert r2[7]["userEnteredFormat"]["backgroundColor"] == rgb("#E06666")  # overdue on 1 Dec
    r1 = g.rows[g.task_rows["T-1"]]
    assert r1[6]["userEnteredFormat"]["backgroundColor"] == rgb("#E06666")
    assert all("note" not in c for c in g.rows[0])  # today is outside the period: no column marked
    load = g.rows[g.load_rows["anna@x.test"]]
    assert load[3]["userEnteredValue"]["stringValue"] == "—"  # no capacity data given


def test_settings_from_the_real_config_model():
    from sheetsync.config import load_config

    s = PlanningSettings.from_config(load_config({
        "agency": {"holidays_country": "DE"},
        "planning": {"min_sample_size": 7, "reminder_working_days": 2, "period": "month", "auto_estimate": False},
        "metrics": {"report_threshold": 0.7},
    }))
    assert (s.holidays_country, s.min_sample_size, s.reminder_working_days, s.report_threshold,
            s.auto_estimate, s.period_kind) == ("DE", 7, 2, 0.7, False, "month")
    assert PlanningSettings.from_config(load_config(None)).holidays_country == "RU"


def test_status_labels_match_the_vocabulary_file():
    vocab = tomllib.loads((ROOT / "sheet_templates" / "vocabularies.toml").read_text("utf-8"))
    assert {v["value"]: (v["ru"], v["en"]) for v in vocab["task_status"]["values"]} == STATUS_LABELS


@pytest.mark.parametrize("kind", ["plan_schedule", "metrics"])
def test_layouts_agree_with_the_templates(kind):
    from sheetsync.planning import metrics, schedule
    from sheetsync.templates import load_templates

    spec = load_templates()[kind]
    if kind == "plan_schedule":
        assert spec.keys == schedule.FIXED_COLUMNS and spec.frozen_rows == schedule.HEADER_ROWS
    else:
        assert spec.keys == metrics.COLUMNS
        assert [c.key for c in spec.columns if c.edit == "manager"] == ["new_value", "comment"]
