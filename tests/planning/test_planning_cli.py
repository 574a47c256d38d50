"""`sheetsync plan` and `sheetsync digest` from the command line, on a real store file."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from typer.testing import CliRunner

from sheetsync.cli import _app
from sheetsync.cli import plan as _plan  # noqa: F401 - registers the commands

ACTOR = "pm@agency.test"


@pytest.fixture
def cfg_file(tmp_path, agency):
    path = tmp_path / "sheetsync.toml"
    path.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "planning.db"}"\n[agency]\nholidays_country = "RU"\n')
    return str(path)


def run(*args):
    result = CliRunner().invoke(_app.app, list(args), env={"COLUMNS": "200"})
    return result


def test_plan_dry_run_then_for_real(agency, cfg_file):
    t = agency.tasks
    ok = t.create("acme", title="Баннер", task_type="banner", priority=1, origin="cli", actor=ACTOR).key
    big = t.create("acme", title="Огромная задача", assignee="anna@agency.test", estimate_hours=100,
                   origin="cli", actor=ACTOR).key
    forced = t.create("acme", title="Срочно", assignee="anna@agency.test", estimate_hours=40, forced=True,
                      origin="cli", actor=ACTOR).key
    r = run("plan", "acme", "--period", "2026-W45", "--dry-run", "--today", "2026-11-02", "-c", cfg_file)
    assert r.exit_code == 0, r.output
    assert "dry run" in r.output and ok in r.output and big in r.output and forced in r.output
    assert "Не помещается: нужно 100 ч" in r.output
    assert "taken 1, forced 1, not fitting 1, auto-estimated 1" in r.output
    assert agency.tasks.get(ok).status == "backlog"
    r = run("plan", "acme", "--period", "2026-W45", "--today", "2026-11-02", "-c", cfg_file)
    assert r.exit_code == 0, r.output
    assert agency.tasks.get(ok).status == "planned" and agency.tasks.get(forced).status == "planned"
    assert "3 tasks updated" in r.output


def test_plan_errors_say_what_to_do(cfg_file):
    r = run("plan", "--period", "2026-W45", "-c", cfg_file)
    assert r.exit_code == 1 and "--all" in r.output
    r = run("plan", "acme", "--period", "next week", "-c", cfg_file)
    assert r.exit_code == 1 and "2026-W48" in r.output
    r = run("plan", "nosuch", "--period", "2026-W45", "-c", cfg_file)
    assert r.exit_code == 1 and "no client 'nosuch'" in r.output and "acme" in r.output


def test_digest(agency, cfg_file):
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC), tick=False):
        key = agency.tasks.create("acme", title="Доступы к хостингу", status="waiting_client",
                                  origin="cli", actor=ACTOR).key
    r = run("digest", "--today", "2026-11-10", "-c", cfg_file)
    assert r.exit_code == 0, r.output
    assert "olga@agency.test" in r.output and f"{key} «Доступы к хостингу»" in r.output
    assert "petr@agency.test" not in r.output
    r = run("digest", "--today", "2026-11-03", "-c", cfg_file)
    assert "Nothing to chase" in r.output


def test_plan_with_sheets_rewrites_the_generated_sheets(agency, tmp_path):
    from sheetsync.config import load_config
    from sheetsync.provision import provision_client
    from sheetsync.sheets.client import backend_from_config, connect

    path = tmp_path / "sheetsync.toml"
    path.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "planning.db"}"\n'
                    f'[backend]\ntype = "emulator"\ndata_dir = "{tmp_path / "emu"}"\n')
    sheets = connect(backend_from_config(load_config(path)))
    provision_client(store=agency, sheets=sheets, slug="acme")
    key = agency.tasks.create("acme", title="Баннер", assignee="anna@agency.test", estimate_hours=4,
                              origin="cli", actor=ACTOR).key
    r = run("plan", "acme", "--period", "2026-W45", "--today", "2026-11-02", "--sheets", "-c", str(path))
    assert r.exit_code == 0, r.output
    assert "rewritten for 1 client" in r.output
    fresh = connect(backend_from_config(load_config(path)))  # a new process would see the same
    sid = agency.clients.get("acme").spreadsheet_id
    rows = fresh.gc.open_by_key(sid).worksheet("План-график").get()
    assert any(row[1:3] == [key, "Баннер"] for row in rows if len(row) > 2)
