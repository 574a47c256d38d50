"""`sheetsync import`, `sheetsync export-data` and `sheetsync log`: data in and out of the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ._app import CONFIG_HELP, JSON_HELP, app, console, err_console, fail, print_json, shown
from ._store import ACTOR_HELP, actor, load, open_store, require_client

# the store's modules (SQLAlchemy) are imported inside the commands: every command module is imported at start-up

KINDS_HELP = "clients, tasks, invoices or metric_values"


def _kind(kind: str) -> str:
    from sheetsync.store.csv_io import KINDS

    normalized = kind.replace("-", "_")
    if normalized not in KINDS:
        fail(f"unknown kind {kind!r}", f"use one of {', '.join(KINDS)}")
    return normalized


@app.command("import")
def import_cmd(
    kind: Annotated[str, typer.Argument(help=KINDS_HELP)],
    file: Annotated[Path, typer.Argument(help="The CSV file: UTF-8, UTF-16 with a BOM or Windows-1251 (detected); header row; comma, semicolon or tab "
             "separated; dates 2026-11-24 or 24.11.2026.")],
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Import the good rows and report the bad ones "
                                           "(default: any bad row means nothing is imported).")] = False,
    who: Annotated[str | None, typer.Option("--actor", help=ACTOR_HELP)] = None,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Import clients, tasks, invoices or metric values from CSV (all rows or none)."""
    from sheetsync.store import StoreError
    from sheetsync.store.csv_io import CsvImportError

    kind = _kind(kind)
    if not file.is_file():
        fail(f"{file}: no such file", "give the path of a CSV file")
    store = open_store(load(config))
    try:
        report = store.import_csv(kind, file, skip_bad=skip_bad, origin="import", actor=actor(who))
    except CsvImportError as e:
        for err in e.report.errors:
            err_console.print(f"[red]{shown(file)}:{err.line}[/] {shown(err.message)}")
        fail(f"{len(e.report.errors)} bad row(s) in {file}; nothing was imported",
             "fix those lines, or run again with --skip-bad to import only the good rows")
    except StoreError as e:  # the file as a whole (its encoding, its columns): the advice follows "; "
        text = str(e)
        advice = text.find("; save it as ")
        if advice >= 0:
            fail(text[:advice], text[advice + 2:])
        fail(text, "fix the file as the message says and import it again")
    finally:
        store.close()
    console.print(f"[green]imported {kind}[/] from {file}: {report.created} created, {report.updated} updated, "
                  f"{report.unchanged} unchanged")
    if report.errors:
        for err in report.errors:
            err_console.print(f"[yellow]skipped {shown(file)}:{err.line}[/] {shown(err.message)}")
        raise typer.Exit(2)


@app.command("export-data")
def export_data(
    kind: Annotated[str, typer.Argument(help=KINDS_HELP)],
    file: Annotated[Path, typer.Argument(help="The CSV file to write.")],
    client: Annotated[str | None, typer.Option("--client", help="Only this client's rows (slug).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Export clients, tasks, invoices or metric values as CSV (the same columns `import` reads; text that a
    spreadsheet would take for a formula is written with a leading single quote, which `import` removes)."""
    from sheetsync.store import StoreError

    kind = _kind(kind)
    if file.exists() and not force:
        fail(f"{file} already exists", "choose another file name or pass --force")
    store = open_store(load(config))
    try:
        n = store.export_csv(kind, file, client=client)
    except (StoreError, LookupError) as e:
        fail(str(e), "check --client (`sheetsync status` lists the clients)")
    finally:
        store.close()
    console.print(f"[green]wrote {n} {kind}[/] to {file}")


@app.command("log")
def log_cmd(
    client: Annotated[str | None, typer.Option("--client", help="Only this client's changes (slug).")] = None,
    task: Annotated[str | None, typer.Option("--task", help="Only this task's (or invoice's) changes, by key.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show the newest N changes.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Show the change log: who changed what, from where, old and new values."""
    from sheetsync.store import StoreError

    store = open_store(load(config))
    try:
        require_client(store, client)
        entity, key = (None, None)
        if task:
            entity, key = ("invoice" if task.startswith("INV-") else "task"), task
        rows = list(reversed(store.log(client=client, entity=entity, key=key, limit=limit, newest_first=True)))
    except (StoreError, LookupError) as e:
        fail(str(e), "`sheetsync status` lists the clients; task keys look like T-000123, invoices' INV-000045")
    finally:
        store.close()
    if as_json:
        print_json({"changes": [{"id": r.id, "at": r.at.isoformat(), "origin": r.origin, "actor": r.actor or None,
                                 "entity": r.entity, "key": r.entity_key, "action": r.action, "field": r.field,
                                 "old": r.old, "new": r.new} for r in rows]})
        return
    if not rows:
        console.print("no changes recorded" + (f" for {task or client}" if task or client else ""))
        return
    table = Table(title="Change log", show_lines=False)
    for col, style in (("id", "dim"), ("when (UTC)", ""), ("origin", ""), ("actor", ""), ("what", "bold"),
                       ("action", ""), ("field", ""), ("old", "red"), ("new", "green")):
        table.add_column(col, style=style or None, overflow="fold")
    for r in rows:
        table.add_row(str(r.id), f"{r.at:%Y-%m-%d %H:%M}", r.origin, r.actor or "-", r.entity_key, r.action,
                      r.field or "", _short(r.old), _short(r.new))
    console.print(table)
    console.print("[dim]restore a value with `sheetsync restore KEY --change-id ID`[/]")


def _short(text: str | None, width: int = 60) -> str:
    if text is None:
        return "∅"
    return text if len(text) <= width else text[: width - 1] + "…"
