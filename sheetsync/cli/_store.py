"""Shared by the store commands: loading the config, opening the store, who the actor is."""

from __future__ import annotations

import getpass
import os
from typing import TYPE_CHECKING

from ._app import fail

if TYPE_CHECKING:
    from sheetsync.config import Config
    from sheetsync.store import Store

ACTOR_HELP = "Who is making the change, for the change log (default: $SHEETSYNC_ACTOR or your login name)."


def load(config_opt: str | None) -> Config:
    from sheetsync.config import ConfigError, config_path, load_config

    try:
        return load_config(config_path(config_opt))
    except ConfigError as e:
        fail(str(e), "fix the config file (each line names the key) and run again")
        raise  # unreachable: fail() exits


def open_store(config: Config, *, load_reference: bool = False) -> Store:
    from sheetsync.store import Store, StoreError

    try:
        return Store.from_config(config, load_reference=load_reference)
    except (StoreError, OSError) as e:
        fail(f"cannot open the store at {config.store_url}: {e}",
             "check `[store] url` in the config and that the database server is running")
    except Exception as e:  # noqa: BLE001 - database drivers raise many kinds; shown to a person
        fail(f"cannot open the store at {config.store_url}: {e.__class__.__name__}: {e}",
             "check `[store] url` in the config and that the database server is running")
    raise AssertionError("unreachable")


def actor(value: str | None) -> str:
    return value or os.environ.get("SHEETSYNC_ACTOR") or getpass.getuser()
