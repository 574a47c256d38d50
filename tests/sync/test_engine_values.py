"""The engine's values between phases: the base as the planner takes it, layouts replaced rather than changed."""

from __future__ import annotations

import dataclasses

import pytest

from sheetsync.sync.actions import BaseRow
from sheetsync.sync.engine import split_base
from sheetsync.sync.execute import PENDING, Context
from sheetsync.sync.layout import SheetLayout


def test_split_base_separates_pending_writes_and_keeps_the_first_sheet_of_a_key():
    raw = {("backlog", "T-1", "title"): "a", (PENDING, "T-1", "title"): "b", ("in_work", "T-1", "status"): "planned",
           ("in_work", "T-2", "title"): None}
    base, pending = split_base(raw)
    assert base == {"T-1": BaseRow("backlog", {"title": "a", "status": "planned"}), "T-2": BaseRow("in_work",
                                                                                                 {"title": None})}
    assert pending == {"T-1": {"title": "b"}}
    assert split_base({}) == ({}, {})


def test_a_layout_is_a_value():
    lay = SheetLayout("backlog", "Backlog", 7, 100)
    with pytest.raises(dataclasses.FrozenInstanceError):
        lay.row_count = 3
    found = lay.with_columns({"key": 0, "title": 1}, {"stage_days": 5}, ["status"])
    assert (found.columns, found.computed, found.missing, found.fields) == (
        {"key": 0, "title": 1}, {"stage_days": 5}, ["status"], ["title"])
    assert lay.columns == {} and found.resized(2).row_count == 102 and found.row_count == 100
    unknown = SheetLayout("backlog", "Backlog")
    assert unknown.resized(5) is unknown


def test_the_executor_resizes_its_own_copy_of_the_layouts():
    cached = {"backlog": SheetLayout("backlog", "Backlog", 7, 100)}
    ctx = Context(None, None, "acme", "SS", "en", dict(cached), {}, "test")
    ctx.resize("backlog", 3)
    ctx.resize("backlog", -1)
    assert ctx.layouts["backlog"].row_count == 102 and cached["backlog"].row_count == 100
