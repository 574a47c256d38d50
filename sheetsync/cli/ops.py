"""`sheetsync export`: a client's spreadsheet as xlsx, through the transport (Drive ``files.export``).

(`sheetsync status` lives with the sync commands, in :mod:`sheetsync.cli.sync`.)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sheetsync.sheets import SheetsError
from sheetsync.sheets.client import DRIVE_API
from sheetsync.sheets.errors import translate

from ._app import CONFIG_HELP, app, console, fail
from .run import build_app

if TYPE_CHECKING:
    from sheetsync.sheets.client import SheetsClient

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_xlsx(sheets: SheetsClient, spreadsheet_id: str, path: str | Path) -> int:
    """Write the spreadsheet as an .xlsx file (one Drive call, quota-charged and retried like any read)."""
    try:
        resp = sheets.http.request("get", f"{DRIVE_API}/files/{spreadsheet_id}/export",
                                   params={"mimeType": XLSX_MIME})
    except Exception as e:  # noqa: BLE001 - translated for people
        err = translate(e, identity=sheets.identity, what=f"spreadsheet {spreadsheet_id}")
        if err is e:
            raise
        raise err from e
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(resp.content)
    tmp.replace(out)
    return len(resp.content)


@app.command("export")
def export_cmd(
    slug: Annotated[str, typer.Argument(help="The client whose spreadsheet to export.")],
    xlsx: Annotated[Path, typer.Option("--xlsx", help="Where to write the .xlsx file.")],
    emulator_url: Annotated[str | None, typer.Option("--emulator-url", envvar="SHEETSYNC_EMULATOR_URL",
                                                     help="A served emulator instead of the embedded one.")] = None,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Export a client's spreadsheet to an .xlsx file."""
    if xlsx.is_dir():
        fail(f"--xlsx {xlsx} is a folder", f"give a file name, e.g. --xlsx {xlsx / (slug + '.xlsx')}")
    blocker = next((p for p in xlsx.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        fail(f"cannot write {xlsx}: {blocker} is a file, not a folder", "choose a file in a folder you can write to")
    the_app = build_app(config, emulator_url)
    client = the_app.store.clients.find(slug)
    if client is None:
        fail(f"no client {slug!r} in the store", "`sheetsync status` lists the clients; check the slug")
    if not client.spreadsheet_id:
        fail(f"{slug} has no spreadsheet yet", f"run `sheetsync provision {slug}` first")
    try:
        size = export_xlsx(the_app.sheets, client.spreadsheet_id, xlsx)
    except SheetsError as e:
        fail(str(e), getattr(e, "hint", None))
    except OSError as e:  # a folder on the way is a file, no permission, disk full
        fail(f"cannot write {xlsx}: {e.strerror or e}", "choose a file in a folder you can write to")
    console.print(f"wrote {xlsx} ({size:,} bytes) — {slug}'s spreadsheet")
