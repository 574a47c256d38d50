"""Values the turnover sheet cannot use, found in the store, put back to their last good value.

Today the store refuses them (``store/values.py``: dates 1970–2199, amounts 0 ≤ x < 10¹²) and the sheet
notes them (``invoices/sync.py``). Older versions let an account's ``31.12.9999`` or ``1e30`` into the
store, after which every refresh failed. Each refresh starts here: such a field gets the newest
usable value its change-log history holds, with a change-log row of its own (origin ``daemon``,
actor ``sheetsync``) and a warning; with none in the history the invoice is left out of the sheet,
with a warning naming it, until someone fixes it (``sheetsync`` CLI or CSV import).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import or_, select

from ..store import changelog
from ..store.models import ChangeLog, Invoice, utcnow
from ..store.values import DATE_MAX, DATE_MIN, MAX_MONEY, loads

ACTOR = "sheetsync"
FIELDS = ("planned_date", "paid_date", "amount")


def usable(field: str, value: Any) -> bool:
    """Whether the turnover sheet can use ``value`` (a store value, or its change-log JSON decoded)."""
    if value is None:
        return field == "paid_date"
    try:
        if field == "amount":
            d = Decimal(str(value))
            return d.is_finite() and 0 <= d < MAX_MONEY
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return DATE_MIN <= day <= DATE_MAX
    except (InvalidOperation, ValueError, TypeError):
        return False


def _decode(field: str, value: Any) -> Any:
    return Decimal(str(value)) if field == "amount" else (None if value is None else dt.date.fromisoformat(value))


def _show(value: Any) -> str:
    return f"{value:%d.%m.%Y}" if isinstance(value, dt.date) else str(value)


def repair(store: Any) -> list[str]:
    """Put back the last good value of every unusable invoice field; returns one warning per field."""
    warnings: list[str] = []
    with store.session() as s:
        bad = s.scalars(select(Invoice).where(Invoice.deleted_at.is_(None), or_(
            Invoice.planned_date < DATE_MIN, Invoice.planned_date > DATE_MAX,
            Invoice.paid_date < DATE_MIN, Invoice.paid_date > DATE_MAX,
            Invoice.amount < 0, Invoice.amount >= MAX_MONEY))).all()
        for inv in bad:
            for field in FIELDS:
                now = getattr(inv, field)
                if usable(field, now):
                    continue
                history = s.scalars(select(ChangeLog).where(ChangeLog.entity == "invoice",
                                                            ChangeLog.entity_key == inv.key,
                                                            ChangeLog.field == field).order_by(ChangeLog.id.desc()))
                good = next((v for row in history for v in (loads(row.new), loads(row.old))
                             if v is not None and usable(field, v)), None)
                if good is None:
                    continue  # left out of the sheet by Invoices.facts(), which warns
                good = _decode(field, good)
                setattr(inv, field, good)
                inv.updated_at = utcnow()
                changelog.record(s, entity="invoice", entity_key=inv.key, client_id=inv.client_id, action="update",
                                 origin="daemon", actor=ACTOR, changes={field: (now, good)})
                warnings.append(f"invoice {inv.key}: {field} {_show(now)} in the store cannot be used; "
                                f"put back its last good value {_show(good)}")
    return warnings
