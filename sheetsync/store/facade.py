"""`Store`: the one object the other layers hold — engine, sessions, repositories, change log, restore."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from . import changelog, migrate
from .agency_sheets import AgencySpreadsheetRepository
from .clients import ClientRepository
from .engine import is_sqlite, make_engine, normalize_url
from .errors import InvalidValueError, NotFoundError, StoreError
from .invoices import InvoiceRepository
from .jobs import JobRepository
from .metrics import MetricRepository
from .models import ChangeLog, Invoice, Task
from .quota import QuotaLedger
from .reference import DepartmentRepository, SpecialistRepository, TaskTypeRepository, sync_reference_data
from .repo import ClientRef, client_id_of
from .snapshots import InvoiceSnapshotRepository
from .sync_state import SyncStateRepository
from .tasks import TaskRepository
from .values import loads, loads_field

if TYPE_CHECKING:
    from sheetsync.config import Config


class Store:
    """The agency's task store. Every mutator writes the change log in its own short transaction."""

    def __init__(self, engine: Engine, *, read_engine: Engine | None = None) -> None:
        self.engine = engine
        self._read_engine = read_engine or engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)
        self.clients = ClientRepository(self)
        self.tasks = TaskRepository(self)
        self.invoices = InvoiceRepository(self)
        self.metrics = MetricRepository(self)
        self.departments = DepartmentRepository(self)
        self.specialists = SpecialistRepository(self)
        self.task_types = TaskTypeRepository(self)
        self.sync = SyncStateRepository(self)
        self.agency_sheets = AgencySpreadsheetRepository(self)
        self.invoice_snapshots = InvoiceSnapshotRepository(self)
        self.jobs = JobRepository(self)
        self.quota = QuotaLedger(self)  # the Sheets request budget shared by all workers (PostgreSQL only)
        self._guards = threading.local()  # this thread's write guard (a worker's fence), if any

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str | Path, *, migrate_schema: bool = True, **engine_kwargs: Any) -> Store:
        """Open (creating if needed) the store at `url` — a SQLite path/URL or `postgresql+psycopg://...`.

        Migrations are applied unless `migrate_schema=False`.
        """
        url = normalize_url(url)
        if make_url(url).get_backend_name() == "sqlite" and make_url(url).database in (None, "", ":memory:"):
            # one shared connection, or every pooled connection would see its own empty database
            engine_kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}, **engine_kwargs}
            engine = make_engine(url, **engine_kwargs)
            read_engine = engine
        else:
            engine = make_engine(url, **engine_kwargs)
            read_engine = make_engine(url, immediate=False, **engine_kwargs) if is_sqlite(engine) else engine
        store = cls(engine, read_engine=read_engine)
        if migrate_schema:
            try:
                store.upgrade()
            except DBAPIError as exc:
                store.close()
                reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
                raise StoreError(
                    f"cannot open the store at {store.url}: {reason}. Check the URL (`[store] url` in the config) "
                    "and that the database server is running and reachable"
                ) from exc
        return store

    @classmethod
    def from_config(cls, config: Config, *, load_reference: bool = False) -> Store:
        """Open the config's store; `load_reference=True` also makes its reference data match the config."""
        store = cls.open(config.store_url)
        if load_reference:
            store.sync_reference_data(config)
        return store

    def upgrade(self, revision: str = "head") -> str | None:
        """Apply migrations up to `revision`; returns the revision now in place."""
        return migrate.upgrade(self._read_engine, revision)

    def revision(self) -> str | None:
        return migrate.current_revision(self._read_engine)

    def close(self) -> None:
        self.quota.close()
        self.engine.dispose()
        if self._read_engine is not self.engine:
            self._read_engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``: what decides one daemon per file or workers sharing a job queue."""
        return self.engine.dialect.name

    def dsn(self) -> str:
        """The libpq connection string of a PostgreSQL store, for the job engine's own connections
        (procrastinate); it holds the password, so it is never logged."""
        if self.backend != "postgresql":
            raise StoreError(f"the job engine needs a PostgreSQL store; this one is {self.backend}")
        return self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def ping(self) -> None:
        """A trivial query on a raw connection (no transaction begun); raises the driver's error if it fails.

        For a health probe: it must not wait for SQLite's write lock as a store transaction would.
        """
        conn = self.engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute("SELECT 1")
            cur.close()
        finally:
            conn.close()

    # --- sessions --------------------------------------------------------------------------

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        On SQLite a writing session takes the write lock when it begins (and waits for it), so
        keep it short; `readonly=True` sessions never block writers.
        """
        factory = self._read_sessions if readonly else self._sessions
        guard = None if readonly else getattr(self._guards, "fn", None)
        with factory() as s, s.begin():
            yield s
            if guard is not None:
                guard(s)  # inside the transaction, just before it commits: raises to roll it back

    @contextmanager
    def guarded(self, guard: Callable[[Session], None]) -> Iterator[None]:
        """Every writing transaction this thread opens in the block calls ``guard(session)`` just before
        it commits; ``guard`` raises to roll it back. A daemon worker's fence (a job it no longer holds
        writes nothing): :meth:`JobRepository.check`."""
        previous = getattr(self._guards, "fn", None)
        self._guards.fn = guard
        try:
            yield
        finally:
            self._guards.fn = previous

    # --- reference data --------------------------------------------------------------------

    def sync_reference_data(self, config: Config, *, actor: str = "config") -> dict[str, int]:
        """Departments, specialists, task types and clients made to match the config (idempotent)."""
        return sync_reference_data(self, config, actor=actor)

    # --- change detection & log ------------------------------------------------------------

    def change_counter(self, client: ClientRef) -> int:
        """Grows whenever anything of the client changes (the newest change-log id); cheap to poll."""
        with self.session(readonly=True) as s:
            return changelog.counter(s, client_id_of(s, client))

    def change_counters(self) -> dict[str, int]:
        """{client slug: change counter} for every client, in one query."""
        with self.session(readonly=True) as s:
            return changelog.counters(s)

    def own_counter(self, client: ClientRef, since: int, *, actor: str, keys: Sequence[str]) -> int | None:
        """The client's change counter, when everything the log gained after `since` is the sync's own pull.

        Own: origin ``sheet``, by `actor`, on a task in `keys`. None when anything else is there, or when
        an id in between is not visible yet (a transaction still in flight on PostgreSQL may commit a
        lower id later): then the sync keeps the counter it had and reads the sheet once more.
        """
        with self.session() as s:  # the primary: a replica may not show our own rows yet
            return changelog.own_counter(s, client_id_of(s, client), since, actor=actor, keys=set(keys))

    def status_history(self, keys: Sequence[str] | None = None) -> list[tuple[Any, ...]]:
        """Tasks' status changes, deletes and restores in log order: (key, at, action, status, origin, actor)."""
        with self.session(readonly=True) as s:
            return changelog.status_history(s, keys=keys)

    def reserve_task_key(self, client: ClientRef, token: str) -> str:
        return self.tasks.reserve_key(client, token)

    def log(
        self, *, client: ClientRef | None = None, task: str | None = None, entity: str | None = None,
        key: str | None = None, field: str | None = None, since_id: int | None = None, limit: int | None = None,
        newest_first: bool = False,
    ) -> Sequence[ChangeLog]:
        """Change-log rows, filtered by client, task key (or any entity key) and field."""
        with self.session(readonly=True) as s:
            cid = client_id_of(s, client) if client is not None else None
            if task is not None:
                entity, key = "task", task
            return changelog.query(s, client_id=cid, entity=entity, entity_key=key, field=field,
                                   since_id=since_id, limit=limit, newest_first=newest_first)

    def restore(
        self, key: str, *, field: str | None = None, change_id: int | None = None, origin: str = "cli",
        actor: str, expected_version: int | None = None,
    ) -> Task | Invoice:
        """Bring back a deleted task/invoice, or put back a field's value from before a logged change.

        With `change_id`, the value before that change; with only `field`, the value before the newest
        change of that field; with neither, undelete.
        """
        kind = "invoice" if key.startswith("INV-") else "task"
        repo: TaskRepository | InvoiceRepository = self.invoices if kind == "invoice" else self.tasks
        if field is None and change_id is None:
            return repo.restore(key, origin=origin, actor=actor)
        if field is not None:
            model = Invoice if kind == "invoice" else Task
            fields = sorted(set(model.__table__.columns.keys()) - {"id", "key", "client_id", "version", "created_at",
                                                                    "updated_at", "department_id"}
                            | ({"department"} if kind == "invoice" else set()))
            if field not in fields:
                raise NotFoundError(f"{kind}s have no field {field!r} (fields: {', '.join(fields)})")
        with self.session(readonly=True) as s:
            if change_id is not None:
                row = s.get(ChangeLog, change_id)
                if row is None or row.entity_key != key:
                    raise NotFoundError(
                        f"change {change_id} is not a change of {key}: `sheetsync log --task {key}` lists its changes"
                    )
                if field is not None and row.field != field:
                    raise InvalidValueError("field", field, f"the field change {change_id} changed ({row.field})")
            else:
                rows = [r for r in changelog.query(s, entity=kind, entity_key=key, field=field, newest_first=True)
                        if r.action == "update"]
                if not rows:
                    raise NotFoundError(
                        f"{key}.{field} has not been changed since {key} was created: there is no earlier value"
                    )
                row = rows[0]
        if row.field in (None, "deleted_at"):
            if row.action == "delete":
                return repo.restore(key, origin=origin, actor=actor)
            raise StoreError(f"change {row.id} is a {row.action} of {key}; restore a field change or a delete")
        if row.field == "department":
            return self.invoices.update(key, department=loads(row.old), origin=origin, actor=actor,
                                        expected_version=expected_version, reason="restored")
        model = Invoice if kind == "invoice" else Task
        value = loads_field(model, row.field, row.old)
        return repo.update(key, {row.field: value}, origin=origin, actor=actor, expected_version=expected_version)

    # --- CSV -------------------------------------------------------------------------------

    def import_csv(self, kind: str, path: str | Path, *, skip_bad: bool = False, origin: str = "import",
                   actor: str = "") -> Any:
        from .csv_io import import_csv

        return import_csv(self, kind, path, skip_bad=skip_bad, origin=origin, actor=actor)

    def export_csv(self, kind: str, path: str | Path, *, client: ClientRef | None = None) -> int:
        from .csv_io import export_csv

        return export_csv(self, kind, path, client=client)
