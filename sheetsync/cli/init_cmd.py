"""`sheetsync init`: write a starter config that works as it is (embedded emulator + SQLite)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ._app import app, console, fail

STARTER = """\
# sheetsync configuration. Every key is explained in config/sheetsync.example.toml.
# Works as it is: the embedded Google Sheets emulator and a SQLite store under ./data.

data_dir = "data"

[agency]
name = {agency}
timezone = "Europe/Moscow"
locale = "ru"          # ru | en
currency = "RUB"
holidays_country = "RU"

[backend]
type = "emulator"      # emulator | google — then see docs/google-setup.md for the set-up you use:
# credentials = "/path/to/key.json"   # a service-account key or an OAuth user file (or GOOGLE_APPLICATION_CREDENTIALS;
#                                     # with neither, Application Default Credentials are used)
# shared_drive_id = "0AbC..."         # a service account owns no Drive storage: its shared drive
# subject = "agent@agency.example"    # domain-wide delegation: the Workspace user the service account acts as

[sharing]
client_role = "reader" # reader | commenter

[sync]
interval_seconds = 60

[[departments]]
key = "dev"
name = "Разработка"
monthly_minimum = 1000000

[[specialists]]
email = "dev@agency.example"
name = "Разработчик"
role = "developer"
weekly_hours = 40
department = "dev"

[[task_types]]
key = "landing"
name = "Посадочная страница"
role = "developer"
default_estimate_hours = 16

[[clients]]
slug = "demo"
name = "Демо-клиент"
manager_email = "manager@agency.example"
viewer_emails = ["client@demo.example"]
editor_emails = ["manager@agency.example"]

[stages]                          # norms per status in working days; see config/sheetsync.example.toml
escalation_factor = 1.5           # the manager's lead hears of a task at 1.5x its norm
client_visible = ["waiting_client"]  # statuses whose time in stage the client's spreadsheet shows

[stages.norms]
waiting_client = 3
review = 2
planned = 5

[stages.leads]                    # manager email = their lead's email
"manager@agency.example" = "lead@agency.example"
"""


@app.command("init")
def init_cmd(
    path: Annotated[Path | None, typer.Argument(help="Where to write the config.")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Same as PATH.")] = None,
    agency: Annotated[str, typer.Option(help="The agency's name.")] = "Моё агентство",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a starter sheetsync.toml (refuses to overwrite one without --force)."""
    from sheetsync.config import DEFAULT_CONFIG_NAME, ConfigError, load_config

    target = path or config or Path(DEFAULT_CONFIG_NAME)
    if target.exists() and not force:
        fail(f"{target} already exists", "edit it, or pass --force to replace it with a fresh starter config")
    text = STARTER.format(agency=json.dumps(agency, ensure_ascii=False))  # a JSON string is a TOML string
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    try:
        load_config(target)
    except ConfigError as e:  # the starter must always load; if it does not, say so loudly
        fail(f"the starter config does not load: {e}", "report this as a bug")
    console.print(f"[green]wrote[/] {target}")
    console.print("next: [bold]sheetsync db upgrade[/] (creates the store), then [bold]sheetsync provision demo[/]")
