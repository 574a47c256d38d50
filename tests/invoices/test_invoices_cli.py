"""`sheetsync invoices refresh | report | diff` on a config file with the embedded, persistent emulator."""

from __future__ import annotations

import datetime as dt
import importlib

import time_machine
from typer.testing import CliRunner

from sheetsync.cli import _COMMANDS, app

CONFIG = """
data_dir = "{data}"

[agency]
name = "Ветер"
locale = "en"

[invoices]
editor_emails = ["accounts@veter.test"]

[[departments]]
key = "dev"
name = "Development"
monthly_minimum = 500000

[[clients]]
slug = "acme"
name = "ACME"
"""

MSK = dt.timezone(dt.timedelta(hours=3))


def test_refresh_report_diff(tmp_path):
    for name in _COMMANDS:
        importlib.import_module(f"sheetsync.cli.{name}")
    cfg = tmp_path / "sheetsync.toml"
    cfg.write_text(CONFIG.format(data=tmp_path / "data"), encoding="utf-8")
    runner = CliRunner()
    env = {"COLUMNS": "200"}
    from sheetsync.config import load_config
    from sheetsync.store import Store

    st = Store.from_config(load_config(cfg), load_reference=True)
    key = st.invoices.create("acme", amount=300000, planned_date="2026-11-27", department="dev", origin="cli",
                             actor="t").key
    st.close()
    with time_machine.travel(dt.datetime(2026, 11, 18, 9, tzinfo=MSK), tick=False):
        out = runner.invoke(app, ["invoices", "refresh", "-c", str(cfg)], env=env)
    assert out.exit_code == 0, out.output
    assert "2026-11" in out.output and "2026-11-18" in out.output  # the month and the snapshot taken
    assert "100% of the month's forecast" in out.output
    st = Store.from_config(load_config(cfg))
    st.invoices.update(key, status="paid", paid_date="2026-11-20", origin="cli", actor="t")
    st.close()
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=MSK), tick=False):
        rep = runner.invoke(app, ["invoices", "report", "--month", "2026-11", "-c", str(cfg)], env=env)
        diff = runner.invoke(app, ["invoices", "diff", "-m", "2026-11", "-c", str(cfg)], env=env)
    assert rep.exit_code == 0, rep.output
    assert "Development" in rep.output and "500,000.00" in rep.output and "ACME" in rep.output
    assert diff.exit_code == 0, diff.output
    assert "since the snapshot of 2026-11-18" in diff.output and "planned" in diff.output and "paid" in diff.output
    assert "fact 0.00 → 300,000.00" in diff.output
    share = runner.invoke(app, ["invoices", "share", "-c", str(cfg)], env=env)
    assert share.exit_code == 0 and "added: —; removed: —" in share.output  # shared when it was created
    bad = runner.invoke(app, ["invoices", "report", "--month", "Nov", "-c", str(cfg)], env=env)
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output
