"""Shared data for the invoices tests: an agency month, time helpers, reading cells back."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from typing import Any

import pytest
import time_machine

from sheetsync.store import Store

ACTOR = "pm@agency.test"
ACCOUNTS = "accounts@agency.test"
MSK = dt.timezone(dt.timedelta(hours=3))
PG_URL = os.environ.get("SHEETSYNC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=MSK)


def pg_store() -> tuple[Store, str, str]:
    """A store in a throwaway PostgreSQL schema; skipped (failed when CI=true) if there is no server."""
    import psycopg

    dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    schema = f"inv_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # noqa: BLE001 - any reason it cannot be used
        problem = f"PostgreSQL at {PG_URL} is unreachable ({exc.__class__.__name__})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{problem}; it is required when CI=true")
        pytest.skip(problem)
    return Store.open(PG_URL, connect_args={"options": f"-csearch_path={schema}"}), schema, dsn


def populate(store) -> dict[str, str]:
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


def cells(sheets, spreadsheet_id: str, rng: str) -> list[list[dict[str, Any]]]:
    """Grid data of a range: per cell its formattedValue, effectiveValue, note and userEnteredFormat."""
    data = sheets.get_metadata(spreadsheet_id, "sheets(data(rowData(values(formattedValue,effectiveValue,note,"
                                               "userEnteredFormat))))", ranges=[rng])
    return [row.get("values", []) for row in data["sheets"][0]["data"][0].get("rowData", [])]


def values(sheets, spreadsheet_id: str, tab: str) -> list[list[Any]]:
    rng = f"'{tab}'"
    return sheets.snapshot(spreadsheet_id, [rng])[rng]
