"""The agency's own spreadsheets (today the turnover sheet): one spreadsheet id per kind.

Generated from the store, so losing one (deleted in Drive) only means forgetting its id and
making a new one.
"""

from __future__ import annotations

from sqlalchemy import delete

from .models import AgencySpreadsheet
from .repo import Repository


class AgencySpreadsheetRepository(Repository):
    def get(self, kind: str) -> str | None:
        """The id of the agency's spreadsheet of `kind`, or None when none was made yet."""
        with self._read() as s:
            row = s.get(AgencySpreadsheet, kind)
            return row.spreadsheet_id if row is not None else None

    def add(self, kind: str, spreadsheet_id: str) -> None:
        """Remember a spreadsheet just created for `kind` (one per kind: a second add is refused)."""
        with self._tx() as s:
            s.add(AgencySpreadsheet(kind=kind, spreadsheet_id=spreadsheet_id))

    def forget(self, kind: str) -> None:
        """Drop the id of a spreadsheet that is gone, so the next use makes a new one."""
        with self._tx() as s:
            s.execute(delete(AgencySpreadsheet).where(AgencySpreadsheet.kind == kind))


__all__ = ["AgencySpreadsheetRepository"]
