"""An agency month: two departments with minimums, three clients, invoices across November 2026."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from sheetsync.config import load_config
from sheetsync.invoices import Invoices
from sheetsync.sheets.client import connect
from sheetsync.store import Store

ACTOR = "pm@agency.test"
ACCOUNTS = "accounts@agency.test"
MSK = dt.timezone(dt.timedelta(hours=3))


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=MSK)


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "invoices.db")
    yield s
    s.close()


@pytest.fixture
def config():
    return load_config({"agency": {"locale": "en", "timezone": "Europe/Moscow"},
                        "invoices": {"editor_emails": [ACCOUNTS], "concentration_share": 0.5}})


@pytest.fixture
def sheets(emu):
    return connect(emu)


@pytest.fixture
def agency(store):
    """dev (minimum 1,000,000) and ads (300,000); acme, globex, initech; five invoices planned in Nov."""
    store.departments.upsert("dev", name="Development", monthly_minimum=1_000_000)
    store.departments.upsert("ads", name="Advertising", monthly_minimum=300_000)
    for slug, name in (("acme", "ACME"), ("globex", "Globex"), ("initech", "Initech")):
        store.clients.create(slug, name=name, origin="cli", actor=ACTOR)
    keys = {}
    with time_machine.travel(at(11, 2), tick=False):
        for name, client, dep, amount, day, desc in (
            ("a", "acme", "dev", 250_000, "2026-11-10", "Stage 1"),
            ("b", "globex", "ads", 120_000, "2026-11-17", "Ads, November"),
            ("c", "acme", "dev", 400_000, "2026-11-26", "Stage 2"),
            ("d", "initech", "dev", 150_000, "2026-11-05", "=SUM(1,2) support"),
            ("e", "initech", "ads", 60_000, "2026-11-12", "Media plan"),
        ):
            keys[name] = store.invoices.create(client, amount=amount, planned_date=day, description=desc,
                                               department=dep, origin="cli", actor=ACTOR).key
    return keys


@pytest.fixture
def invoices(store, sheets, config, agency):
    return Invoices(store, sheets, config)


def cells(sheets, spreadsheet_id: str, rng: str) -> list[list[dict[str, Any]]]:
    """Grid data of a range: per cell its formattedValue, effectiveValue, note and userEnteredFormat."""
    data = sheets.get_metadata(spreadsheet_id, "sheets(data(rowData(values(formattedValue,effectiveValue,note,"
                                               "userEnteredFormat))))", ranges=[rng])
    out: list[list[dict[str, Any]]] = []
    for row in data["sheets"][0]["data"][0].get("rowData", []):
        out.append(row.get("values", []))
    return out


def values(sheets, spreadsheet_id: str, tab: str) -> list[list[Any]]:
    rng = f"'{tab}'"
    return sheets.snapshot(spreadsheet_id, [rng])[rng]
