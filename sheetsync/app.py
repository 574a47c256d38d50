"""The library's front door: one object that wires config, store, transport and the jobs.

    app = App.from_config("config/sheetsync.toml")   # or a dict, or None for built-in defaults
    app.provision("acme"); report = app.sync("acme"); app.plan("acme", period="2026-W48")
    app.invoices.refresh("2026-11")

Each job lives in its own package and takes explicit dependencies; this class only builds them
once and passes them along, so the CLI and the daemon share one code path with library users.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config, load_config

if TYPE_CHECKING:
    from .emulator import Emulator
    from .sheets.client import SheetsClient
    from .store import Store


class App:
    """sheetsync for one agency: ``store``, ``sheets`` (transport), ``emulator`` (embedded backend)."""

    def __init__(self, config: Config, *, store: Store | None = None, sheets: SheetsClient | None = None,
                 emulator: Emulator | None = None) -> None:
        self.config = config
        if store is not None:
            self.__dict__["store"] = store
        if emulator is not None:
            self.__dict__["emulator"] = emulator
        if sheets is not None:
            self.__dict__["sheets"] = sheets

    @classmethod
    def from_config(cls, source: str | Path | Mapping[str, Any] | Config | None = None, **kw: Any) -> App:
        """Build from a config file path, a dict, a Config, or None (built-in defaults: emulator + SQLite)."""
        return cls(load_config(source), **kw)

    # --- the parts, built on first use ------------------------------------------------------
    @cached_property
    def store(self) -> Store:
        from .store import Store

        return Store.from_config(self.config)

    @cached_property
    def emulator(self) -> Emulator | None:
        """The embedded emulator when the backend is ``emulator`` (persisted under the data dir)."""
        if self.config.backend.type != "emulator":
            return None
        from .emulator import Emulator

        return Emulator(str(self.config.emulator_dir))

    @cached_property
    def sheets(self) -> SheetsClient:
        from .sheets.client import Backend, backend_from_config, connect

        backend = backend_from_config(self.config)
        if self.emulator is not None:
            backend = Backend(kind="emulator", emulator=self.emulator, quota=backend.quota, retry=backend.retry)
        return connect(backend)

    # --- jobs --------------------------------------------------------------------------------
    def provision(self, slug: str):
        """Create or repair ``slug``'s spreadsheet and its sharing; returns a ProvisionResult."""
        from .provision import ProvisionSettings, provision_client

        return provision_client(store=self.store, sheets=self.sheets, slug=slug,
                                settings=ProvisionSettings.from_config(self.config))

    def provision_all(self):
        return [self.provision(c.slug) for c in self.store.clients.list(active=True)]

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
