"""`sheetsync restore`: bring back a deleted task/invoice or a value overwritten earlier."""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import CONFIG_HELP, app, console, fail
from ._store import ACTOR_HELP, actor, load, open_store


@app.command("restore")
def restore_cmd(
    key: Annotated[str, typer.Argument(help="The task (T-000123) or invoice (INV-000045) key.")],
    field: Annotated[str | None, typer.Option("--field", help="Put back this field's value from before its "
                                              "last change.")] = None,
    change_id: Annotated[int | None, typer.Option("--change-id", help="Put back the value from before this "
                                                  "change (ids are in `sheetsync log --task KEY`).")] = None,
    who: Annotated[str | None, typer.Option("--actor", help=ACTOR_HELP)] = None,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Undelete KEY, or with --field/--change-id restore an overwritten value (logged as a new change)."""
    from sheetsync.store import StoreError

    store = open_store(load(config))
    try:
        obj = store.restore(key, field=field, change_id=change_id, origin="cli", actor=actor(who))
        restored = field or (store.log(key=key, newest_first=True, limit=1)[0].field if change_id else None)
    except (StoreError, LookupError, ValueError) as e:
        fail(str(e), f"`sheetsync log --task {key}` shows what can be restored")
    finally:
        store.close()
    if restored and restored != "deleted_at":
        console.print(f"[green]restored[/] {key}.{restored} = {getattr(obj, restored, None)!r} (version {obj.version})")
    else:
        console.print(f"[green]restored[/] {key} (version {obj.version}); the next sync puts it back on the sheet")
