"""Weekly snapshots of a month, so "what we expected last Wednesday against now" is one command.

A snapshot is the month's live invoices as they stood on a day (table ``invoice_snapshots``,
migration 0003); taking one again on the same day replaces it. :func:`diff` compares the newest
snapshot taken on or before ``since`` with the invoices now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..store.models import InvoiceSnapshot
from ..vocabulary import FORECAST_INVOICE_STATUSES
from .layout import InvoiceFacts, month_days

if TYPE_CHECKING:
    from ..ports import StorePort

DIFF_COLUMNS = ("key", "client", "change", "before", "after")
FIELDS = ("amount", "status", "planned_date", "paid_date")


def _live(month: str, invoices: Iterable[InvoiceFacts]) -> list[InvoiceFacts]:
    days = month_days(month)
    return [i for i in invoices if days[0] <= i.planned_date <= days[-1]]


def take(store: StorePort, month: str, invoices: Iterable[InvoiceFacts], *, on: dt.date) -> int:
    """Store the month's live invoices as of ``on``; returns how many."""
    rows = [InvoiceSnapshot(month=month, taken_on=on, invoice_key=i.key, client=i.client, department=i.department,
                            description=i.description, amount=i.amount, status=i.status,
                            planned_date=i.planned_date, paid_date=i.paid_date, moves=len(i.moves))
            for i in _live(month, invoices)]
    return store.invoice_snapshots.replace(month, on, rows)


def days(store: StorePort, month: str) -> list[dt.date]:
    return store.invoice_snapshots.days(month)


def latest_on_or_before(store: StorePort, month: str, day: dt.date) -> dt.date | None:
    return store.invoice_snapshots.latest_on_or_before(month, day)


def load(store: StorePort, month: str, on: dt.date) -> list[InvoiceSnapshot]:
    return store.invoice_snapshots.load(month, on)


def _show(field: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def diff(before: Sequence[InvoiceSnapshot], now: Iterable[InvoiceFacts], month: str) -> pd.DataFrame:
    """One row per change: new / gone (moved out of the month, or deleted) / amount / status / planned / paid."""
    now = list(now)
    then = {s.invoice_key: s for s in before}
    live = {i.key: i for i in _live(month, now)}
    everywhere = {i.key: i for i in now}
    rows: list[dict[str, str]] = []
    for key in sorted(set(then) | set(live)):
        a, b = then.get(key), live.get(key)
        if a is None:
            assert b is not None
            rows.append({"key": key, "client": b.client, "change": "new", "before": "",
                         "after": f"{_show('amount', b.amount)} {b.status} {_show('planned_date', b.planned_date)}"})
            continue
        if b is None:
            rows.append({"key": key, "client": a.client, "change": "gone", "before":
                         f"{_show('amount', a.amount)} {a.status} {_show('planned_date', a.planned_date)}",
                         "after": (f"moved to {_show('planned_date', everywhere[key].planned_date)}"
                                   if key in everywhere else "deleted")})
            continue
        for f in FIELDS:
            old, new = getattr(a, f), getattr(b, f)
            if f == "amount":
                old, new = Decimal(old).quantize(Decimal("0.01")), Decimal(new).quantize(Decimal("0.01"))
            if old != new:
                rows.append({"key": key, "client": b.client, "change": f, "before": _show(f, old),
                             "after": _show(f, new)})
    return pd.DataFrame(rows, columns=list(DIFF_COLUMNS))


def expected(invoices: Iterable[Any]) -> dict[str, Decimal]:
    """Forecast (planned + issued) and fact (paid) of a snapshot or of the live invoices."""
    out = {"forecast": Decimal(0), "fact": Decimal(0)}
    for i in invoices:
        if i.status in FORECAST_INVOICE_STATUSES:
            out["forecast"] += Decimal(i.amount)
        elif i.status == "paid":
            out["fact"] += Decimal(i.amount)
    return out
