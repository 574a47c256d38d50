"""Weekly snapshots of a month's invoices (table ``invoice_snapshots``, migration 0003).

What the turnover sheet showed on a day, so "what we expected last Wednesday against now" is one
query; taking one again on the same day replaces it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, select

from .models import InvoiceSnapshot
from .repo import Repository


class InvoiceSnapshotRepository(Repository):
    def replace(self, month: str, on: dt.date, rows: Sequence[InvoiceSnapshot]) -> int:
        """Make the snapshot of `month` taken `on` exactly `rows` (new, unsaved objects); returns how many."""
        with self._tx() as s:
            s.execute(delete(InvoiceSnapshot).where(InvoiceSnapshot.month == month, InvoiceSnapshot.taken_on == on))
            s.add_all(rows)
        return len(rows)

    def days(self, month: str) -> list[dt.date]:
        """The days a snapshot of `month` was taken, oldest first."""
        with self._read() as s:
            return list(s.scalars(select(InvoiceSnapshot.taken_on).where(InvoiceSnapshot.month == month)
                                  .group_by(InvoiceSnapshot.taken_on).order_by(InvoiceSnapshot.taken_on)))

    def latest_on_or_before(self, month: str, day: dt.date) -> dt.date | None:
        """The newest day on or before `day` with a snapshot of `month` (the last meeting's)."""
        with self._read() as s:
            return s.scalar(select(func.max(InvoiceSnapshot.taken_on)).where(InvoiceSnapshot.month == month,
                                                                               InvoiceSnapshot.taken_on <= day))

    def load(self, month: str, on: dt.date) -> list[InvoiceSnapshot]:
        """The snapshot of `month` taken `on`, by invoice key."""
        with self._read() as s:
            return list(s.scalars(select(InvoiceSnapshot).where(InvoiceSnapshot.month == month,
                                                                InvoiceSnapshot.taken_on == on)
                                  .order_by(InvoiceSnapshot.invoice_key)))


__all__ = ["InvoiceSnapshotRepository"]
