"""A failing formula's error string is invalid input, never a value (sheetsync/sync/cellerrors.py)."""

from __future__ import annotations

import pytest

from sheetsync.sync.cellerrors import ERROR_TOKENS, formula_error
from sheetsync.sync.normalise import DATE, PRIORITY, STATUS, TEXT, from_sheet

BACKLOG = "Бэклог"


@pytest.mark.parametrize("token", sorted(ERROR_TOKENS))
@pytest.mark.parametrize("ft", [TEXT, PRIORITY, DATE, STATUS], ids=["text", "int", "date", "enum"])
def test_every_error_token_is_invalid_in_every_column_type(token, ft):
    value, err = from_sheet(token, ft, "en")
    assert value is None and err == f"the formula in this cell fails ({token}); type the value itself"
    assert token in from_sheet(f" {token} ", ft, "ru")[1] and from_sheet(token, ft, "ru")[1].startswith("Формула")


@pytest.mark.parametrize("typed", ["#1 priority", "#NAME? is what I saw", "#n/a", "N/A", "#", "#REF", "REF!"])
def test_text_that_only_looks_like_an_error_is_text(typed):
    assert formula_error(typed) is None
    assert from_sheet(typed, TEXT, "en") == (typed, None)


def test_non_text_values_are_never_errors():
    assert [formula_error(v) for v in (0, 1.5, True, None)] == [None] * 4


def _col(kind, key):
    from sheetsync.templates import load_templates

    return load_templates()[kind].column(key).header.ru


def test_failing_formulas_are_noted_and_the_store_keeps_its_values(engine, store, manager):
    from gspread.utils import rowcol_to_a1

    k = store.tasks.create("acme", {"title": "Лендинг", "priority": 2}, origin="cli", actor="team").key
    engine.sync_client("acme")
    ws = manager.worksheet(BACKLOG)
    header = ws.row_values(1)
    title, prio = header.index(_col("backlog", "title")) + 1, header.index(_col("backlog", "priority")) + 1
    ws.update([["=NOSUCHFUNCTION(1)"]], rowcol_to_a1(2, title), raw=False)  # #NAME?
    ws.update([["=1/0"]], rowcol_to_a1(2, prio), raw=False)  # #DIV/0!
    shown = ws.get(f"A2:{rowcol_to_a1(2, max(title, prio))}", value_render_option="UNFORMATTED_VALUE")[0]
    assert {shown[title - 1], shown[prio - 1]} <= ERROR_TOKENS  # what the sync reads, as Google renders it
    r = engine.sync_client("acme")
    assert r.failed is None and r.pulled == 0 and r.errors == 2, r.warnings
    t = store.tasks.get(k)
    assert (t.title, t.priority) == ("Лендинг", 2)
    errors = {e.field: e.message for e in store.sync.errors("acme")}
    assert "(#NAME?)" in errors["title"] and "(#DIV/0!)" in errors["priority"]
    notes = ws.get_notes()
    assert "(#NAME?)" in notes[1][title - 1] and "(#DIV/0!)" in notes[1][prio - 1]
    again = engine.sync_client("acme")  # noted once: nothing more to write while the cells stay broken
    assert again.writes == 0 and store.tasks.get(k).title == "Лендинг"


def test_text_starting_with_a_hash_is_pulled_as_text(engine, store, manager):
    from gspread.utils import rowcol_to_a1

    k = store.tasks.create("acme", {"title": "Лендинг"}, origin="cli", actor="team").key
    engine.sync_client("acme")
    ws = manager.worksheet(BACKLOG)
    title = ws.row_values(1).index(_col("backlog", "title")) + 1
    ws.update([["#1 priority"]], rowcol_to_a1(2, title), raw=True)
    r = engine.sync_client("acme")
    assert r.pulled == 1 and r.errors == 0 and store.tasks.get(k).title == "#1 priority"
