"""Shared by the store commands: loading the config, opening the store, who the actor is."""

from __future__ import annotations

import getpass
import os
from typing import TYPE_CHECKING

from ._app import config_error, fail

if TYPE_CHECKING:
    from sheetsync.config import Config
    from sheetsync.store import Store

ACTOR_HELP = "Who is making the change, for the change log (default: $SHEETSYNC_ACTOR or your login name)."
CONFIG_HINT = "fix the config file (the message names the key) and run again"
STORE_HINT = "check `[store] url` in the config and that the database server is running"


def load(config_opt: str | None) -> Config:
    """The config (its store password remembered as a secret, so no message or log line shows it)."""
    from sheetsync.config import ConfigError, config_path, load_config
    from sheetsync.redact import add_url_password

    path = config_path(config_opt)
    try:
        cfg = load_config(path)
    except ConfigError as e:
        folder = path is not None and path.is_dir()
        fail(config_error(e), "give --config (or $SHEETSYNC_CONFIG) the file's path, not its folder" if folder
             else CONFIG_HINT)
    add_url_password(cfg.store.url)
    return cfg


def open_store(config: Config, *, load_reference: bool = False, hint: str = STORE_HINT) -> Store:
    from sheetsync.store import Store, StoreError

    try:
        return Store.from_config(config, load_reference=load_reference)
    except StoreError as e:  # the store's own message already names the (masked) URL and what to check
        text, sep, advice = str(e).partition(". Check the URL")
        fail(text, f"check the URL{advice}" if sep else hint)
    except Exception as e:  # noqa: BLE001 - database drivers raise many kinds; shown to a person
        fail(f"cannot open the store at {config.store_url}: {e.__class__.__name__}: {e}", hint)


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
