"""`sheetsync sync`, `sheetsync conflicts`, `sheetsync status`: the two-way sync from the command line.

Thin over :mod:`sheetsync.sync`: the functions ``run_sync``, ``list_conflicts`` and ``client_status``
take explicit dependencies (store, sheets client, config) so the library's ``App`` can call them too.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from sheetsync.sheets import SheetsError

from ._app import CONFIG_HELP, JSON_HELP, app, console, fail, print_json
from ._store import load, open_app, require_client
from .conflicts import conflicts_app

# sheetsync's heavier packages (config: pydantic; store: SQLAlchemy; planning, daemon, emulator, view,
# invoices: pandas) are imported inside the commands: every command module is imported at start-up.

if TYPE_CHECKING:
    from sheetsync.app import App
    from sheetsync.config import Config
    from sheetsync.sheets.client import SheetsClient
    from sheetsync.store import Store
    from sheetsync.sync.engine import CycleReport, SyncEngine


# --- library-level entry points --------------------------------------------------------------------
def make_engine(store: Store, sheets: SheetsClient, config: Config | None = None) -> SyncEngine:
    """The engine ``sheetsync sync`` uses over these parts (what :meth:`App.engine` builds)."""
    from sheetsync.app import App

    return App.of(store, sheets, config=config).engine()


def run_sync(store: Store, sheets: SheetsClient, config: Config | None = None, *, slug: str | None = None,
             dry_run: bool = False, engine: SyncEngine | None = None) -> CycleReport:
    """One cycle (all clients, or one): returns a :class:`~sheetsync.sync.engine.CycleReport`."""
    engine = engine or make_engine(store, sheets, config)
    return engine.cycle([slug] if slug else None, dry_run=dry_run, force=slug is not None or dry_run)


def list_conflicts(store: Store, *, slug: str | None = None, unresolved: bool = True) -> list[Any]:
    return list(store.sync.conflicts(slug, unresolved=unresolved))


def client_status(store: Store, *, slug: str | None = None) -> list[dict[str, Any]]:
    """Per client: the last sync, pending conflicts, open errors (with cell and reason)."""
    out = []
    for c in store.clients.list(active=True):
        if slug and c.slug != slug:
            continue
        last = store.sync.last_run(c.slug, status=None)
        out.append({"client": c.slug, "spreadsheet_id": c.spreadsheet_id, "last_run": last,
                    "conflicts": list(store.sync.conflicts(c.slug)), "errors": list(store.sync.errors(c.slug))})
    return out


# --- commands ---------------------------------------------------------------------------------------
def _open(config_opt: str | None) -> App:
    return open_app(load(config_opt))


@app.command("sync")
def sync_cmd(
    once: Annotated[bool, typer.Option("--once", help="One cycle, then exit (the daemon is `sheetsync run`).")] = True,
    client: Annotated[str | None, typer.Option("--client", help="Only this client (slug).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would change; write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Sync clients' backlog and in-work sheets with the task store, both ways (exit 1 if a client failed)."""
    from sheetsync.daemon.lock import SYNC_HOLDER, StoreLocked, store_lock

    the_app = _open(config)
    cfg, store = the_app.config, the_app.store
    require_client(store, client)
    try:
        # a dry run writes nothing; a real one never runs beside the daemon: on SQLite it takes the
        # daemon's lock, on PostgreSQL each client's job lock (a client a worker is syncing is left to it)
        with nullcontext() if dry_run else store_lock(cfg.store_url, holder=SYNC_HOLDER):
            sheets = the_app.sheets
            if dry_run or store.backend != "postgresql":
                report = run_sync(store, sheets, cfg, slug=client, dry_run=dry_run, engine=the_app.sync_engine)
            else:
                report, held = _sync_holding_locks(the_app, client)
                for slug in held:
                    console.print(f"[yellow]warning:[/] {slug}: a daemon worker is syncing this client; left to it")
    except StoreLocked as e:
        if SYNC_HOLDER in e.who:
            fail(f"another `sheetsync sync` is running on the store {e.db} ({e.who})",
                 "run this one when it has finished")
        fail(f"the daemon (`sheetsync run`, {e.who}) holds the store {e.db} and syncs every client itself; "
             f"nothing was synced", "let the daemon sync, stop it first, or use `sheetsync sync --dry-run`")
    except SheetsError as e:
        fail(str(e), getattr(e, "hint", None))
    if as_json:
        print_json(sync_json(report, dry_run=dry_run))
        if any(r.failed for r in report.clients):
            raise typer.Exit(1)
        return
    for r in report.clients:
        if dry_run and r.plan is not None:
            _print_plan(r)
    table = Table(title="sync" + (" (dry run: nothing written)" if dry_run else ""))
    for col in ("client", "calls", "pulled", "pushed", "created", "tombstoned", "conflicts", "errors", "state"):
        table.add_column(col, justify="right" if col not in ("client", "state") else "left")
    for r in report.clients:
        state = _state(r).upper() if r.failed else _state(r)
        table.add_row(r.client, str(r.api_calls), str(r.pulled), str(r.pushed), str(r.created), str(r.tombstoned),
                      str(r.conflicts), str(r.errors), state)
    console.print(table)
    console.print(f"API calls this cycle: {report.api_calls} (Drive listing included)")
    for r in report.clients:
        for w in r.warnings:
            console.print(f"[yellow]warning:[/] {escape(w)}")
    if any(r.failed for r in report.clients):
        raise typer.Exit(1)


def _state(r: Any) -> str:
    return "unchanged" if r.skipped else ("failed" if r.failed else "ok")


def sync_json(report: Any, *, dry_run: bool) -> dict[str, Any]:
    """The `sync --json` document (docs/operations.md#json-output)."""
    return {
        "dry_run": dry_run,
        "api_calls": report.api_calls,
        "clients": [{
            "client": r.client, "state": _state(r), "error": r.failed, "api_calls": r.api_calls,
            "pulled": r.pulled, "pushed": r.pushed, "created": r.created, "tombstoned": r.tombstoned,
            "conflicts": r.conflicts, "errors": r.errors, "warnings": list(r.warnings),
            "actions": [{"side": a.side, "what": str(a)} for a in r.plan.actions] if r.plan is not None else [],
        } for r in report.clients],
    }


def _sync_holding_locks(the_app: App, client: str | None) -> tuple[CycleReport, list[str]]:
    """PostgreSQL: sync each client while holding its job lock, as a daemon worker would; returns the
    report and the clients left to the workers syncing them."""
    from sheetsync.daemon.queue import ClientHold
    from sheetsync.sync.engine import CycleReport

    store = the_app.store
    slugs = [client] if client else [c.slug for c in store.clients.list(active=True) if c.spreadsheet_id]
    report = CycleReport()
    with ClientHold(store, slugs) as hold:
        for slug in slugs:
            if slug not in hold.got:
                continue
            account = the_app.account_of(slug)  # a pool: each client as its own account
            with hold.fenced(slug, the_app.sheets_for(account)):
                report.extend(the_app.engine_for(account).cycle([slug], force=client is not None))
    return report, hold.left


def _print_plan(r: Any) -> None:
    table = Table(title=f"{r.client}: planned changes")
    table.add_column("#", justify="right")
    table.add_column("where")
    table.add_column("what")
    for i, a in enumerate(r.plan.actions, 1):
        table.add_row(str(i), a.side, escape(str(a)))
    if not r.plan.actions:
        table.add_row("", "", "nothing to do")
    console.print(table)


@conflicts_app.callback(invoke_without_command=True)
def conflicts_cmd(
    ctx: typer.Context,
    client: Annotated[str | None, typer.Option("--client", help="Only this client (slug).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Resolved conflicts too (with who resolved them).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """List conflicts: a field changed on both sides; the winner was applied, the loser is kept here.

    Settle one with `sheetsync conflicts resolve ID --take sheet|store|VALUE`."""
    if ctx.invoked_subcommand is not None:
        return
    from sheetsync.store.values import loads

    store = _open(config).store
    require_client(store, client)
    rows = list_conflicts(store, slug=client, unresolved=not all_)
    if as_json:
        slugs = {c.id: c.slug for c in store.clients.list(active=None)}
        print_json({"conflicts": [{
            "id": c.id, "at": c.at.isoformat(), "client": slugs.get(c.client_id), "task": c.entity_key,
            "field": c.field, "sheet_value": loads(c.sheet_value), "store_value": loads(c.store_value),
            "base_value": loads(c.base_value), "winner": c.winner,
            "resolved_at": c.resolved_at.isoformat() if c.resolved_at else None,
            "resolved_by": c.resolved_by} for c in rows]})
        return
    table = Table(title="conflicts" if all_ else "unresolved conflicts")
    for col in ("id", "when", "task", "field", "sheet value", "store value", "base", "winner"):
        table.add_column(col)
    if all_:
        table.add_column("resolved")
    for c in rows:
        table.add_row(str(c.id), f"{c.at:%Y-%m-%d %H:%M}", c.entity_key, c.field, escape(repr(loads(c.sheet_value))),
                      escape(repr(loads(c.store_value))), escape(repr(loads(c.base_value))), c.winner,
                      *([escape(f"{c.resolved_at:%Y-%m-%d %H:%M} by {c.resolved_by}") if c.resolved_at else "open"]
                        if all_ else []))
    console.print(table if rows else ("no conflicts" if all_ else "no unresolved conflicts"))


@app.command("status")
def status_cmd(
    client: Annotated[str | None, typer.Option("--client", help="Only this client (slug).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Per client: last sync, pending conflicts, invalid cells (with the reason shown in the sheet)."""
    from sheetsync.store.values import loads

    the_app = _open(config)
    _cfg, store = the_app.config, the_app.store
    require_client(store, client)
    if as_json:
        print_json(status_json(client_status(store, slug=client)))
        return
    table = Table(title="sync status")
    for col in ("client", "last sync", "result", "calls", "conflicts", "errors"):
        table.add_column(col)
    rows = client_status(store, slug=client)
    for s in rows:
        last = s["last_run"]
        when = f"{last.finished_at or last.started_at:%Y-%m-%d %H:%M}" if last else "never"
        table.add_row(s["client"], when, last.status if last else "-", str(last.api_calls if last else 0),
                      str(len(s["conflicts"])), str(len(s["errors"])))
    console.print(table)
    _print_digests(_cfg)
    for s in rows:
        for e in s["errors"]:
            if e.row_key is None:  # about a whole sheet (e.g. its developer metadata is full)
                console.print(f"[red]{s['client']}[/] {e.sheet}: {escape(e.message)}")
                continue
            console.print(f"[red]{s['client']}[/] {e.sheet}: {e.row_key}.{e.field} = "
                          f"{escape(repr(loads(e.value)))} — {escape(e.message)}")


def status_json(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The `status --json` document (docs/operations.md#json-output)."""
    from sheetsync.store.values import loads

    out = []
    for s in rows:
        last = s["last_run"]
        when = (last.finished_at or last.started_at) if last else None
        out.append({"client": s["client"], "spreadsheet_id": s["spreadsheet_id"],
                    "last_sync": when.isoformat() if when else None, "result": last.status if last else None,
                    "api_calls": last.api_calls if last else 0, "conflicts": len(s["conflicts"]),
                    "errors": [{"sheet": e.sheet, "task": e.row_key, "field": e.field, "value": loads(e.value),
                                "message": e.message} for e in s["errors"]]})
    return {"clients": out}


def _print_digests(cfg) -> None:
    """The newest day's digests the daemon wrote (managers' reminders, leads' stage overruns)."""
    from sheetsync.daemon.jobs import digest_folder

    if cfg is None:  # a store opened without a config has no data_dir to look in
        return
    folder = digest_folder(cfg)
    files = sorted(folder.glob("????-??-??-*.txt")) if folder.is_dir() else []
    if not files:
        return
    day = files[-1].name[:10]
    newest = [f for f in files if f.name.startswith(day)]
    leads = [f for f in newest if f.name[11:].startswith("lead-")]
    managers = [f for f in newest if f not in leads]
    console.print(f"digests of {day} in {folder}: {len(managers)} for managers, {len(leads)} for leads")
    for f in leads:
        console.rule(f"lead {f.name[16:-4]}")
        console.print(f.read_text(encoding="utf-8"), markup=False, highlight=False, end="")
