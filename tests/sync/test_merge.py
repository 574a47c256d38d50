"""The one three-way field merge (sheetsync/sync/merge.py), shared by tasks and invoices."""

from __future__ import annotations

import itertools

import pytest

from sheetsync.sync.merge import AGREED, NO_BASE, SHEET_CHANGED, STORE_CHANGED, Merge, merge

VALUES = [None, "a", "b"]


@pytest.mark.parametrize("base, sheet, store", list(itertools.product([NO_BASE, *VALUES], VALUES, VALUES)))
@pytest.mark.parametrize("policy", ["sheet", "store"])
def test_decision_table(base, sheet, store, policy):
    m = merge(sheet, store, base, policy)
    if sheet == store:
        assert m == AGREED and m.agreed
    elif base is not NO_BASE and sheet == base:
        assert m == STORE_CHANGED
    elif base is not NO_BASE and store == base:
        assert m == SHEET_CHANGED
    else:
        assert m == Merge(policy, conflict=True)


def test_an_empty_base_is_a_base():
    assert merge("a", None, None, "store") == SHEET_CHANGED  # agreed on empty; the sheet typed a value
    assert merge("a", None, NO_BASE, "store") == Merge("store", conflict=True)  # never agreed on anything
