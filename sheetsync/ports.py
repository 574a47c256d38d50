"""The store and the transport as the sync, planning, invoices, provisioning and view layers see them.

These ``typing.Protocol`` classes name exactly the members those layers call on ``store`` (a
:class:`sheetsync.store.Store`) and ``sheets`` (a :class:`sheetsync.sheets.client.SheetsClient`), with the
concrete classes' signatures. Annotate a parameter ``store: StorePort`` / ``sheets: SheetsPort`` instead of
``Any``: mypy then checks every call, and a test double only needs these members. tests/test_ports.py checks
that the concrete classes satisfy them; a member a layer starts to call must be added here (mypy says so).

Runtime-checkable, so ``isinstance(obj, StorePort)`` checks that the members exist (not their signatures).
Nothing is imported at run time: the types are for mypy only, so this module cannot create an import cycle.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import datetime as dt
    from decimal import Decimal

    from sheetsync.sheets.batch import DriveFile
    from sheetsync.sheets.calls import CallCounts
    from sheetsync.store import Session
    from sheetsync.store.invoices import LiveInvoice, PutBack
    from sheetsync.store.models import (
        Client,
        Conflict,
        Department,
        Invoice,
        InvoiceSnapshot,
        MetricDefinition,
        MetricValue,
        Specialist,
        SyncError,
        SyncRun,
        Task,
        TaskType,
    )
    from sheetsync.store.repo import ClientRef
    from sheetsync.store.sync_state import BaseKey, LastRun

__all__ = [
    "ClientsPort", "DepartmentsPort", "InvoicesPort", "MetricsPort", "SheetsPort", "SpecialistsPort", "StorePort",
    "SyncStatePort", "TaskTypesPort", "TasksPort",
]


# --- the store's repositories ------------------------------------------------------------------------

@runtime_checkable
class TasksPort(Protocol):
    """``store.tasks`` (:class:`sheetsync.store.tasks.TaskRepository`)."""

    def get(self, key: str, *, include_deleted: bool = False, session: Session | None = None) -> Task: ...

    def find(self, key: str, *, include_deleted: bool = False, session: Session | None = None) -> Task | None: ...

    def versions(self, client: ClientRef) -> dict[str, int]: ...

    def create(self, client: ClientRef, fields: Mapping[str, Any] | None = None, *, origin: str, actor: str,
               key: str | None = None, session: Session | None = None, **kw: Any) -> Task: ...

    def update(self, key: str, fields: Mapping[str, Any] | None = None, *, origin: str, actor: str,
               expected_version: int | None = None, session: Session | None = None, **kw: Any) -> Task: ...

    def update_many(self, changes: Mapping[str, Mapping[str, Any]], *, origin: str, actor: str,
                    expected_versions: Mapping[str, int] | None = None,
                    session: Session | None = None) -> builtins.list[Task]: ...

    def delete(self, key: str, *, origin: str, actor: str, expected_version: int | None = None,
               session: Session | None = None) -> Task: ...

    def restore(self, key: str, *, origin: str, actor: str, session: Session | None = None) -> Task: ...

    def unused_reserved_keys(self, client: ClientRef) -> set[str]: ...

    def list(self, client: ClientRef | None = None, *, status: str | Iterable[str] | None = None,
             period: str | None = None, include_deleted: bool = False, keys: Iterable[str] | None = None,
             session: Session | None = None) -> Sequence[Task]: ...


@runtime_checkable
class ClientsPort(Protocol):
    """``store.clients`` (:class:`sheetsync.store.clients.ClientRepository`)."""

    def get(self, client: ClientRef, *, session: Session | None = None) -> Client: ...

    def list(self, *, active: bool | None = True, session: Session | None = None) -> Sequence[Client]: ...

    def set_spreadsheet(self, client: ClientRef, spreadsheet_id: str | None, *, origin: str = "daemon",
                        actor: str = "") -> Client: ...

    def account_of(self, client: ClientRef, *, session: Session | None = None) -> str | None: ...

    def assign_account(self, client: ClientRef, account: str | None, *, origin: str, actor: str,
                       session: Session | None = None) -> Client: ...

    def account_load(self, *, session: Session | None = None) -> dict[str | None, int]: ...

    def record_sharing(self, client: ClientRef, changes: Sequence[tuple[str, str, str | None]], *, origin: str,
                       actor: str, session: Session | None = None) -> None: ...


@runtime_checkable
class SyncStatePort(Protocol):
    """``store.sync`` (:class:`sheetsync.store.sync_state.SyncStateRepository`): bases, runs, conflicts, errors."""

    def get_base(self, spreadsheet_id: str, sheet: str | None = None) -> dict[BaseKey, Any]: ...

    def replace_base(self, spreadsheet_id: str, values: Mapping[BaseKey, Any], sheet: str | None = None) -> None: ...

    def set_base(self, spreadsheet_id: str, values: Mapping[BaseKey, Any], old: Mapping[BaseKey, Any], *,
                 dirty: Iterable[BaseKey] = (), drop_sheets: Iterable[str] = ()) -> None: ...

    def clear_base(self, spreadsheet_id: str) -> None: ...

    def start_run(self, client: ClientRef | None = None, *, spreadsheet_id: str | None = None,
                  dry_run: bool = False, store_change_id: int | None = None,
                  sheet_modified_time: str | None = None) -> SyncRun: ...

    def finish_run(self, run_id: int, *, status: str = "ok", message: str = "", **fields: Any) -> SyncRun: ...

    def previous_run_id(self, client: ClientRef, before: int) -> int | None: ...

    def last_runs(self) -> dict[str, LastRun]: ...

    def add_conflict(self, client: ClientRef, *, entity_key: str, field: str, sheet_value: Any, store_value: Any,
                     base_value: Any, winner: str, policy: str = "", sync_run_id: int | None = None) -> Conflict: ...

    def conflicts(self, client: ClientRef | None = None, *, unresolved: bool = True) -> Sequence[Conflict]: ...

    def get_conflict(self, conflict_id: int, *, session: Any = None) -> Conflict: ...

    def resolve_conflict(self, conflict_id: int, *, by: str, session: Any = None) -> Conflict: ...

    def notes_to_clear(self, client: ClientRef) -> Sequence[Conflict]: ...

    def mark_notes_cleared(self, conflict_ids: Iterable[int]) -> None: ...

    def add_error(self, client: ClientRef | None, *, message: str, spreadsheet_id: str | None = None,
                  sheet: str | None = None, row_key: str | None = None, field: str | None = None,
                  value: Any = None, sync_run_id: int | None = None) -> SyncError: ...

    def errors(self, client: ClientRef | None = None, *, unresolved: bool = True) -> Sequence[SyncError]: ...

    def resolve_errors(self, client: ClientRef, *, row_key: str | None = None, field: str | None = None) -> int: ...

    def upsert_base(self, spreadsheet_id: str, rows: Mapping[BaseKey, Any]) -> None: ...

    def pull_into_task(self, key: str, fields: Mapping[str, Any], *, spreadsheet_id: str,
                       base: Mapping[BaseKey, Any], actor: str) -> Task: ...

    def settle_conflict(self, conflict_id: int, value: Any, *, origin: str, actor: str) -> tuple[Any, Any]: ...


@runtime_checkable
class InvoicesPort(Protocol):
    """``store.invoices`` (:class:`sheetsync.store.invoices.InvoiceRepository`)."""

    def get(self, key: str, *, include_deleted: bool = False, session: Session | None = None) -> Invoice: ...

    def update(self, key: str, fields: Mapping[str, Any] | None = None, *, origin: str, actor: str,
               expected_version: int | None = None, reason: str = "", department: str | None = None,
               session: Session | None = None, **kw: Any) -> Invoice: ...

    def live(self, keys: Iterable[str] | None = None) -> builtins.list[LiveInvoice]: ...

    def put_back_last_good(self, fields: Sequence[str], usable: Callable[[str, Any], bool], *, origin: str,
                           actor: str) -> builtins.list[PutBack]: ...


@runtime_checkable
class AgencySheetsPort(Protocol):
    """``store.agency_sheets`` (:class:`sheetsync.store.agency_sheets.AgencySpreadsheetRepository`)."""

    def get(self, kind: str) -> str | None: ...

    def add(self, kind: str, spreadsheet_id: str) -> None: ...

    def forget(self, kind: str) -> None: ...


@runtime_checkable
class InvoiceSnapshotsPort(Protocol):
    """``store.invoice_snapshots`` (:class:`sheetsync.store.snapshots.InvoiceSnapshotRepository`)."""

    def replace(self, month: str, on: dt.date, rows: Sequence[InvoiceSnapshot]) -> int: ...

    def days(self, month: str) -> builtins.list[dt.date]: ...

    def latest_on_or_before(self, month: str, day: dt.date) -> dt.date | None: ...

    def load(self, month: str, on: dt.date) -> builtins.list[InvoiceSnapshot]: ...


@runtime_checkable
class MetricsPort(Protocol):
    """``store.metrics`` (:class:`sheetsync.store.metrics.MetricRepository`)."""

    def definitions(self, client: ClientRef, *, session: Session | None = None) -> Sequence[MetricDefinition]: ...

    def values(self, client: ClientRef, metric: str | None = None, *, since: dt.date | None = None,
               until: dt.date | None = None, session: Session | None = None) -> Sequence[MetricValue]: ...

    def set_value(self, client: ClientRef, metric: str, day: dt.date | str, value: Any, *, origin: str, actor: str,
                  source: str = "manual", period: str | None = None,
                  session: Session | None = None) -> MetricValue: ...


@runtime_checkable
class DepartmentsPort(Protocol):
    """``store.departments`` (:class:`sheetsync.store.reference.DepartmentRepository`)."""

    def list(self, *, session: Session | None = None) -> Sequence[Department]: ...

    def minimum_for(self, key: str, month: str) -> Decimal: ...


@runtime_checkable
class SpecialistsPort(Protocol):
    """``store.specialists`` (:class:`sheetsync.store.reference.SpecialistRepository`)."""

    def list(self, *, active: bool | None = True, role: str | None = None) -> Sequence[Specialist]: ...


@runtime_checkable
class TaskTypesPort(Protocol):
    """``store.task_types`` (:class:`sheetsync.store.reference.TaskTypeRepository`)."""

    def list(self) -> Sequence[TaskType]: ...


# --- the store -----------------------------------------------------------------------------------------

@runtime_checkable
class StorePort(Protocol):
    """The task store (:class:`sheetsync.store.Store`): its repositories and the few store-wide calls.

    The repositories are read-only properties here, so the concrete store's plain attributes satisfy them."""

    @property
    def tasks(self) -> TasksPort: ...

    @property
    def clients(self) -> ClientsPort: ...

    @property
    def sync(self) -> SyncStatePort: ...

    @property
    def invoices(self) -> InvoicesPort: ...

    @property
    def agency_sheets(self) -> AgencySheetsPort: ...

    @property
    def invoice_snapshots(self) -> InvoiceSnapshotsPort: ...

    @property
    def metrics(self) -> MetricsPort: ...

    @property
    def departments(self) -> DepartmentsPort: ...

    @property
    def specialists(self) -> SpecialistsPort: ...

    @property
    def task_types(self) -> TaskTypesPort: ...

    def session(self, *, readonly: bool = False) -> AbstractContextManager[Session]: ...

    def change_counter(self, client: ClientRef) -> int: ...

    def change_counters(self) -> dict[str, int]: ...

    def own_counter(self, client: ClientRef, since: int, *, actor: str, keys: Sequence[str]) -> int | None: ...

    def status_history(self, keys: Sequence[str] | None = None) -> list[tuple[Any, ...]]: ...

    def reserve_task_key(self, client: ClientRef, token: str) -> str: ...

    def close(self) -> None:
        """Dispose of the connections (for whoever opened the store and handed it on, e.g. `sheetsync view`)."""
        ...


# --- the transport -------------------------------------------------------------------------------------

@runtime_checkable
class SheetsPort(Protocol):
    """The Sheets + Drive transport (:class:`sheetsync.sheets.client.SheetsClient`), Google or the emulator."""

    @property
    def identity(self) -> str:
        """The account sheetsync acts as (shown in messages; never removed from a file's sharing)."""
        ...

    def counts(self) -> CallCounts: ...

    def request(self, method: str, url: str, *, params: dict[str, Any] | None = None,
                json_body: Any = None, what: str | None = None) -> Any: ...

    def snapshot(self, spreadsheet_id: str, ranges: Sequence[str]) -> dict[str, list[list[Any]]]: ...

    def write_values(self, spreadsheet_id: str, updates: Iterable[tuple[str, Sequence[Sequence[Any]]]],
                     input_option: str = "RAW") -> dict[str, Any]: ...

    def batch_update(self, spreadsheet_id: str, requests_: Sequence[dict[str, Any]]) -> list[dict[str, Any]]: ...

    def get_metadata(self, spreadsheet_id: str, fields: str | None = None, *,
                     ranges: Sequence[str] = ()) -> dict[str, Any]: ...

    def create_spreadsheet(self, body: dict[str, Any]) -> dict[str, Any]: ...

    def create_spreadsheet_file(self, name: str, parent: str) -> str: ...

    def list_modified(self, mime: str = "application/vnd.google-apps.spreadsheet", since: Any = None, *,
                      query: str | None = None) -> list[DriveFile]: ...

    def file_version(self, file_id: str) -> tuple[str, int]: ...

    def share(self, file_id: str, email: str, role: str, *, notify: bool = False) -> dict[str, Any]: ...

    def list_permissions(self, file_id: str) -> list[dict[str, Any]]: ...

    def remove_permission(self, file_id: str, permission_id: str) -> None: ...
