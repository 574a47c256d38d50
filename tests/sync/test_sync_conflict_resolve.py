"""`sheetsync conflicts resolve ID --take sheet|store|VALUE`, end to end.

A real conflict (a manager edits a cell through gspread while the team changes the same field in the
store), settled through the command line, then a daemon-style cycle (which skips clients whose store
and sheet did not change): the sheet shows the chosen value, the conflict note is gone, the change
log holds the resolution with its actor, and the conflict is listed only with --all.
"""

from __future__ import annotations

import importlib
import json

import pytest
from typer.testing import CliRunner

from sheetsync.cli import _COMMANDS, app

BACKLOG, IN_WORK = "Бэклог", "В работе"
BOSS = "boss@agency.test"


@pytest.fixture
def cli(tmp_path, store):
    """Run `sheetsync …` on a config whose store is the test's store file."""
    for name in _COMMANDS:
        importlib.import_module(f"sheetsync.cli.{name}")
    cfg = tmp_path / "sheetsync.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "data"}"\n[store]\nurl = "sqlite:///{tmp_path / "store.db"}"\n',
                   encoding="utf-8")

    def run(*args: str):
        result = CliRunner().invoke(app, [*args, "-c", str(cfg)], env={"COLUMNS": "200"})
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
            result.output  # never a traceback
        return result

    return run


def _cycle(engine):
    """What the daemon does: sync the clients whose sheet or store changed since their last sync."""
    (r,) = engine.cycle(["acme"]).clients
    assert r.failed is None and not r.skipped, r.warnings
    return r


def _title_conflict(store, engine, manager):
    """The manager retitles the row while the team retitles the task: the sheet wins a manager field."""
    k = store.tasks.create("acme", {"title": "A"}, origin="cli", actor="team").key
    _cycle(engine)
    ws = manager.worksheet(BACKLOG)
    ws.update([["from sheet"]], "B2", raw=False)
    store.tasks.update(k, {"title": "from store"}, origin="cli", actor="team")
    assert _cycle(engine).conflicts == 1
    (c,) = store.sync.conflicts("acme")
    assert (c.entity_key, c.field, c.winner) == (k, "title", "sheet")
    assert "conflict" in ws.get_note("B2") and store.tasks.get(k).title == "from sheet"
    return k, c.id, ws


def _hours_conflict(store, engine, manager):
    """The manager types actual hours while the team logs others: the store wins a team field."""
    k = store.tasks.create("acme", {"title": "A", "status": "in_progress"}, origin="cli", actor="team").key
    _cycle(engine)
    ws = manager.worksheet(IN_WORK)
    col = ws.row_values(1).index("Факт, ч") + 1
    ws.update_cell(2, col, 5)
    store.tasks.update(k, {"actual_hours": 7}, origin="cli", actor="team")
    assert _cycle(engine).conflicts == 1
    (c,) = store.sync.conflicts("acme")
    assert (c.field, c.winner) == ("actual_hours", "store")
    cell = ws.cell(2, col).address
    assert "conflict" in ws.get_note(cell) and ws.acell(cell, value_render_option="UNFORMATTED_VALUE").value == 7
    return k, c.id, ws, cell


def _resolution(store, key):
    rows = [r for r in store.log(task=key) if r.action == "resolve"]
    assert len(rows) == 1
    return rows[0]


def test_take_the_store_value_over_the_winning_sheet_value(store, engine, manager, cli):
    k, cid, ws = _title_conflict(store, engine, manager)
    out = cli("conflicts", "resolve", str(cid), "--take", "store", "--actor", BOSS)
    assert out.exit_code == 0 and f"resolved conflict {cid}" in out.output, out.output
    assert store.tasks.get(k).title == "from store"
    assert _cycle(engine).pushed == 1
    assert ws.acell("B2").value == "from store" and ws.get_note("B2") == ""
    row = _resolution(store, k)
    assert (row.field, row.origin, row.actor) == ("title", "cli", BOSS) and "from store" in row.new
    update = [r for r in store.log(task=k) if r.action == "update" and r.actor == BOSS]
    assert len(update) == 1 and "from sheet" in update[0].old
    assert engine.sync_client("acme").plan.empty  # settled: nothing left to write


def test_take_the_sheet_value_over_the_winning_store_value(store, engine, manager, cli):
    k, cid, ws, cell = _hours_conflict(store, engine, manager)
    out = cli("conflicts", "resolve", str(cid), "--take", "sheet", "--actor", BOSS)
    assert out.exit_code == 0, out.output
    assert store.tasks.get(k).actual_hours == 5
    _cycle(engine)
    assert ws.acell(cell, value_render_option="UNFORMATTED_VALUE").value == 5 and ws.get_note(cell) == ""
    assert _resolution(store, k).actor == BOSS
    assert engine.sync_client("acme").plan.empty


def test_take_a_value_of_ones_own_read_as_the_sheet_reads_it(store, engine, manager, cli):
    k, cid, ws, cell = _hours_conflict(store, engine, manager)
    out = cli("conflicts", "resolve", str(cid), "--take", "6,5", "--actor", BOSS)
    assert out.exit_code == 0, out.output
    assert store.tasks.get(k).actual_hours == 6.5
    _cycle(engine)
    assert ws.acell(cell, value_render_option="UNFORMATTED_VALUE").value == 6.5 and ws.get_note(cell) == ""
    assert '"6.5"' in _resolution(store, k).new or "6.5" in _resolution(store, k).new


def test_taking_the_value_already_in_the_store_still_clears_the_note(store, engine, manager, cli):
    k, cid, ws, cell = _hours_conflict(store, engine, manager)  # the store won: 7 is in both places
    out = cli("conflicts", "resolve", str(cid), "--take", "store", "--actor", BOSS)
    assert out.exit_code == 0 and "already held it" in out.output, out.output
    assert not [r for r in store.log(task=k) if r.action == "update" and r.actor == BOSS]
    _cycle(engine)  # not skipped: the resolution moved the client's change counter
    assert ws.get_note(cell) == "" and ws.acell(cell, value_render_option="UNFORMATTED_VALUE").value == 7
    assert _resolution(store, k).actor == BOSS
    assert engine.sync_client("acme").plan.empty  # the note is cleared once


def test_listing_shows_open_conflicts_and_all_with_resolved(store, engine, manager, cli):
    _k, cid, _ws = _title_conflict(store, engine, manager)
    assert f"{cid}" in cli("conflicts").output
    assert cli("conflicts", "resolve", str(cid), "--take", "sheet", "--actor", BOSS).exit_code == 0
    assert "no unresolved conflicts" in cli("conflicts").output
    listed = cli("conflicts", "--all")
    assert listed.exit_code == 0 and f"by {BOSS}" in listed.output
    assert not store.sync.conflicts("acme") and len(store.sync.conflicts("acme", unresolved=False)) == 1
    assert json.loads(cli("conflicts", "--json").stdout) == {"conflicts": []}
    (row,) = json.loads(cli("conflicts", "--all", "--json").stdout)["conflicts"]
    assert (row["id"], row["resolved_by"]) == (cid, BOSS) and row["resolved_at"]
    twice = cli("conflicts", "resolve", str(cid), "--take", "sheet", "--take", "store")
    assert twice.exit_code == 1 and "--take was given 2 times" in twice.output


def test_errors_are_one_line_each(store, engine, manager, cli):
    k, cid, ws, cell = _hours_conflict(store, engine, manager)
    unknown = cli("conflicts", "resolve", "999", "--take", "sheet")
    assert unknown.exit_code == 1 and "no conflict 999" in unknown.output
    bad = cli("conflicts", "resolve", str(cid), "--take", "завтра")
    assert bad.exit_code == 1 and "actual_hours: expected" in bad.output and "завтра" in bad.output
    assert "--take sheet" in bad.output  # says what else is accepted
    assert store.tasks.get(k).actual_hours == 7 and store.sync.conflicts("acme")  # nothing changed
    assert cli("conflicts", "resolve", str(cid), "--take", "store", "--actor", BOSS).exit_code == 0
    again = cli("conflicts", "resolve", str(cid), "--take", "sheet")
    assert again.exit_code == 1 and f"already resolved by {BOSS}" in again.output
    assert store.tasks.get(k).actual_hours == 7
    for r in (unknown, bad, again):
        assert "Traceback" not in r.output and r.output.count("error:") == 1
