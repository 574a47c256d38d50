"""`sheetsync db upgrade|status`: the store's schema."""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import CONFIG_HELP, SafeGroup, app, console, fail
from ._store import load, open_store

db_app = typer.Typer(cls=SafeGroup, help="The task store's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Create or migrate the store to this sheetsync's schema and load the config's reference data."""
    cfg = load(config)
    store = open_store(cfg, load_reference=False)
    try:
        counts = store.sync_reference_data(cfg)
    except Exception as e:  # noqa: BLE001 - shown to a person
        fail(f"the schema is up to date, but loading the config into the store failed: {e}",
             "fix the config value named above and run `sheetsync db upgrade` again")
    console.print(f"[green]store at revision {store.revision()}[/] ({store.url})")
    console.print("loaded from config: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()))
    store.close()


@db_app.command("status")
def status(
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Show the store's URL, schema revision and what it holds."""
    from sheetsync.store.engine import make_engine
    from sheetsync.store.migrate import HEAD, current_revision

    cfg = load(config)
    engine = make_engine(cfg.store_url, immediate=False)
    try:
        rev = current_revision(engine)
    finally:
        engine.dispose()
    state = "up to date" if rev == HEAD else ("empty: run `sheetsync db upgrade`" if rev is None
                                              else f"behind ({HEAD} available): run `sheetsync db upgrade`")
    console.print(f"store: {cfg.store_url}\nrevision: {rev or '-'} ({state})")
