"""The concrete store and sheets client satisfy the protocols in sheetsync.ports.

Statically: ``_static_check`` assigns the concrete objects to the protocol types, and
``test_concrete_classes_satisfy_the_ports_for_mypy`` runs mypy on this file (a missing member or a
signature that drifted apart fails it). At run time: ``isinstance`` against the runtime-checkable
protocols (member presence only).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from sheetsync.ports import (
    AgencySheetsPort,
    ClientsPort,
    DepartmentsPort,
    InvoiceSnapshotsPort,
    InvoicesPort,
    MetricsPort,
    SheetsPort,
    SpecialistsPort,
    StorePort,
    SyncStatePort,
    TasksPort,
    TaskTypesPort,
)
from sheetsync.sheets.client import SheetsClient, connect
from sheetsync.store import Store


def _static_check(store: Store, sheets: SheetsClient) -> tuple[StorePort, SheetsPort]:
    """Checked by mypy (see the test below): each assignment fails to type-check if a concrete class
    lacks a protocol member or has an incompatible signature."""
    ports: StorePort = store
    transport: SheetsPort = sheets
    tasks: TasksPort = store.tasks
    clients: ClientsPort = store.clients
    sync: SyncStatePort = store.sync
    invoices: InvoicesPort = store.invoices
    metrics: MetricsPort = store.metrics
    departments: DepartmentsPort = store.departments
    specialists: SpecialistsPort = store.specialists
    task_types: TaskTypesPort = store.task_types
    agency_sheets: AgencySheetsPort = store.agency_sheets
    snapshots: InvoiceSnapshotsPort = store.invoice_snapshots
    del tasks, clients, sync, invoices, metrics, departments, specialists, task_types, agency_sheets, snapshots
    return ports, transport


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'ports.db'}")
    yield s
    s.close()


def test_store_is_a_store_port(store: Store) -> None:
    assert isinstance(store, StorePort)
    for repo, port in [(store.tasks, TasksPort), (store.clients, ClientsPort), (store.sync, SyncStatePort),
                       (store.invoices, InvoicesPort), (store.metrics, MetricsPort),
                       (store.departments, DepartmentsPort), (store.specialists, SpecialistsPort),
                       (store.task_types, TaskTypesPort), (store.agency_sheets, AgencySheetsPort),
                       (store.invoice_snapshots, InvoiceSnapshotsPort)]:
        assert isinstance(repo, port), (repo, port)


def test_sheets_client_is_a_sheets_port() -> None:
    client = connect()  # a new in-memory emulator
    try:
        assert isinstance(client, SheetsPort)
    finally:
        client.close()


def test_something_else_is_not_a_port() -> None:
    assert not isinstance(object(), StorePort)
    assert not isinstance(object(), SheetsPort)


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed (the [test] extra has it)")
def test_concrete_classes_satisfy_the_ports_for_mypy() -> None:
    from mypy import api

    root = Path(__file__).resolve().parents[1]
    # silent: report only this file's errors (the package's own are `mypy sheetsync`'s business)
    out, err, status = api.run(["--follow-imports=silent", "--config-file", str(root / "pyproject.toml"),
                                str(Path(__file__).resolve())])
    assert status == 0, out + err
