"""The agency's internal task store: schema, migrations, repositories, change log.

    store = Store.open("sqlite:///data/sheetsync.db")     # or "postgresql+psycopg://..."
    t = store.tasks.create("acme", title="Landing page", origin="cli", actor="pm@agency.test")
    store.tasks.update(t.key, status="planned", expected_version=t.version, origin="cli", actor="pm@agency.test")
"""

from .errors import (
    ConcurrentUpdateError,
    ConflictResolvedError,
    InvalidValueError,
    MigrationError,
    NotFoundError,
    StoreError,
)
from .facade import Store
from .models import (
    BACKLOG_STATUSES,
    CHANGE_ACTIONS,
    ESTIMATE_SOURCES,
    IN_WORK_STATUSES,
    INTERNAL_TASK_FIELDS,
    INVOICE_STATUSES,
    ORIGINS,
    TASK_STATUSES,
    Base,
    ChangeLog,
    Client,
    Conflict,
    Department,
    DepartmentPlan,
    Invoice,
    InvoiceMove,
    KeySequence,
    Lease,
    MetricDefinition,
    MetricValue,
    ReservedId,
    Specialist,
    SyncBase,
    SyncError,
    SyncRun,
    Task,
    TaskType,
)
from .tasks import DuplicateKeyError

__all__ = [
    "BACKLOG_STATUSES",
    "CHANGE_ACTIONS",
    "ESTIMATE_SOURCES",
    "IN_WORK_STATUSES",
    "INTERNAL_TASK_FIELDS",
    "INVOICE_STATUSES",
    "ORIGINS",
    "TASK_STATUSES",
    "Base",
    "ChangeLog",
    "Client",
    "ConcurrentUpdateError",
    "ConflictResolvedError",
    "Conflict",
    "Department",
    "DepartmentPlan",
    "DuplicateKeyError",
    "InvalidValueError",
    "Invoice",
    "InvoiceMove",
    "KeySequence",
    "Lease",
    "MetricDefinition",
    "MetricValue",
    "MigrationError",
    "NotFoundError",
    "ReservedId",
    "Specialist",
    "Store",
    "StoreError",
    "SyncBase",
    "SyncError",
    "SyncRun",
    "Task",
    "TaskType",
]
