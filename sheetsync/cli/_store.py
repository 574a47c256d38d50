"""Shared by the commands: loading the config, opening the App (store and transport), who the actor is.

Every command gets its store and its transport from an :class:`~sheetsync.app.App` (the one place
that wires them); this module only turns their failures into one line. Imports of sheetsync's own
packages are inside the functions: every command module imports this one, and `sheetsync --help`
should not load SQLAlchemy or gspread.
"""

from __future__ import annotations

import getpass
import os
from typing import TYPE_CHECKING

from sheetsync.redact import add_url_password
from sheetsync.sheets import SheetsError

from ._app import config_error, fail

if TYPE_CHECKING:
    from sheetsync.app import App
    from sheetsync.config import Config
    from sheetsync.sheets.client import SheetsClient
    from sheetsync.store import Store

ACTOR_HELP = "Who is making the change, for the change log (default: $SHEETSYNC_ACTOR or your login name)."
CONFIG_HINT = "fix the config file (the message names the key) and run again"
STORE_HINT = "check `[store] url` in the config and that the database server is running"


def load(config_opt: str | None) -> Config:
    """The config (its store password remembered as a secret, so no message or log line shows it)."""
    from sheetsync.config import ConfigError, config_path, load_config

    path = config_path(config_opt)
    try:
        cfg = load_config(path)
    except ConfigError as e:
        folder = path is not None and path.is_dir()
        fail(config_error(e), "give --config (or $SHEETSYNC_CONFIG) the file's path, not its folder" if folder
             else CONFIG_HINT)
    add_url_password(cfg.store.url)
    return cfg


def open_app(config: Config, *, load_reference: bool = True, hint: str = STORE_HINT,
             emulator_url: str | None = None) -> App:
    """The command's App over ``config``, its store opened (a store that cannot be opened is one line).

    ``load_reference``: make the store's clients, specialists and task types match the config (the
    commands that only read or edit the store's own data, and `db`, open it without).
    ``emulator_url``: a served emulator instead of the embedded one (``--emulator-url``)."""
    from sheetsync.app import App
    from sheetsync.store import StoreError

    the_app = App(config, load_reference=load_reference, emulator_url=emulator_url)
    try:
        the_app.store  # noqa: B018 - opened here, so its failure is reported here
    except StoreError as e:  # the store's own message already names the (masked) URL and what to check
        text, sep, advice = str(e).partition(". Check the URL")
        fail(text, f"check the URL{advice}" if sep else hint)
    except Exception as e:  # noqa: BLE001 - database drivers raise many kinds; shown to a person
        fail(f"cannot open the store at {config.store_url}: {e.__class__.__name__}: {e}", hint)
    return the_app


def open_store(config: Config, *, load_reference: bool = False, hint: str = STORE_HINT) -> Store:
    """Only the store (the commands that never talk to Sheets)."""
    return open_app(config, load_reference=load_reference, hint=hint).store


def open_sheets(the_app: App) -> SheetsClient:
    """The App's transport; a backend that cannot be reached (credentials, a bad kind) is one line."""
    try:
        return the_app.sheets
    except SheetsError as e:
        fail(e.message, e.hint)


def require_client(store: Store, slug: str | None) -> None:
    """Refuse an unknown ``--client`` slug in one line that names the known ones."""
    if slug is None or store.clients.find(slug) is not None:
        return
    known = ", ".join(sorted(c.slug for c in store.clients.list(active=None))) or "none yet"
    fail(f"no client {slug!r} in the store (known: {known})",
         "check the slug (`sheetsync status` lists the clients); a new client goes under [[clients]] in the "
         "config, then `sheetsync db upgrade`")


def actor(value: str | None) -> str:
    return value or os.environ.get("SHEETSYNC_ACTOR") or getpass.getuser()
