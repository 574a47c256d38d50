"""`sheetsync provision` on a config file with the embedded (persistent) emulator."""

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
viewer_emails = ["ceo@acme.test"]
"""


def test_provision_cli_creates_then_reports_up_to_date(tmp_path):
    for name in _COMMANDS:
        importlib.import_module(f"sheetsync.cli.{name}")
    cfg = tmp_path / "sheetsync.toml"
    cfg.write_text(CONFIG.format(data=tmp_path / "data"), encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(app, ["provision", "acme", "-c", str(cfg)], env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert "acme" in first.output and "created" in first.output
    assert "shared with ceo@acme.test:reader" in first.output
    second = runner.invoke(app, ["provision", "--all", "-c", str(cfg)], env={"COLUMNS": "200"})
    assert second.exit_code == 0, second.output
    assert "up to date" in second.output
    bad = runner.invoke(app, ["provision", "globex", "-c", str(cfg)])
    assert bad.exit_code == 1 and "no client 'globex'" in bad.output
    both = runner.invoke(app, ["provision", "-c", str(cfg)])
    assert both.exit_code == 1 and "say which client" in both.output
