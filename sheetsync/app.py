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
    from gsheets_emulator import Emulator

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

        return Store.from_config(self.config, load_reference=True)

    @cached_property
    def emulator(self) -> Emulator | None:
        """The embedded emulator when the backend is ``emulator`` (persisted under the data dir)."""
        if self.config.backend.type != "emulator":
            return None
        from gsheets_emulator import Emulator

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

    @cached_property
    def sync_engine(self):
        """One engine per App: it caches each spreadsheet's layout, so steady cycles skip metadata reads."""
        from .planning.sheets import stage_clock_hook
        from .sync.engine import SyncEngine, policy_from_config

        return SyncEngine(self.store, self.sheets, policy=policy_from_config(self.config.sync),
                          after_sync=stage_clock_hook(self.store, self.config, self.sheets))

    def sync(self, slug: str | None = None, *, dry_run: bool = False):
        """One two-way sync. ``app.sync("acme")`` returns acme's SyncReport (api_calls, pulled, pushed,
        conflicts, ...); ``app.sync()`` returns the CycleReport over every client that changed."""
        if slug is None:
            return self.sync_engine.cycle(dry_run=dry_run)
        cycle = self.sync_engine.cycle([slug], dry_run=dry_run, force=True)
        if not cycle.clients:
            raise LookupError(f"client {slug!r} has no spreadsheet yet: run `sheetsync provision {slug}` first")
        report = cycle.clients[0]
        report.api_calls = cycle.api_calls
        return report

    def plan(self, slug: str | None = None, period: str | None = None, *, dry_run: bool = False, today=None):
        """Plan backlog into in-work for ``period`` (default: the current week or month per config), then
        regenerate the plan-schedule, metrics and card reminders of the planned clients' sheets."""
        from .planning import plan_all, plan_client
        from .planning.sheets import refresh_client_sheets

        period = period or _current_period(self.config, today)
        report = (plan_client(self.store, self.config, slug, period, dry_run=dry_run, today=today) if slug
                  else plan_all(self.store, self.config, period, dry_run=dry_run, today=today))
        if not dry_run:
            slugs = [slug] if slug else [c.slug for c in self.store.clients.list(active=True)]
            for s in slugs:
                if self.store.clients.get(s).spreadsheet_id:
                    refresh_client_sheets(self.store, self.config, self.sheets, s, period, today=today)
        return report

    @cached_property
    def invoices(self):
        """The agency's turnover sheet: ``refresh(month)``, ``report(month)``, ``diff(month, since=)``."""
        from .invoices import Invoices

        return Invoices(self.store, self.sheets, self.config)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _current_period(config: Config, today=None) -> str:
    import datetime as dt
    from zoneinfo import ZoneInfo

    today = today or dt.datetime.now(ZoneInfo(config.agency.timezone)).date()
    if config.planning.period == "month":
        return f"{today.year:04d}-{today.month:02d}"
    year, week, _ = today.isocalendar()
    return f"{year:04d}-W{week:02d}"
