"""`sheetsync run`: the daemon (scheduled two-way sync, planning, invoice refresh, reminders)."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Annotated

import typer

from sheetsync.sheets import SheetsError

from ._app import CONFIG_HELP, app, err_console, fail
from ._store import load, open_app

# the config's limits (pydantic) and the daemon (SQLAlchemy) are imported inside the command: every command
# module is imported at start-up

if TYPE_CHECKING:
    from sheetsync.app import App

EMULATOR_URL_ENV = "SHEETSYNC_EMULATOR_URL"
#: tests against the emulator may sync more often than a real run may (there is no Google quota to keep)
SHORT_INTERVAL_ENV = "SHEETSYNC_ALLOW_SHORT_INTERVAL"


def build_app(config_opt: str | None, emulator_url: str | None = None) -> App:
    """The App for a config; ``emulator_url`` points it at a served emulator instead of the embedded one."""
    return open_app(load(config_opt), emulator_url=emulator_url)


@app.command("run")
def run_cmd(
    once: Annotated[bool, typer.Option("--once", help="One sync cycle, then exit.")] = False,
    worker_id: Annotated[str | None, typer.Option(
        "--worker-id", help="This worker's name in logs and metrics (PostgreSQL scale-out); default host-pid.")] = None,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, max=64, help="PostgreSQL store: run N worker processes that share the clients "
                                         "(named <worker-id>-1..N; --metrics-port P gives worker k port P+k-1).")] = 1,
    metrics_port: Annotated[int | None, typer.Option(
        "--metrics-port", help="Serve /healthz and Prometheus /metrics on 127.0.0.1:PORT (0: any free port).")] = None,
    log_json: Annotated[bool, typer.Option("--log-json", help="Log one JSON object per line.")] = False,
    log_file: Annotated[str | None, typer.Option("--log-file", help="Also append the log to this file.")] = None,
    interval: Annotated[float | None, typer.Option(
        "--interval", help="Sync every N seconds, 5 to 86400 as in the config (default: [sync] interval_seconds, "
                           "60).")] = None,
    max_cycles: Annotated[int | None, typer.Option("--max-cycles", help="Stop after N sync cycles.")] = None,
    unhealthy_after: Annotated[int, typer.Option(
        "--unhealthy-after", min=1, help="/healthz answers 503 after this many failed sync cycles in a row (a cycle "
                                         "fails when it cannot run or every client in it fails).")] = 3,
    stall_seconds: Annotated[float, typer.Option(
        "--stall-seconds", min=1.0, help="PostgreSQL scale-out: a worker silent this long (database time) loses "
                                         "its running job to the others, and is fenced off.")] = 60.0,
    no_jobs: Annotated[bool, typer.Option("--sync-only", help="Only the sync cycle; no planning, invoices, "
                                          "reminders or metrics jobs.")] = False,
    emulator_url: Annotated[str | None, typer.Option(
        "--emulator-url", envvar=EMULATOR_URL_ENV,
        help="Use an emulator served by `sheetsync emulator serve` at this URL instead of the embedded one.")] = None,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Run the daemon: sync every client on schedule, plan, refresh invoices, send reminders; Ctrl-C stops."""
    from sheetsync.config import MAX_SYNC_INTERVAL_SECONDS, MIN_SYNC_INTERVAL_SECONDS
    from sheetsync.daemon import Daemon, DaemonSettings, StoreLocked
    from sheetsync.daemon.logs import configure

    lowest = 0.1 if os.environ.get(SHORT_INTERVAL_ENV) else MIN_SYNC_INTERVAL_SECONDS
    if interval is not None and not lowest <= interval <= MAX_SYNC_INTERVAL_SECONDS:
        fail(f"--interval {interval:g} is out of range: the daemon syncs every {MIN_SYNC_INTERVAL_SECONDS} to "
             f"{MAX_SYNC_INTERVAL_SECONDS} seconds (as `[sync] interval_seconds` in the config)",
             f"give --interval {MIN_SYNC_INTERVAL_SECONDS} or more (Google allows about 60 reads a minute)")
    configure(json_lines=log_json, level=os.environ.get("SHEETSYNC_LOG_LEVEL", "INFO").upper(), file=log_file)
    settings = DaemonSettings(once=once, metrics_port=metrics_port, interval=interval, max_cycles=max_cycles,
                              stall_seconds=stall_seconds, jobs=not no_jobs, unhealthy_after=unhealthy_after)
    if worker_id:
        settings.worker_id = worker_id
    try:
        the_app = build_app(config, emulator_url)
        if workers > 1:
            code = _supervise(the_app, workers, settings.worker_id, metrics_port)
        else:
            code = Daemon(the_app, settings).run()
    except StoreLocked as e:
        fail(str(e), "`ps aux | grep 'sheetsync run'` finds it; `systemctl stop sheetsync` if it runs as a service")
    except SheetsError as e:
        fail(str(e), getattr(e, "hint", None))
    except KeyboardInterrupt:
        err_console.print("interrupted")
        code = 130
    logging.shutdown()
    raise typer.Exit(code)


def _supervise(the_app: App, workers: int, base_id: str, metrics_port: int | None) -> int:
    """``--workers N``: N worker processes under this one (a PostgreSQL store only)."""
    import sys

    from sheetsync.daemon.workers import Supervisor

    backend = the_app.store.backend
    the_app.close()
    if backend != "postgresql":
        fail(f"--workers {workers} needs a PostgreSQL store; this one is {backend}, which one process serves",
             "drop --workers, or move the store to PostgreSQL (docs/operations.md)")
    argv = sys.argv[sys.argv.index("run") + 1:] if "run" in sys.argv else []
    return Supervisor(argv, workers, base_id, metrics_port).run()
