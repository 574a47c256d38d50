"""`sheetsync clients move-account SLUG ACCOUNT [--dry-run]`: move a client to another service account of the pool."""

from __future__ import annotations

from typing import Annotated

import typer

from sheetsync.sheets import SheetsError

from ._app import CONFIG_HELP, SafeGroup, app, console, fail
from ._store import ACTOR_HELP, actor, load, open_app, open_sheets, require_client

clients_app = typer.Typer(cls=SafeGroup, help="Clients and the service account that syncs each.", no_args_is_help=True)
app.add_typer(clients_app, name="clients")


@clients_app.command("move-account")
def move_account_cmd(
    slug: Annotated[str, typer.Argument(help="The client to move.")],
    account: Annotated[str, typer.Argument(help='The account to move it to: a [[backend.accounts]] name, or '
                                                '"default".')],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would change; change nothing.")] = False,
    who: Annotated[str | None, typer.Option("--actor", help=ACTOR_HELP)] = None,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Move a client to another service account: share its spreadsheet with the new account (writer, and
    editor of the protected ranges), switch the store's assignment, then take the old account's access back.

    Safe to re-run: an interrupted move is finished by running the same command again.
    """
    cfg = load(config)
    names = cfg.backend.account_names
    if account not in names:
        fail(f"no account {account!r} in the config (accounts: {', '.join(names)})",
             "give one of those names, or add it under [[backend.accounts]] (docs/operations.md "
             "\"A pool of service accounts\")")
    the_app = open_app(cfg, load_reference=True)
    require_client(the_app.store, slug)
    open_sheets(the_app)
    prefix = "[dim](dry run)[/] " if dry_run else ""
    try:
        res = the_app.move_account(slug, account, dry_run=dry_run, actor=actor(who),
                                   progress=lambda m: console.print(f"{prefix}{m}", markup=bool(prefix),
                                                                    highlight=False))
    except SheetsError as e:
        fail(f"moving {slug} to {account} stopped: {e.message}",
             f"{e.hint + '; ' if e.hint else ''}run `sheetsync clients move-account {slug} {account}` again to "
             "finish the move (every step is safe to repeat)")

    def did(done: str, todo: str) -> str:
        return f"would {todo}" if dry_run else done

    lines = [did(f"shared with {s}", f"share with {s}") for s in res.granted.shared]
    if res.granted.protections:
        n = res.granted.protections
        lines.append(did(f"added {account} to {n} protected ranges", f"add {account} to {n} protected ranges"))
    if res.switched:
        lines.append(did(f"switched from {res.old} to {res.new}", f"switch from {res.old} to {res.new}"))
    if res.revoked.protections:
        n = res.revoked.protections
        lines.append(did(f"took the other accounts off {n} protected ranges",
                         f"take the other accounts off {n} protected ranges"))
    lines += [did(f"removed {u}'s access", f"remove {u}'s access") for u in res.revoked.unshared]
    for note in res.notes:
        console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    if not lines:
        console.print(f"{slug} is already synced by {account}, and no other account of the pool has access: "
                      "nothing to do", markup=False, highlight=False, soft_wrap=True)
        return
    for line in lines:
        console.print(f"{slug}: {line}", markup=False, highlight=False, soft_wrap=True)
    if dry_run:
        console.print(f"run without --dry-run to move {slug} to {account}", markup=False, highlight=False)
