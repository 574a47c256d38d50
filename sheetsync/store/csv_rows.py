"""What a CSV row means to every importer (clients, tasks, invoices, metric values).

Shared by ``csv_io`` (reading the file, the per-row kinds) and ``csv_tasks`` (the bulk task import),
so neither reaches into the other: blank cells, export-only columns, a bad row, the import's tally.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

READ_ONLY = {"created_at", "updated_at", "version", "deleted_at"}  # exported, ignored on import


def present(values: Mapping[str, str]) -> dict[str, str | None]:
    """The row's cells with blank ones as None (what "no value" means to the store)."""
    return {k: (v if v.strip() != "" else None) for k, v in values.items()}


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    kind: str
    path: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> int:
        return self.created + self.updated + self.unchanged


__all__ = ["READ_ONLY", "ImportReport", "RowError", "present"]
