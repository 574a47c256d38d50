"""The `sheetsync` command line: a thin layer over the library.

Each command group lives in its own module and registers itself on ``app`` when imported.
"""

from __future__ import annotations

import importlib

from ._app import app

# command modules; each adds its commands to `app`
_COMMANDS = ["emulator", "doctor", "clients", "plan", "provision", "init_cmd", "db", "data", "restore", "sync", "run", "ops", "demo", "invoices", "view"]


def main() -> None:
    for name in _COMMANDS:
        importlib.import_module(f"sheetsync.cli.{name}")
    app()
