"""`sheetsync demo`: see the whole thing work in a minute, without a Google account."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ._app import app, console, fail

# sheetsync.demo (the whole library behind it) is imported inside the command: every command module is
# imported at start-up; .view there too, so `view` keeps its place in `sheetsync --help`


@app.command("demo")
def demo_cmd(
    out: Annotated[Path, typer.Option("--out", help="A fresh directory for the demo's data.")] = Path("demo-output"),
    cycles: Annotated[int, typer.Option("--cycles", min=1, help="Sync cycles to run.")] = 8,
    interval: Annotated[float, typer.Option("--interval", min=0.1, help="Seconds between cycles.")] = 1.0,
    view: Annotated[bool | None, typer.Option(
        "--view/--no-view", help="At the end, serve the spreadsheets in a browser (`sheetsync view`) until "
                                 "Ctrl-C. Default: when the output is a terminal.")] = None,
    view_port: Annotated[int, typer.Option("--view-port", help="The view's port (0 picks a free one).")] = 8766,
) -> None:
    """Seed a demo agency, provision and plan its spreadsheets, and watch the daemon sync while people edit
    (a conflict made and resolved included); prints where to look, with commands that run as printed."""
    from sheetsync.demo import run_demo

    if out.exists() and not out.is_dir():
        fail(f"--out {out} is a file, not a folder", "pass --out with a new folder name, e.g. --out demo-output")
    try:
        result = run_demo(out, cycles=cycles, interval=interval, console=console)
    except FileExistsError as e:
        fail(str(e), "pass --out with a new directory name")
    except (NotADirectoryError, PermissionError) as e:
        fail(f"cannot write the demo into {out}: {e.strerror}", "pass --out with a folder you can write to")
    if result.stopped or not (sys.stdout.isatty() if view is None else view):
        return
    from .view import view_cmd

    console.rule("the spreadsheets in a browser")
    view_cmd(port=view_port, config=str(result.config_path))
