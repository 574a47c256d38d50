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
from typing import TYPE_CHECKING, Any

from ..store.values import DATE_MAX, DATE_MIN, MAX_MONEY

if TYPE_CHECKING:
    from ..ports import StorePort

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


def _show(value: Any) -> str:
    return f"{value:%d.%m.%Y}" if isinstance(value, dt.date) else str(value)


def repair(store: StorePort) -> list[str]:
    """Put back the last good value of every unusable invoice field; returns one warning per field."""
    # an invoice with no good value in its history is left out of the sheet by Invoices.facts(), which warns
    return [f"invoice {p.key}: {p.field} {_show(p.old)} in the store cannot be used; "
            f"put back its last good value {_show(p.new)}"
            for p in store.invoices.put_back_last_good(FIELDS, usable, origin="daemon", actor=ACTOR)]
