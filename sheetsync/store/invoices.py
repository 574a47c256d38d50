"""Invoices and their moves: a payment moved to another week leaves a trace (InvoiceMove)."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from . import changelog, keys, repo
from .errors import ConcurrentUpdateError, InvalidValueError, NotFoundError, StoreError
from .models import ChangeLog, Client, Department, Invoice, InvoiceMove, utcnow
from .repo import ClientRef, Repository, client_id_of, flush_versioned
from .values import DATE_MAX, DATE_MIN, MAX_MONEY, clean, is_month, loads, settable_fields

if TYPE_CHECKING:
    import pandas as pd

INVOICE_FIELDS = settable_fields(Invoice)  # department is given by key, see `department=`
INVOICE_COLUMNS = ("key", "client", "department", *INVOICE_FIELDS, "version", "deleted_at")


class LiveInvoice(NamedTuple):
    """A live invoice (moves loaded) with the names a sheet shows for its client and department."""

    invoice: Invoice
    client: str  # slug
    client_name: str
    department: str | None  # key


class PutBack(NamedTuple):
    """A field put back to its last good value by :meth:`InvoiceRepository.put_back_last_good`."""

    key: str
    field: str
    old: Any
    new: Any


def _week(day: dt.date) -> tuple[int, int, int]:
    """The turnover sheet's week: Monday..Sunday clipped to the month (30.11 -> 01.12 is a move)."""
    iso = day.isocalendar()
    return iso.year, iso.week, day.month


class InvoiceRepository(Repository):
    def get(self, key: str, *, include_deleted: bool = False, session: Session | None = None) -> Invoice:
        with self._read(session) as s:
            inv = s.scalars(select(Invoice).options(selectinload(Invoice.moves)).where(Invoice.key == key)).first()
            if inv is None:
                raise NotFoundError(f"no invoice {key!r}: check the key (invoices look like INV-000045)")
            if inv.deleted_at is not None and not include_deleted:
                raise NotFoundError(f"invoice {key} was deleted: `sheetsync restore {key}` brings it back")
            return inv

    def list(
        self, client: ClientRef | None = None, *, month: str | None = None, status: str | None = None,
        include_deleted: bool = False, session: Session | None = None,
    ) -> Sequence[Invoice]:
        """Invoices ordered by planned date; `month` ('2026-11') filters on the planned date."""
        with self._read(session) as s:
            stmt = select(Invoice).options(selectinload(Invoice.moves)).order_by(Invoice.planned_date, Invoice.id)
            if client is not None:
                stmt = stmt.where(Invoice.client_id == client_id_of(s, client))
            if month is not None:
                if not is_month(month):
                    raise InvalidValueError("month", month, "a month like 2026-11")
                first = dt.date.fromisoformat(f"{month}-01")
                nxt = (first + dt.timedelta(days=32)).replace(day=1)
                stmt = stmt.where(Invoice.planned_date >= first, Invoice.planned_date < nxt)
            if status is not None:
                stmt = stmt.where(Invoice.status == status)
            if not include_deleted:
                stmt = stmt.where(Invoice.deleted_at.is_(None))
            return s.scalars(stmt).all()

    def live(self, keys: Iterable[str] | None = None) -> builtins.list[LiveInvoice]:
        """The live invoices (all, or those of `keys`) by id, with client and department names, in one read."""
        with self._read() as s:
            clients = {c.id: (c.slug, c.name) for c in s.scalars(select(Client))}
            deps = dict(s.execute(select(Department.id, Department.key)).all())
            stmt = select(Invoice).options(selectinload(Invoice.moves)).where(Invoice.deleted_at.is_(None))
            if keys is not None:
                stmt = stmt.where(Invoice.key.in_(list(keys)))
            return [LiveInvoice(i, *clients[i.client_id], deps.get(i.department_id) if i.department_id else None)
                    for i in s.scalars(stmt.order_by(Invoice.id))]

    def moves(self, key: str) -> Sequence[InvoiceMove]:
        return list(self.get(key, include_deleted=True).moves)

    def create(
        self, client: ClientRef, fields: Mapping[str, Any] | None = None, *, origin: str, actor: str,
        department: str | None = None, key: str | None = None, session: Session | None = None, **kw: Any,
    ) -> Invoice:
        values = clean(Invoice, {**(fields or {}), **kw})
        for required in ("amount", "planned_date"):
            if values.get(required) is None:
                raise InvalidValueError(f"invoices.{required}", None, "a value (required for a new invoice)")
        changelog.check_origin(origin, actor)
        with self._tx(session) as s:
            cid = client_id_of(s, client)
            if key is None:
                key = keys.next_key(s, "invoice")
            else:
                keys.claim_key(s, "invoice", key)
            now = utcnow()
            inv = Invoice(key=key, client_id=cid, department_id=_department_id(s, department),
                          created_at=now, updated_at=now, **values)
            s.add(inv)
            try:
                s.flush()
            except IntegrityError as exc:
                raise StoreError(f"invoice {key} already exists: update it instead") from exc
            changes = {f: (None, getattr(inv, f)) for f in INVOICE_FIELDS if getattr(inv, f) not in (None, "")}
            if department:
                changes["department"] = (None, department)
            changelog.record(s, entity="invoice", entity_key=key, client_id=cid, action="create",
                             origin=origin, actor=actor, changes=changes)
            return inv

    def update(
        self, key: str, fields: Mapping[str, Any] | None = None, *, origin: str, actor: str,
        expected_version: int | None = None, reason: str = "", department: str | None = None,
        session: Session | None = None, **kw: Any,
    ) -> Invoice:
        """Change fields; a planned date moved to another week records an InvoiceMove (who, why)."""
        values = clean(Invoice, {**(fields or {}), **kw})
        changelog.check_origin(origin, actor)
        with self._tx(session) as s:
            inv = self.get(key, session=s)
            if expected_version is not None and inv.version != expected_version:
                raise ConcurrentUpdateError("invoice", key, expected_version, inv.version)
            changes = changelog.diff(inv, values)
            if department is not None:
                dep_id = _department_id(s, department)
                if dep_id != inv.department_id:
                    was = s.get(Department, inv.department_id) if inv.department_id else None
                    old = was.key if was is not None else None
                    changes["department"] = (old, department)
                    inv.department_id = dep_id
            if not changes:
                return inv
            old_date = inv.planned_date
            for field, (_old, new) in changes.items():
                if field != "department":
                    setattr(inv, field, new)
            if "planned_date" in changes and _week(old_date) != _week(inv.planned_date):
                inv.moves.append(InvoiceMove(from_date=old_date, to_date=inv.planned_date, actor=actor, reason=reason))
            inv.updated_at = utcnow()
            flush_versioned(s, "invoice", key, expected_version)
            changelog.record(s, entity="invoice", entity_key=key, client_id=inv.client_id, action="update",
                             origin=origin, actor=actor, changes=changes)
            return inv

    def move(self, key: str, to_date: dt.date | str, *, origin: str, actor: str, reason: str = "",
             expected_version: int | None = None) -> Invoice:
        return self.update(key, planned_date=to_date, origin=origin, actor=actor, reason=reason,
                           expected_version=expected_version)

    def delete(self, key: str, *, origin: str, actor: str, expected_version: int | None = None) -> Invoice:
        changelog.check_origin(origin, actor)
        with self._tx() as s:
            return repo.tombstone(s, self.get(key, session=s), "invoice", origin=origin, actor=actor,
                                  expected_version=expected_version)

    def restore(self, key: str, *, origin: str, actor: str, session: Session | None = None) -> Invoice:
        changelog.check_origin(origin, actor)
        with self._tx(session) as s:
            return repo.restore(s, self.get(key, include_deleted=True, session=s), "invoice", origin=origin,
                                actor=actor)

    def put_back_last_good(
        self, fields: Sequence[str], usable: Callable[[str, Any], bool], *, origin: str, actor: str,
    ) -> builtins.list[PutBack]:
        """Live invoices holding a value outside what the store accepts today (an older version let it in):
        each such field of `fields` that `usable` refuses gets the newest value its change log holds that
        `usable` takes, logged as an update, all in one transaction. Fields with no such value are left."""
        changelog.check_origin(origin, actor)
        out: builtins.list[PutBack] = []
        with self._tx() as s:
            bad = s.scalars(select(Invoice).where(Invoice.deleted_at.is_(None), or_(
                Invoice.planned_date < DATE_MIN, Invoice.planned_date > DATE_MAX,
                Invoice.paid_date < DATE_MIN, Invoice.paid_date > DATE_MAX,
                Invoice.amount < 0, Invoice.amount >= MAX_MONEY))).all()
            for inv in bad:
                for field in fields:
                    now = getattr(inv, field)
                    if usable(field, now):
                        continue
                    history = s.scalars(select(ChangeLog).where(ChangeLog.entity == "invoice",
                                                                ChangeLog.entity_key == inv.key,
                                                                ChangeLog.field == field).order_by(ChangeLog.id.desc()))
                    good = next((v for row in history for v in (loads(row.new), loads(row.old))
                                 if v is not None and usable(field, v)), None)
                    if good is None:
                        continue
                    good = _logged_value(field, good)
                    setattr(inv, field, good)
                    inv.updated_at = utcnow()
                    changelog.record(s, entity="invoice", entity_key=inv.key, client_id=inv.client_id,
                                     action="update", origin=origin, actor=actor, changes={field: (now, good)})
                    out.append(PutBack(inv.key, field, now, good))
        return out

    def to_dataframe(self, client: ClientRef | None = None, **filters: Any) -> pd.DataFrame:
        import pandas as pd

        with self._read() as s:
            slugs = dict(s.execute(select(Client.id, Client.slug)).all())
            deps = dict(s.execute(select(Department.id, Department.key)).all())
            rows = []
            for inv in self.list(client, session=s, **filters):
                row = {c: getattr(inv, c) for c in INVOICE_COLUMNS if c not in ("client", "department")}
                row["client"] = slugs[inv.client_id]
                row["department"] = deps.get(inv.department_id) if inv.department_id else None
                rows.append(row)
        return pd.DataFrame(rows, columns=list(INVOICE_COLUMNS))


def _logged_value(field: str, value: Any) -> Any:
    """A money or date value as the change log's JSON holds it, back in the column's type."""
    return Decimal(str(value)) if field == "amount" else (None if value is None else dt.date.fromisoformat(value))


def _department_id(session: Session, key: str | None) -> int | None:
    if not key:
        return None
    dep_id = session.scalars(select(Department.id).where(Department.key == key)).first()
    if dep_id is None:
        known = ", ".join(session.scalars(select(Department.key).order_by(Department.key))) or "none yet"
        raise InvalidValueError("invoices.department", key, f"a department key from the config ({known})")
    return dep_id
