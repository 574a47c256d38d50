"""`sheetsync view`: the embedded emulator's spreadsheets in a browser, as a chosen person."""

from __future__ import annotations

from typing import Annotated

import typer

from sheetsync.sheets.client import DEFAULT_EMULATOR_USER

from ._app import CONFIG_HELP, app, console, fail
from ._store import load, open_app
from .emulator import serve_until_stopped

DEFAULT_PORT = 8766


@app.command("view")
def view_cmd(
    port: Annotated[int, typer.Option("--port", help="Port to listen on; 0 picks a free one.")] = DEFAULT_PORT,
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Only this machine (loopback) may edit "
                                                     "cells or call the API unless --allow-remote.")] = "127.0.0.1",
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Take edits and API calls from other "
                                               "machines too (there is no real authentication: the person is "
                                               "whoever the page says).")] = False,
    person: Annotated[str | None, typer.Option("--as", help="Whom the page acts as until another person is "
                                               "picked (default: the identity sheetsync acts as).")] = None,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Show every spreadsheet of the embedded emulator in a browser, as a chosen person; Ctrl-C stops.

    The same port also serves the emulator's API, so the daemon can run beside the view on the same
    state: `sheetsync run --emulator-url http://127.0.0.1:PORT` (see docs/view.md).
    """
    from gsheets_emulator.server import EmulatorServer

    from sheetsync.view import ViewApp
    from sheetsync.view.conflicts import StoreConflicts

    if not 0 <= port <= 65535:
        fail(f"--port {port} is not a TCP port number (0 to 65535)", "give a port such as 8766, or 0 to pick a free one")
    cfg = load(config)
    if cfg.backend.type != "emulator":
        fail(f"the view shows the embedded emulator, and this config's backend is {cfg.backend.type!r}",
             "open the spreadsheets in Google Sheets itself, or point --config at an emulator config")
    path = cfg.emulator_dir
    if path.exists() and not path.is_dir():
        fail(f"the emulator data {path} is a file, not a folder", "check [backend] data_dir / data_dir in the config")
    the_app = open_app(cfg, load_reference=False)
    try:
        emu = the_app.emulator  # the process's one instance on that folder (demo: the daemon's)
    except (RuntimeError, OSError) as e:
        fail(f"cannot open the emulator data in {path}: {e}", "check the path and its permissions")
    assert emu is not None  # the backend is the embedded emulator (checked above)
    desk = StoreConflicts(the_app.store, operator=DEFAULT_EMULATOR_USER)  # conflicts settled from the page
    view = ViewApp(emu, operator=person or DEFAULT_EMULATOR_USER, allow_remote=allow_remote, conflicts=desk)
    try:
        server = EmulatorServer(emu, host, port, view=view, api_from_remote=allow_remote)
    except (OSError, OverflowError) as e:
        fail(f"cannot listen on {host}:{port}: {getattr(e, 'strerror', None) or e}",
             "pick another --port (0 picks a free one) or stop whatever is using it")
    url = server.url
    console.print(f"sheetsync view: [bold]{url}/view/[/] — the spreadsheets in {path}", highlight=False,
                  soft_wrap=True)
    console.print(f"run the daemon beside it on the same state: [cyan]sheetsync run --emulator-url {url}"
                  f"{' --config ' + config if config else ''}[/]", highlight=False, soft_wrap=True)
    if not allow_remote and host not in ("127.0.0.1", "localhost", "::1"):
        console.print("other machines see the pages read-only (--allow-remote takes their edits)")
    serve_until_stopped(server, emu, "view")
    desk.store.close()
