"""`sheetsync provision SLUG | --all`: create or repair clients' spreadsheets and their sharing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sheetsync.sheets import SheetsError

from ._app import CONFIG_HELP, app, console, err_console, fail, shown
from ._store import load, open_app, open_sheets

# provisioning and the templates (pydantic, SQLAlchemy) are imported inside the command: every command
# module is imported at start-up

if TYPE_CHECKING:
    from sheetsync.app import App


def _open(config_opt: str | None) -> App:
    """The App, its store's clients, specialists and task types as the config says."""
    return open_app(load(config_opt), load_reference=True)


@app.command("provision")
def provision_cmd(
    slug: Annotated[str | None, typer.Argument(help="The client whose spreadsheet to create or repair.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every active client.")] = False,
    recreate: Annotated[bool, typer.Option("--recreate", help="Make a new spreadsheet even if one is recorded "
                                                               "(use when the old one was deleted).")] = False,
    adopt: Annotated[str | None, typer.Option(
        "--adopt", metavar="SPREADSHEET_ID",
        help="Take over an existing spreadsheet for this client (it must be shared with sheetsync as editor): "
             "record its id, then add and repair sheetsync's sheets in it.")] = None,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Create a client's spreadsheet from the templates, or repair and upgrade it; share it as configured.

    Re-running is safe: a spreadsheet that has not drifted costs a few reads and no writes.
    """
    from sheetsync.provision import ProvisionError, ProvisionSettings, provision_client
    from sheetsync.templates import TemplateError, load_templates

    if recreate and all_:
        fail("--recreate works on one client at a time", "name the client: `sheetsync provision acme --recreate`")
    if slug and all_:
        fail(f"both a client ({slug}) and --all were given", f"give one: `sheetsync provision {slug}` for that "
             "client, or `sheetsync provision --all` for every active client")
    if not slug and not all_:
        fail("say which client to provision", "give a client slug, e.g. `sheetsync provision acme`, or --all")
    the_app = _open(config)
    cfg, store = the_app.config, the_app.store
    try:
        templates = load_templates()
    except TemplateError as e:
        fail(str(e), "fix the template file named above")
    settings = ProvisionSettings.from_config(cfg)
    sheets = open_sheets(the_app)
    slugs = [c.slug for c in store.clients.list(active=True)] if all_ or slug is None else [slug]
    if slug is not None and store.clients.find(slug) is None:
        known = ", ".join(c.slug for c in store.clients.list(active=None)) or "none yet"
        fail(f"no client {slug!r} (known: {known})", "check the slug, or add the client under [[clients]] in the config")
    if adopt:
        _adopt(store, slug, adopt, all_=all_, recreate=recreate)
    results, failed = [], []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=not all_, transient=True) as progress:
        job = progress.add_task("provisioning", total=len(slugs))
        for s in slugs:
            progress.update(job, description=f"provisioning {s}")
            try:
                the_app.account_for_new(s)  # a pool: a new client goes to the least loaded account
                results.append(provision_client(store=store, sheets=sheets, slug=s, templates=templates,
                                                settings=settings, recreate=recreate))
            except (ProvisionError, SheetsError, LookupError) as e:  # one client's failure never stops the rest
                failed.append((s, str(e)))
            progress.advance(job)
    _summary(results)
    for s, msg in failed:
        err_console.print(f"[bold red]{s}:[/] {shown(msg)}")
    if failed:
        raise typer.Exit(1)


def _adopt(store, slug: str | None, spreadsheet_id: str, *, all_: bool, recreate: bool) -> None:
    """Record an existing spreadsheet as ``slug``'s; provisioning then repairs it into shape."""
    if all_ or recreate or not slug:
        fail("--adopt takes one client and no --all/--recreate", "e.g. `sheetsync provision acme --adopt 1AbC...`")
    current = store.clients.get(slug).spreadsheet_id
    if current and current != spreadsheet_id:
        fail(f"{slug} already has spreadsheet {current}",
             "--adopt is for a client without one; to replace it, clear it first (`sheetsync provision "
             f"{slug} --recreate` makes a new one)")
    other = store.clients.by_spreadsheet(spreadsheet_id)
    if other is not None and other.slug != slug:
        fail(f"spreadsheet {spreadsheet_id} is already {other.slug}'s", "give each client its own spreadsheet")
    if current != spreadsheet_id:
        store.clients.set_spreadsheet(slug, spreadsheet_id, origin="cli", actor="provision --adopt")


def _summary(results) -> None:
    table = Table(title="Provisioning")
    table.add_column("Client", no_wrap=True)
    table.add_column("Action", no_wrap=True)
    for col in ("Requests", "API calls", "Shared", "Unshared"):
        table.add_column(col, justify="right")
    table.add_column("Spreadsheet", overflow="fold")
    for r in results:
        action = "created" if r.created else ("repaired" if r.requests_applied else "up to date")
        table.add_row(r.slug, action, str(r.requests_applied), str(r.api_calls), str(len(r.shared)),
                      str(len(r.unshared)), r.spreadsheet_id)
    console.print(table)
    for r in results:
        for line in [*r.repairs, *(f"shared with {s}" for s in r.shared), *(f"unshared {u}" for u in r.unshared)]:
            console.print(f"  {r.slug}: {line}", markup=False, highlight=False)
