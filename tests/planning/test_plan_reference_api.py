"""Reference data through the public API only (issue #6: task types, metrics and spreadsheets used to fail)."""

from __future__ import annotations

import datetime as dt

from planhelpers import ACTOR, reference_config

from sheetsync.config import load_config
from sheetsync.planning import plan_client


def _config(banner_hours: float = 4):
    raw = reference_config().model_dump(mode="json", include={"specialists", "task_types"})
    for tt in raw["task_types"]:
        if tt["key"] == "banner":
            tt["default_estimate_hours"] = banner_hours
    raw["clients"] = [{"slug": "acme", "name": "ACME", "locale": "en", "metrics": [
        {"key": "leads", "name": "Leads", "target": 40}, {"key": "cpl", "name": "Cost per lead", "direction": "down"}]}]
    return load_config(raw)


def test_task_types_metrics_and_spreadsheets_through_the_public_api(any_store):
    store = any_store
    counts = store.sync_reference_data(_config())
    assert (counts["task_types"], counts["specialists"], counts["clients"], counts["metrics"]) == (4, 5, 1, 2)
    assert store.task_types.get("banner").default_estimate_hours == 4
    assert [m.key for m in store.metrics.definitions("acme")] == ["leads", "cpl"]
    store.sync_reference_data(_config(banner_hours=6))  # a changed config updates, never duplicates
    assert store.task_types.get("banner").default_estimate_hours == 6
    assert len(store.task_types.list()) == 4 and len(store.metrics.definitions("acme")) == 2

    store.metrics.define("acme", "leads", name="Leads", target=50, period="week")
    assert [(m.key, m.target, m.period) for m in store.metrics.definitions("acme")][0] == ("leads", 50, "week")
    store.clients.set_spreadsheet("acme", "sheet-acme-1", actor=ACTOR)
    assert store.clients.get("acme").spreadsheet_id == "sheet-acme-1"
    assert [(r.field, r.new) for r in store.log(client="acme", entity="client") if r.action == "update"] == [
        ("spreadsheet_id", '"sheet-acme-1"')]

    # the planner sees what the public API loaded: the banner's default estimate is the config's
    task = store.tasks.create("acme", title="Banner", task_type="banner", origin="cli", actor=ACTOR)
    report = plan_client(store, {"agency": {"holidays_country": "RU"}}, "acme", "2026-W45", today=dt.date(2026, 11, 2))
    assert [(d.task.key, d.outcome, d.assignee) for d in report.decisions] == [(task.key, "taken", "anna@agency.test")]
    planned = store.tasks.get(task.key)
    assert (planned.status, planned.estimate_hours, planned.estimate_source) == ("planned", 6, "auto")
