"""ORM models of the task store (SQLAlchemy 2).

The attribute names are the contract other layers code against (docs/store.md, "Vocabularies and
entities"). The schema is created and changed only by the Alembic migrations in
``sheetsync/store/migrations``; these classes describe the head revision.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..vocabulary import BACKLOG_STATUSES as BACKLOG_STATUSES  # the domain's words, re-exported for the store
from ..vocabulary import ESTIMATE_SOURCES as ESTIMATE_SOURCES
from ..vocabulary import IN_WORK_STATUSES as IN_WORK_STATUSES
from ..vocabulary import INVOICE_STATUSES as INVOICE_STATUSES
from ..vocabulary import TASK_STATUSES as TASK_STATUSES

# --- vocabularies (store values; sheets show localised labels) --------------------------------

ORIGINS = ("sheet", "cli", "api", "daemon", "planner", "import")
CHANGE_ACTIONS = ("create", "update", "delete", "restore", "resolve")  # resolve: a conflict settled
CHANGE_ENTITIES = ("task", "invoice", "client", "metric_value")
METRIC_DIRECTIONS = ("up", "down")
LOCALES = ("ru", "en")
# task fields that never leave the agency: no client spreadsheet shows them (the provisioning tests check
# every client template against this list); the store's own CSV export is internal and keeps them
INTERNAL_TASK_FIELDS = ("internal_note",)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# stable constraint names, so migrations can refer to them on every backend
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime (UTC)")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


Money = Numeric(14, 2)


def table_of(model: type[Base]) -> Table:
    """A mapped class's table, typed as the Table it is (for Core bulk statements)."""
    return cast(Table, model.__table__)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- reference data (mostly loaded from config) ----------------------------------------------


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # default minimum turnover for months without their own DepartmentPlan
    monthly_minimum: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))

    plans: Mapped[list[DepartmentPlan]] = relationship(back_populates="department", cascade="all, delete-orphan")


class DepartmentPlan(Base):
    """A department's minimum turnover for one month."""

    __tablename__ = "department_plans"
    __table_args__ = (UniqueConstraint("department_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # 'YYYY-MM'
    minimum_amount: Mapped[Decimal] = mapped_column(Money)

    department: Mapped[Department] = relationship(back_populates="plans")


class Specialist(Base):
    __tablename__ = "specialists"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(64))
    weekly_hours: Mapped[float] = mapped_column(Float, default=40.0)
    working_days: Mapped[str] = mapped_column(String(40), default="mon,tue,wed,thu,fri")
    department_key: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TaskType(Base):
    __tablename__ = "task_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(64))
    default_estimate_hours: Mapped[float | None] = mapped_column(Float)


# --- clients and their work -------------------------------------------------------------------


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contacts: Mapped[str] = mapped_column(Text, default="")
    manager_email: Mapped[str | None] = mapped_column(String(254))
    tracker_url: Mapped[str | None] = mapped_column(String(500))
    viewer_emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    editor_emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    spreadsheet_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    locale: Mapped[str] = mapped_column(String(2), default="ru")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the pool's service account that syncs this client (a [[backend.accounts]] name); None: the default one
    account: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (Index(None, "client_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(20), unique=True)  # 'T-000123'
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    title: Mapped[str] = mapped_column(Text)
    expected_result: Mapped[str] = mapped_column(Text, default="")
    task_type: Mapped[str | None] = mapped_column(String(64))  # TaskType.key
    role: Mapped[str | None] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(254))  # Specialist.email
    estimate_hours: Mapped[float | None] = mapped_column(Float)
    estimate_source: Mapped[str] = mapped_column(String(10), default="manual")
    priority: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(20), default="backlog")
    period: Mapped[str | None] = mapped_column(String(8))  # '2026-W48' or '2026-11'
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    done_date: Mapped[dt.date | None] = mapped_column(Date)
    actual_hours: Mapped[float | None] = mapped_column(Float)
    client_comment: Mapped[str] = mapped_column(Text, default="")
    internal_note: Mapped[str] = mapped_column(Text, default="")  # never leaves the agency
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    plan_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client] = relationship()

    # the UPDATE carries "WHERE version = <loaded>", so a concurrent writer is detected at flush
    __mapper_args__ = {"version_id_col": version}


class MetricDefinition(Base):
    __tablename__ = "metric_definitions"
    __table_args__ = (UniqueConstraint("client_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32), default="")
    direction: Mapped[str] = mapped_column(String(4), default="up")
    target: Mapped[float | None] = mapped_column(Float)
    period: Mapped[str] = mapped_column(String(8), default="month")  # target per 'week' | 'month'

    client: Mapped[Client] = relationship()


class MetricValue(Base):
    __tablename__ = "metric_values"
    __table_args__ = (UniqueConstraint("metric_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metric_definitions.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    # the reporting period the value belongs to ('2026-11' or '2026-W48'); added in 0002
    period: Mapped[str | None] = mapped_column(String(8), index=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(64), default="manual")

    metric: Mapped[MetricDefinition] = relationship()


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (Index(None, "planned_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(20), unique=True)  # 'INV-000045'
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    planned_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="planned")
    paid_date: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client] = relationship()
    department: Mapped[Department | None] = relationship()
    moves: Mapped[list[InvoiceMove]] = relationship(
        back_populates="invoice", order_by="InvoiceMove.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class InvoiceMove(Base):
    """A planned payment moved to another date: the trace left in its old cell."""

    __tablename__ = "invoice_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    from_date: Mapped[dt.date] = mapped_column(Date)
    to_date: Mapped[dt.date] = mapped_column(Date)
    moved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(254), default="")
    reason: Mapped[str] = mapped_column(Text, default="")

    invoice: Mapped[Invoice] = relationship(back_populates="moves")


class ChangeLog(Base):
    """Append-only: one row per field changed, old and new value JSON-serialised."""

    __tablename__ = "change_log"
    __table_args__ = (
        Index(None, "client_id", "id"),
        Index(None, "entity", "entity_key", "id"),  # added in 0002
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    origin: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(254), default="")
    entity: Mapped[str] = mapped_column(String(20))
    entity_key: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    action: Mapped[str] = mapped_column(String(10))
    field: Mapped[str | None] = mapped_column(String(64))
    old: Mapped[str | None] = mapped_column(Text)  # JSON text; None when the field had no value
    new: Mapped[str | None] = mapped_column(Text)


# --- key allocation ---------------------------------------------------------------------------


class KeySequence(Base):
    """Next number for human keys ('T' -> T-000123); bumped with one atomic UPDATE."""

    __tablename__ = "key_sequences"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer, default=1)


class ReservedId(Base):
    """A task key handed out for a sync token before the row is written: the same token, the same key."""

    __tablename__ = "reserved_ids"

    key: Mapped[str] = mapped_column(String(20), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    token: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


# --- sync state -------------------------------------------------------------------------------


class SyncBase(Base):
    """What sheet and store agreed on at the last sync, per cell (value is JSON text)."""

    __tablename__ = "sync_base"
    __table_args__ = (UniqueConstraint("spreadsheet_id", "sheet", "row_key", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spreadsheet_id: Mapped[str] = mapped_column(String(200))
    sheet: Mapped[str] = mapped_column(String(32))
    row_key: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (Index(None, "client_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    spreadsheet_id: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|ok|failed|skipped
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    cells_written: Mapped[int] = mapped_column(Integer, default=0)
    pulled: Mapped[int] = mapped_column(Integer, default=0)
    pushed: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    store_change_id: Mapped[int | None] = mapped_column(Integer)  # change counter seen by this run
    sheet_modified_time: Mapped[str | None] = mapped_column(String(40))  # Drive modifiedTime seen
    # our own write (docs/sync.md): Drive's version once it shows this run's writes and nothing else, and
    # when they were made (the backstop's clock); NULL when the run wrote nothing or cannot tell
    expected_version: Mapped[int | None] = mapped_column(Integer)
    written_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    message: Mapped[str] = mapped_column(Text, default="")


class Conflict(Base):
    """Both values of a field edited on both sides; the loser is kept here, never dropped."""

    __tablename__ = "conflicts"
    __table_args__ = (Index(None, "client_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    sync_run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id"))
    entity_key: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    sheet_value: Mapped[str | None] = mapped_column(Text)
    store_value: Mapped[str | None] = mapped_column(Text)
    base_value: Mapped[str | None] = mapped_column(Text)
    winner: Mapped[str] = mapped_column(String(10))  # 'sheet' | 'store'
    policy: Mapped[str] = mapped_column(String(32), default="")
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(254))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # when a sync took the conflict's note off its cell (0004); None while resolved: still to clear
    note_cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SyncError(Base):
    """An invalid cell value that was not applied (the cell gets a note; the last good value stays)."""

    __tablename__ = "sync_errors"
    __table_args__ = (Index(None, "client_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    sync_run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id"))
    spreadsheet_id: Mapped[str | None] = mapped_column(String(200))
    sheet: Mapped[str | None] = mapped_column(String(32))
    row_key: Mapped[str | None] = mapped_column(String(64))
    field: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class InvoiceSnapshot(Base):
    """One invoice as the turnover sheet showed it on a day (the weekly snapshot before the meeting); 0003."""

    __tablename__ = "invoice_snapshots"
    __table_args__ = (UniqueConstraint("month", "taken_on", "invoice_key"), Index(None, "month", "taken_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # '2026-11'
    taken_on: Mapped[dt.date] = mapped_column(Date)
    taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    invoice_key: Mapped[str] = mapped_column(String(20))
    client: Mapped[str] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(10))
    planned_date: Mapped[dt.date] = mapped_column(Date)
    paid_date: Mapped[dt.date | None] = mapped_column(Date)
    moves: Mapped[int] = mapped_column(Integer, default=0)


class AgencySpreadsheet(Base):
    """The agency's own spreadsheets (the turnover sheet), by kind; 0003."""

    __tablename__ = "agency_spreadsheets"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    spreadsheet_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# the request stamps of one quota window: a timestamptz[] on PostgreSQL; SQLite has no shared ledger
# (one process per store), so there the table only exists, empty, and the column is plain JSON
QuotaStamps = ARRAY(DateTime(timezone=True)).with_variant(JSON(), "sqlite")


class QuotaWindow(Base):
    """The shared Sheets request budget of one scope (``user:<email>`` or ``project:<key>``) and kind; 0005.

    Written only by the PostgreSQL functions ``sheetsync_quota_take`` / ``sheetsync_quota_pause``
    (sheetsync/store/quota.py): ``stamps`` are the database's times of the requests taken in the last
    window (pruned on every take, so never more than the limit), ``paused_until`` holds every worker's
    requests of the kind after Google answered 429. On SQLite the table stays empty.
    """

    __tablename__ = "quota_windows"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    stamps: Mapped[list[dt.datetime]] = mapped_column(QuotaStamps)
    paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SheetsyncTick(Base):
    """The newest tick of each periodic job that ran (PostgreSQL scale-out; 0007): claimed in one statement
    by :meth:`sheetsync.store.jobs.JobRepository.claim_tick`, so a tick runs once whatever the workers do."""

    __tablename__ = "sheetsync_ticks"

    job: Mapped[str] = mapped_column(String(200), primary_key=True)
    tick: Mapped[int] = mapped_column(BigInteger, nullable=False)


__all__ = [
    "AgencySpreadsheet",
    "Base",
    "ChangeLog",
    "Client",
    "Conflict",
    "Department",
    "DepartmentPlan",
    "Invoice",
    "InvoiceMove",
    "INTERNAL_TASK_FIELDS",
    "InvoiceSnapshot",
    "KeySequence",
    "MetricDefinition",
    "MetricValue",
    "QuotaWindow",
    "ReservedId",
    "SheetsyncTick",
    "Specialist",
    "SyncBase",
    "SyncError",
    "SyncRun",
    "Task",
    "TaskType",
    "table_of",
    "utcnow",
]
