"""The library's front door: one object that wires config, store, transport and the jobs.

    app = App.from_config("config/sheetsync.toml")   # or a dict, or None for built-in defaults
    app.provision("acme"); report = app.sync("acme"); app.plan("acme", period="2026-W48")
    app.invoices.refresh("2026-11")

This is the one place that turns a config into a store, a transport and a sync engine: the CLI, the
daemon, the demo and the benchmarks all get theirs from an App (:meth:`App.from_config`, or
:meth:`App.of` over parts already built). Each job lives in its own package and takes explicit
dependencies; this class only builds them once and passes them along.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .config import DEFAULT_ACCOUNT, Config, load_config
from .planning import PlanReport, plan_all, plan_client
from .planning.sheets import refresh_client_sheets, stage_clock_hook
from .provision import ProvisionResult, ProvisionSettings, provision_client
from .provision.accounts import MoveResult, move_account
from .quota import budget_for
from .sheets.client import Backend, SheetsClient, backend_from_config, connect, emulator_at
from .store import Store
from .sync.engine import ClientGate, CycleReport, SyncEngine, SyncReport, policy_from_config

if TYPE_CHECKING:
    from gsheets_emulator import Emulator

    from .invoices import Invoices

Clock = Callable[[], dt.datetime]


class App:
    """sheetsync for one agency: ``store``, ``sheets`` (transport), ``emulator`` (embedded backend).

    Parts given to the constructor are used as they are; the others are built from ``config`` on
    first use. ``load_reference``: opening the store also makes its clients, specialists and task
    types match the config (``sheetsync db`` and the store-only commands open it without).
    ``emulator_url``: talk to an emulator served at that URL (`sheetsync emulator serve`, `sheetsync
    view`) instead of the embedded one. ``clock``: the sync engines' clock (the benchmarks'
    hand-advanced one; default: now, UTC).
    """

    def __init__(self, config: Config, *, store: Store | None = None, sheets: SheetsClient | None = None,
                 emulator: Emulator | None = None, load_reference: bool = True, emulator_url: str | None = None,
                 clock: Clock | None = None) -> None:
        self.config = config
        self.load_reference = load_reference
        self.emulator_url = emulator_url
        self.clock = clock
        if store is not None:
            self.__dict__["store"] = store
        if emulator is not None:
            self.__dict__["emulator"] = emulator
        if sheets is not None:
            self.__dict__["sheets"] = sheets
            if config.backend.accounts:  # the pool's emails, for provisioning and the sharing check
                sheets.accounts = _Identities(self)

    @classmethod
    def from_config(cls, source: str | Path | Mapping[str, Any] | Config | None = None, **kw: Any) -> App:
        """Build from a config file path, a dict, a Config, or None (built-in defaults: emulator + SQLite)."""
        return cls(load_config(source), **kw)

    @classmethod
    def of(cls, store: Store, sheets: SheetsClient, *, config: Config | None = None,
           clock: Clock | None = None) -> App:
        """An App over a store and a transport already built (the benchmarks, tests): ``config`` defaults
        to the built-in one, so the engines it makes sync with the default policy."""
        return cls(config if config is not None else load_config(None), store=store, sheets=sheets, clock=clock)

    # --- the parts, built on first use ------------------------------------------------------
    @cached_property
    def store(self) -> Store:
        return Store.from_config(self.config, load_reference=self.load_reference)

    @cached_property
    def emulator(self) -> Emulator | None:
        """The embedded emulator when the backend is ``emulator``: the transport's own when one was given,
        else the process's one instance persisted under the data dir (:func:`~.sheets.client.emulator_at`)."""
        if "sheets" in self.__dict__ or self.emulator_url:
            return self.sheets.emulator  # None when it is served
        if self.config.backend.type != "emulator":
            return None
        return emulator_at(str(self.config.emulator_dir))

    @cached_property
    def sheets(self) -> SheetsClient:
        """The transport of the default account (``[backend]`` itself): the configured backend, through the
        App's emulator when it is the embedded one. It creates and provisions every spreadsheet."""
        sheets = self._connect(None)
        sheets.accounts = _Identities(self)
        return sheets

    def _connect(self, account: str | None) -> SheetsClient:
        backend = backend_from_config(self.config, account=account)
        given = self.__dict__.get("emulator")
        if self.emulator_url:
            backend = Backend(kind="emulator", url=self.emulator_url, user=backend.user, quota=backend.quota,
                              retry=backend.retry)
        elif given is not None:  # an emulator handed to the App (tests): talk to that one
            backend = replace(backend, kind="emulator", emulator=given)
        elif account not in (None, DEFAULT_ACCOUNT) and "sheets" in self.__dict__ and self.sheets.emulator is not None:
            backend = replace(backend, kind="emulator", emulator=self.sheets.emulator)  # the transport given's
        # on PostgreSQL every worker takes its requests from one budget in the store (sheetsync/quota.py),
        # per account (its user window) and per project; a SQLite store is one process: its budget stays
        # in memory (and the store is not opened for it)
        shared = None if self.config.store_url.startswith("sqlite") else budget_for(self.store, backend)
        return connect(backend, budget=shared)  # else the embedded one is emulator_at(data dir), as self.emulator

    # --- the pool of service accounts (docs/operations.md "A pool of service accounts") --------
    @property
    def accounts(self) -> list[str]:
        """Every account's name, "default" (``[backend]`` itself) first, then ``[[backend.accounts]]``."""
        return self.config.backend.account_names

    def sheets_for(self, account: str | None = None) -> SheetsClient:
        """The transport acting as ``account`` (None or "default": :attr:`sheets`); one per account, cached."""
        if account in (None, DEFAULT_ACCOUNT):
            return self.sheets
        self.config.backend.account(account)  # KeyError naming the known accounts
        pool: dict[str, SheetsClient] = self.__dict__.setdefault("_pool_sheets", {})
        if account not in pool:
            pool[account] = self._connect(account)
        return pool[account]

    def account_of(self, slug: str) -> str:
        """The name of the account that syncs ``slug`` ("default" when the store names none)."""
        name = self.store.clients.account_of(slug) or DEFAULT_ACCOUNT
        if name not in self.accounts:
            raise LookupError(f"client {slug} is synced by account {name!r}, which is not in backend.accounts: add "
                              f"it back to the config, or run `sheetsync clients move-account {slug} default`")
        return name

    def assign_account(self, slug: str, account: str, *, actor: str = "sheetsync") -> None:
        """Record that ``account`` syncs ``slug`` (the store only: :meth:`move_account` also moves the access)."""
        if account not in self.accounts:
            raise LookupError(f"no account {account!r} in backend.accounts; known: {', '.join(self.accounts)}")
        self.store.clients.assign_account(slug, None if account == DEFAULT_ACCOUNT else account, origin="cli",
                                          actor=actor)

    def least_loaded_account(self) -> str:
        """The account syncing the fewest active clients (ties: the first in the config's order)."""
        load = self.store.clients.account_load()
        return min(self.accounts, key=lambda a: (load.get(None if a == DEFAULT_ACCOUNT else a, 0),
                                                 self.accounts.index(a)))

    def account_for_new(self, slug: str) -> str:
        """``slug``'s account; a client not provisioned yet and on no account first gets the least loaded one
        (provisioning calls this, so the new spreadsheet is shared with its account from the start)."""
        if len(self.accounts) > 1:
            client = self.store.clients.get(slug)
            if client.spreadsheet_id is None and client.account is None:
                account = self.least_loaded_account()
                if account != DEFAULT_ACCOUNT:
                    self.assign_account(slug, account, actor="provision")
                return account
        return self.account_of(slug)

    def move_account(self, slug: str, account: str, *, dry_run: bool = False, actor: str = "cli",
                     progress: Callable[[str], object] | None = None) -> MoveResult:
        """Move ``slug`` to ``account``: share with it, switch the store, take the old account's access back."""
        return move_account(self.store, self.sheets, slug, account, identities=_Identities(self), actor=actor,
                            dry_run=dry_run, progress=progress)

    # --- sync engines ------------------------------------------------------------------------
    def engine(self, *, actor: str = "sheetsync", gate: ClientGate | None = None,
               stage_clock: bool = True, account: str | None = None) -> SyncEngine:
        """A new sync engine over this App's store and transport, with the config's conflict policy.

        ``gate``: the daemon's say over each client's sync (its stop signal).
        ``stage_clock=False``: the bare engine, without the "days in stage" after-step (the benchmarks
        measure the sync alone; docs/sync.md).
        ``account``: the pool account it acts as (None: the default one); sync with it only the clients
        :meth:`account_of` names it for — it has no access to the others'.
        """
        sheets = self.sheets_for(account)
        hook = stage_clock_hook(self.store, self.config, sheets) if stage_clock else None
        extra: dict[str, Any] = {"clock": self.clock} if self.clock is not None else {}
        return SyncEngine(self.store, sheets, policy=policy_from_config(self.config.sync), actor=actor,
                          after_sync=hook, gate=gate, **extra)

    @cached_property
    def sync_engine(self) -> SyncEngine:
        """One engine per App: it caches each spreadsheet's layout, so steady cycles skip metadata reads."""
        return self.engine()

    def engine_for(self, account: str | None = None) -> SyncEngine:
        """The App's one engine per account (:attr:`sync_engine` for the default one), cached."""
        if account in (None, DEFAULT_ACCOUNT):
            return self.sync_engine
        engines: dict[str, SyncEngine] = self.__dict__.setdefault("_pool_engines", {})
        if account not in engines:
            engines[account] = self.engine(account=account)
        return engines[account]

    # --- jobs --------------------------------------------------------------------------------
    def provision(self, slug: str) -> ProvisionResult:
        """Create or repair ``slug``'s spreadsheet and its sharing.

        A new client (no spreadsheet, no account yet) of an agency with a pool goes to the least loaded
        account first, so the spreadsheet is shared with it from the start."""
        self.account_for_new(slug)
        return provision_client(store=self.store, sheets=self.sheets, slug=slug,
                                settings=ProvisionSettings.from_config(self.config))

    def provision_all(self) -> list[ProvisionResult]:
        return [self.provision(c.slug) for c in self.store.clients.list(active=True)]

    def sync(self, slug: str | None = None, *, dry_run: bool = False) -> SyncReport | CycleReport:
        """One two-way sync. ``app.sync("acme")`` returns acme's SyncReport (api_calls, pulled, pushed,
        conflicts, ...); ``app.sync()`` returns the CycleReport over every client that changed."""
        if slug is None:
            if len(self.accounts) == 1:
                return self.sync_engine.cycle(dry_run=dry_run)
            out = CycleReport()
            for account, slugs in self.clients_by_account().items():
                out.extend(self.engine_for(account).cycle(slugs, dry_run=dry_run))
            return out
        cycle = self.engine_for(self.account_of(slug)).cycle([slug], dry_run=dry_run, force=True)
        if not cycle.clients:
            raise LookupError(f"client {slug!r} has no spreadsheet yet: run `sheetsync provision {slug}` first")
        report = cycle.clients[0]
        report.api_calls = cycle.api_calls
        return report

    def clients_by_account(self) -> dict[str, list[str]]:
        """The active clients' slugs by the account that syncs them (accounts with none left out)."""
        out: dict[str, list[str]] = {}
        for c in self.store.clients.list(active=True):
            out.setdefault(c.account or DEFAULT_ACCOUNT, []).append(c.slug)
        return out

    def plan(self, slug: str | None = None, period: str | None = None, *, dry_run: bool = False,
             today: dt.date | None = None) -> PlanReport:
        """Plan backlog into in-work for ``period`` (default: the current week or month per config), then
        regenerate the plan-schedule, metrics and card reminders of the planned clients' sheets."""
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
    def invoices(self) -> Invoices:
        """The agency's turnover sheet: ``refresh(month)``, ``report(month)``, ``diff(month, since=)``."""
        from .invoices import Invoices  # here, not above: it loads pandas, which most commands never need

        return Invoices(self.store, self.sheets, self.config)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Identities(Mapping[str, str]):
    """The pool accounts' emails by name, each looked up (its transport built) only when asked for."""

    def __init__(self, app: App) -> None:
        self._app = app

    def __getitem__(self, name: str) -> str:
        if name == DEFAULT_ACCOUNT or name not in self._app.accounts:
            raise KeyError(name)
        return self._app.sheets_for(name).identity

    def __iter__(self) -> Iterator[str]:
        return iter(self._app.accounts[1:])

    def __len__(self) -> int:
        return len(self._app.accounts) - 1


def _current_period(config: Config, today: dt.date | None = None) -> str:
    today = today or dt.datetime.now(ZoneInfo(config.agency.timezone)).date()
    if config.planning.period == "month":
        return f"{today.year:04d}-{today.month:02d}"
    year, week, _ = today.isocalendar()
    return f"{year:04d}-W{week:02d}"
