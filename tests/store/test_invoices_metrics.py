"""Invoices (moves leave a trace), metrics, reference data from the config."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from store_helpers import ACTOR

from sheetsync.config import load_config
from sheetsync.store import ConcurrentUpdateError, InvalidValueError

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "sheetsync.example.toml"


@pytest.fixture
def dev(store):
    return store.departments.upsert("dev", name="Разработка", monthly_minimum=1_000_000)


def test_invoice_create_and_money_is_exact(store, acme, dev):
    inv = store.invoices.create("acme", amount="150 000,10", planned_date="2026-11-04", department="dev",
                                description="Этап 1", origin="cli", actor="acc@agency.test")
    assert inv.key == "INV-000001" and inv.amount == Decimal("150000.10") and inv.currency == "RUB"
    row = store.log(client="acme", entity="invoice", field="amount")[0]
    assert json.loads(row.new) == "150000.10"


def test_moving_to_a_later_week_records_a_move_with_actor_and_reason(store, acme):
    inv = store.invoices.create("acme", amount=1000, planned_date="2026-11-04", origin="cli", actor=ACTOR)
    store.invoices.update(inv.key, planned_date="2026-11-06", origin="cli", actor=ACTOR)  # same ISO week
    assert store.invoices.moves(inv.key) == []
    moved = store.invoices.move(inv.key, "2026-11-12", reason="client approval is late", origin="sheet",
                                actor="acc@agency.test", expected_version=2)
    [move] = store.invoices.moves(inv.key)
    assert (move.from_date, move.to_date, move.actor, move.reason) == (
        dt.date(2026, 11, 6), dt.date(2026, 11, 12), "acc@agency.test", "client approval is late")
    assert moved.version == 3
    assert [i.key for i in store.invoices.list("acme", month="2026-11")] == [inv.key]
    assert store.invoices.list("acme", month="2026-12") == []


def test_invoice_version_check_and_tombstone(store, acme):
    inv = store.invoices.create("acme", amount=1000, planned_date="2026-11-04", origin="cli", actor=ACTOR)
    store.invoices.update(inv.key, status="issued", origin="cli", actor=ACTOR, expected_version=1)
    with pytest.raises(ConcurrentUpdateError):
        store.invoices.update(inv.key, status="paid", paid_date="2026-11-05", origin="cli", actor=ACTOR,
                              expected_version=1)
    with pytest.raises(InvalidValueError, match="invoices.status: expected one of planned, issued, paid"):
        store.invoices.update(inv.key, status="lost", origin="cli", actor=ACTOR)
    store.invoices.delete(inv.key, origin="cli", actor=ACTOR)
    assert store.invoices.list("acme") == []
    assert store.restore(inv.key, actor=ACTOR).status == "issued"
    assert store.restore(inv.key, field="status", actor=ACTOR).status == "planned"


def test_invoice_unknown_department_lists_the_known_ones(store, acme, dev):
    with pytest.raises(InvalidValueError, match=r"a department key from the config \(dev\)"):
        store.invoices.create("acme", amount=1, planned_date="2026-11-04", department="sales", origin="cli",
                              actor=ACTOR)


def test_department_plans_override_the_monthly_default(store, dev):
    store.departments.set_plan("dev", "2026-12", "1500000")
    assert store.departments.minimum_for("dev", "2026-12") == Decimal("1500000.00")
    assert store.departments.minimum_for("dev", "2026-11") == Decimal("1000000.00")
    with pytest.raises(InvalidValueError, match="department_plans.month"):
        store.departments.set_plan("dev", "December", 1)


def test_metric_values_are_upserted_and_logged(store, acme):
    store.metrics.define("acme", "leads", name="Заявки", unit="шт.", target=120)
    store.metrics.set_value("acme", "leads", "2026-11-02", 10, origin="sheet", actor="m@agency.test")
    store.metrics.set_value("acme", "leads", "2026-11-02", 12, origin="daemon", actor="")
    [value] = store.metrics.values("acme", "leads")
    assert (value.value, value.period) == (12.0, "2026-11")
    rows = store.log(client="acme", entity="metric_value")
    assert [(r.action, r.entity_key, r.old, r.new, r.origin) for r in rows] == [
        ("create", "leads@2026-11-02", None, "10.0", "sheet"),
        ("update", "leads@2026-11-02", "10.0", "12.0", "daemon"),
    ]
    df = store.metrics.to_dataframe("acme")
    assert df.to_dict("records") == [{"client": "acme", "metric": "leads", "date": dt.date(2026, 11, 2),
                                      "period": "2026-11", "value": 12.0, "source": "manual"}]


def test_reference_data_from_the_example_config_is_idempotent(store):
    config = load_config(EXAMPLE)
    first = store.sync_reference_data(config)
    assert first["specialists"] == 6 and first["clients"] == 3 and first["departments"] == 3
    log_size = len(store.log())
    store.sync_reference_data(config)  # nothing changed: nothing logged
    assert len(store.log()) == log_size
    assert {c.slug for c in store.clients.list()} == {"romashka", "stroymir", "greenfood"}
    assert store.clients.get("greenfood").locale == "en" and store.clients.get("romashka").locale == "ru"
    assert store.specialists.get("olga.smirnova@veter.example").working_days == "mon,tue,wed,thu"
    assert store.task_types.get("landing").default_estimate_hours == 16
    assert [m.key for m in store.metrics.definitions("romashka")] == ["leads", "cpl"]
    # a specialist who left the config is deactivated, not deleted
    smaller = load_config({**_raw(EXAMPLE), "specialists": [
        s for s in _raw(EXAMPLE)["specialists"] if s["email"] != "olga.smirnova@veter.example"]})
    store.sync_reference_data(smaller)
    assert "olga.smirnova@veter.example" not in {s.email for s in store.specialists.list()}
    assert store.specialists.get("olga.smirnova@veter.example").active is False


def _raw(path: Path) -> dict:
    import tomllib

    return tomllib.loads(path.read_text(encoding="utf-8"))
