"""`sheetsync conflicts resolve ID --take sheet|store|VALUE`: settle a conflict.

`sheetsync conflicts` (the listing, in :mod:`sheetsync.cli.sync`) is this group's callback, so
the listing works as before and ``resolve`` is a subcommand beside it.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from ._app import CONFIG_HELP, SafeGroup, app, console, fail
from ._store import ACTOR_HELP, actor, load, open_store

conflicts_app = typer.Typer(cls=SafeGroup, help="List conflicts (a field changed on both sides) and resolve them.")
app.add_typer(conflicts_app, name="conflicts")


@conflicts_app.command("resolve")
def resolve_cmd(
    conflict_id: Annotated[int, typer.Argument(metavar="ID", help="The conflict's id (from `sheetsync conflicts`).")],
    take: Annotated[str, typer.Option(
        "--take", metavar="sheet|store|VALUE",
        help="sheet: the value typed in the sheet; store: the team's value from the store; anything else: that "
             "value, read as the sheet reads a typed cell (24.11.2026, Готово/Done, 2,5).")],
    who: Annotated[str | None, typer.Option("--actor", help=ACTOR_HELP)] = None,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Settle a conflict: take the sheet's value, the store's, or a value of your own.

    The value goes to the store (change log: the update and a `resolve` row, with --actor); the next
    sync writes it to the sheet and takes the conflict's note off the cell."""
    from sheetsync.store import StoreError
    from sheetsync.sync.resolve import resolve_conflict

    store = open_store(load(config))
    try:
        r = resolve_conflict(store, conflict_id, take, actor=actor(who), origin="cli")
    except (StoreError, LookupError, ValueError) as e:
        fail(str(e))  # each message says what to do (list the conflicts, the form a value takes)
    finally:
        store.close()
    shown = "(empty)" if r.value is None else r.value
    what = "set; the next sync writes the cell" if r.changed else \
        "kept (the store already held it); the next sync"
    console.print(f"[green]resolved[/] conflict {r.conflict_id}: {r.key}.{r.field} = {escape(repr(shown))} {what} "
                  f"and takes the conflict's note off")
