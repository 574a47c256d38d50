"""INTERNAL_TASK_FIELDS: the store's own list of fields that never reach a client's spreadsheet."""

from __future__ import annotations

import csv

from store_helpers import ACTOR

import sheetsync.store as store_pkg
from sheetsync.store import INTERNAL_TASK_FIELDS, models
from sheetsync.store.tasks import TASK_FIELDS


def test_internal_fields_are_settable_task_fields_exported_by_the_package():
    assert "INTERNAL_TASK_FIELDS" in store_pkg.__all__
    assert store_pkg.INTERNAL_TASK_FIELDS is models.INTERNAL_TASK_FIELDS
    assert "internal_note" in INTERNAL_TASK_FIELDS
    assert set(INTERNAL_TASK_FIELDS) <= set(TASK_FIELDS)


def test_the_internal_csv_export_keeps_internal_notes(store, acme, tmp_path):
    store.tasks.create("acme", title="Landing", internal_note="client pays late", origin="cli", actor=ACTOR)
    out = tmp_path / "tasks.csv"
    store.export_csv("tasks", out)
    with out.open(encoding="utf-8", newline="") as fh:
        assert [row["internal_note"] for row in csv.DictReader(fh)] == ["client pays late"]
