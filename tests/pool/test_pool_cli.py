"""The pool on the command line: `provision` spreads new clients, `clients move-account` (progress, dry run,
re-run, one-line errors), `doctor` prints one line per account."""

from __future__ import annotations

import importlib

import pytest
import tomli_w
from poolhelpers import P1, P2, SLUGS, pool_config
from typer.testing import CliRunner

from sheetsync.cli import _COMMANDS, app

ENV = {"COLUMNS": "200"}


@pytest.fixture
def cfg(tmp_path):
    for name in _COMMANDS:
        importlib.import_module(f"sheetsync.cli.{name}")
    path = tmp_path / "sheetsync.toml"
    path.write_text(tomli_w.dumps(pool_config(tmp_path / "data")), encoding="utf-8")
    return str(path)


def _run(*args):
    return CliRunner().invoke(app, list(args), env=ENV)


def _accounts(cfg):
    from sheetsync.app import App

    with App.from_config(cfg) as a:
        return {s: a.account_of(s) for s in SLUGS}


def test_provision_then_move_account(cfg):
    r = _run("provision", "--all", "-c", cfg)
    assert r.exit_code == 0, r.output
    assert f"shared with {P1}:writer" in r.output and f"shared with {P2}:writer" in r.output
    assert _accounts(cfg) == {"acme": "default", "beta": "pool-1", "gamma": "pool-2"}

    dry = _run("clients", "move-account", "beta", "pool-2", "--dry-run", "-c", cfg)
    assert dry.exit_code == 0, dry.output
    assert "(dry run) beta: sharing spreadsheet" in dry.output
    assert f"beta: would share with {P2}:writer" in dry.output
    assert "beta: would switch from pool-1 to pool-2" in dry.output and f"would remove {P1}'s access" in dry.output
    assert "run without --dry-run" in dry.output
    assert _accounts(cfg)["beta"] == "pool-1"

    r = _run("clients", "move-account", "beta", "pool-2", "--actor", "ops@agency.test", "-c", cfg)
    assert r.exit_code == 0, r.output
    assert "beta: switching from account pool-1 to pool-2" in r.output
    assert f"removed {P1}'s access" in r.output
    assert _accounts(cfg)["beta"] == "pool-2"

    again = _run("clients", "move-account", "beta", "pool-2", "-c", cfg)
    assert again.exit_code == 0 and "nothing to do" in again.output, again.output


@pytest.mark.parametrize(("args", "expected"), [
    (("beta", "pool-9"), "error: no account 'pool-9' in the config (accounts: default, pool-1, pool-2)"),
    (("zeta", "pool-1"), "error: no client 'zeta' in the store"),
])
def test_move_account_errors_are_one_line(cfg, args, expected):
    r = _run("clients", "move-account", *args, "-c", cfg)
    assert r.exit_code == 1
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(expected), r.output


def test_doctor_prints_one_line_per_account(cfg):
    assert _run("provision", "--all", "-c", cfg).exit_code == 0
    r = _run("doctor", "-c", cfg)
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.output.splitlines() if " account " in f" {ln}"]
    assert lines == [
        "ok account default (sheetsync@agency.test): emulator user; Drive reachable; 1 clients assigned",
        f"ok account pool-1 ({P1}): emulator user; Drive reachable; 1 clients assigned",
        f"ok account pool-2 ({P2}): emulator user; Drive reachable; 1 clients assigned",
    ], r.output


def test_doctor_fails_an_account_whose_key_is_missing(tmp_path):
    for name in _COMMANDS:
        importlib.import_module(f"sheetsync.cli.{name}")
    from sheetsync.cli.doctor import account_checks
    from sheetsync.config import load_config
    from sheetsync.sheets.checks import FAIL

    cfg = load_config({"data_dir": str(tmp_path / "data"),
                       "backend": {"type": "google", "credentials": str(tmp_path / "main.json"),
                                   "shared_drive_id": "0Adrive",
                                   "accounts": [{"name": "pool-1", "credentials": str(tmp_path / "nope.json")}]}})
    lines = account_checks(cfg)
    assert [s for s, _ in lines] == [FAIL, FAIL]
    assert lines[1][1].startswith("account pool-1: credentials the credentials file") and "nope.json" in lines[1][1]
    assert lines[1][1].endswith("clients: no store yet")


def test_a_move_cut_by_a_google_error_says_to_run_it_again(cfg, monkeypatch):
    import sheetsync.provision.accounts as accounts
    from sheetsync.sheets.errors import TransientError

    assert _run("provision", "--all", "-c", cfg).exit_code == 0
    real = accounts.set_account_access

    def flaky(*a, **kw):
        if kw.get("revoke"):
            raise TransientError("Google answered 503 (backendError)", hint="Google had a hiccup")
        return real(*a, **kw)

    monkeypatch.setattr(accounts, "set_account_access", flaky)
    r = _run("clients", "move-account", "gamma", "pool-1", "-c", cfg)
    assert r.exit_code == 1
    err = [ln for ln in r.output.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and "moving gamma to pool-1 stopped" in err[0]
    assert "run `sheetsync clients move-account gamma pool-1` again" in err[0]
    assert _accounts(cfg)["gamma"] == "pool-1"  # switched; the old account's access is still there
    monkeypatch.undo()
    r = _run("clients", "move-account", "gamma", "pool-1", "-c", cfg)
    assert r.exit_code == 0 and f"gamma: removed {P2}'s access" in r.output, r.output
