"""`sheetsync emulator serve`: the offline Google Sheets/Drive API on a loopback port."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ._app import SafeGroup, app, console, fail

emulator_app = typer.Typer(cls=SafeGroup, help="The offline Google Sheets v4 + Drive v3 emulator.", no_args_is_help=True)
app.add_typer(emulator_app, name="emulator")


@emulator_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (keep it on loopback: there is no real auth)."),
    port: int = typer.Option(8765, help="Port to listen on; 0 picks a free one."),
    data: Path | None = typer.Option(None, "--data", help="Directory to keep the emulator's state in across "
                                     "restarts (default: in memory, gone when the server stops)."),
    quota: bool = typer.Option(False, "--quota/--no-quota", help="Enforce Google's per-minute read/write quotas."),
    drive_lag: float = typer.Option(0.0, "--drive-lag", min=0.0, metavar="SECONDS",
                                    help="Publish a spreadsheet's Drive modifiedTime/version this many seconds "
                                         "after its first change, coalescing the changes in between, as Google "
                                         "does (about 180). 0: at once."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every request."),
) -> None:
    """Serve the emulator over HTTP until Ctrl-C (or SIGTERM); state is saved on the way out.

    gspread: gsheets_emulator.loopback_client(URL, user=EMAIL) — the e-mail is the bearer token.
    See emulator/docs/reference.md.
    """
    from gsheets_emulator import Emulator
    from gsheets_emulator.server import EmulatorServer

    from sheetsync.view import ViewApp

    if not 0 <= port <= 65535:
        fail(f"--port {port} is not a TCP port number (0 to 65535)", "give a port such as 8765, or 0 to pick a free one")
    if data is not None and data.exists() and not data.is_dir():
        fail(f"--data {data} is a file, not a folder", "give a folder (it is created if missing)")
    try:  # not sheets.client.emulator_at: the server is the process's only instance, with its own options
        emu = Emulator(str(data) if data else None, quota=quota, drive_lag=drive_lag)
    except (RuntimeError, OSError) as e:
        fail(f"cannot open the emulator data in {data}: {e}", "check the path, or start with another --data directory")
        return
    try:
        server = EmulatorServer(emu, host, port, verbose=verbose, view=ViewApp(emu))
    except (OSError, OverflowError) as e:
        fail(f"cannot listen on {host}:{port}: {getattr(e, 'strerror', None) or e}",
             "pick another --port (0 picks a free one) or stop whatever is using it")
        return
    where = f"persisting to {data}" if data else "in memory (use --data DIR to keep state)"
    if drive_lag:
        where += f"; Drive modifiedTime/version lag {drive_lag:g} s"
    console.print(f"sheetsync emulator serving on [bold]{server.url}[/] — {where}")
    console.print(f"the spreadsheets in a browser: [bold]{server.url}/view/[/] (docs/view.md)", soft_wrap=True)
    console.print(f"gspread: [cyan]loopback_client('{server.url}', user='you@example.com')[/] "
                  "from gsheets_emulator")
    serve_until_stopped(server, emu, "emulator")


def serve_until_stopped(server: Any, emu: Any, what: str) -> None:
    """Serve until Ctrl-C or SIGTERM (the emulator package's loop, which saves the state), then say so."""
    from gsheets_emulator.server import serve_until_stopped as serve

    serve(server, emu)
    console.print(f"{what} stopped")
