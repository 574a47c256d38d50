"""`sheetsync demo`: see the whole thing work in a minute, without a Google account."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app, console, fail


@app.command("demo")
def demo_cmd(
    out: Annotated[Path, typer.Option("--out", help="A fresh directory for the demo's data.")] = Path("demo-output"),
    cycles: Annotated[int, typer.Option("--cycles", min=1, help="Sync cycles to run.")] = 8,
    interval: Annotated[float, typer.Option("--interval", min=0.1, help="Seconds between cycles.")] = 1.0,
) -> None:
    """Seed a demo agency, provision its spreadsheets, and watch the daemon sync while people edit."""
    from sheetsync.demo import run_demo

    try:
        run_demo(out, cycles=cycles, interval=interval, console=console)
    except FileExistsError as e:
        fail(str(e), "pass --out with a new directory name")
