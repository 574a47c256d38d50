"""`sheetsync sync / conflicts / status` on a config file with the embedded, persistent emulator."""

from __future__ import annotations

import importlib

from typer.testing import CliRunner

from sheetsync.cli import _COMMANDS, app

CONFIG = """
data_dir = "{data}"

[agency]
name = "Ветер"

[[specialists]]
email = "maria@veter.test"
name = "Мария"
role = "manager"

[[clients]]
slug = "acme"
name = "ACME"
manager_email = "maria@veter.test"
"""


def test_sync_dry_run_then_sync_then_status(tmp_path):
    for name in _COMMANDS:
        importlib.import_module(f"sheetsync.cli.{name}")
    cfg = tmp_path / "sheetsync.toml"
    cfg.write_text(CONFIG.format(data=tmp_path / "data"), encoding="utf-8")
    runner = CliRunner()
    env = {"COLUMNS": "200"}
    assert runner.invoke(app, ["provision", "acme", "-c", str(cfg)], env=env).exit_code == 0
    from sheetsync.config import load_config
    from sheetsync.store import Store

    st = Store.from_config(load_config(cfg))
    key = st.tasks.create("acme", {"title": "Лендинг"}, origin="cli", actor="t").key
    st.close()
    dry = runner.invoke(app, ["sync", "--dry-run", "--client", "acme", "-c", str(cfg)], env=env)
    assert dry.exit_code == 0, dry.output
    assert f"add row {key}" in dry.output and "dry run" in dry.output
    real = runner.invoke(app, ["sync", "-c", str(cfg)], env=env)
    assert real.exit_code == 0, real.output
    again = runner.invoke(app, ["sync", "--dry-run", "-c", str(cfg)], env=env)
    assert "nothing to do" in again.output
    status = runner.invoke(app, ["status", "-c", str(cfg)], env=env)
    assert status.exit_code == 0 and "acme" in status.output and "ok" in status.output
    conflicts = runner.invoke(app, ["conflicts", "-c", str(cfg)], env=env)
    assert conflicts.exit_code == 0 and "no unresolved conflicts" in conflicts.output
    bad = runner.invoke(app, ["sync", "--client", "globex", "-c", str(cfg)], env=env)
    assert bad.exit_code == 1 and "no client 'globex'" in bad.output
