"""Reports for the Wednesday meeting (pandas): how each client pays, and each department's month.

Per client: invoices, how many are paid, the average days from the *first* planned date (before any
move) to payment — negative when clients pay early — and the average number of moves.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .layout import InvoiceFacts, MonthLayout, Totals

CLIENT_COLUMNS: dict[str, dict[str, str]] = {
    "client": {"ru": "Клиент", "en": "Client"},
    "invoices": {"ru": "Счетов", "en": "Invoices"},
    "paid": {"ru": "Оплачено", "en": "Paid"},
    "avg_days_to_payment": {"ru": "Дней от первой плановой даты до оплаты", "en": "Days from first planned date to payment"},
    "avg_moves": {"ru": "Переносов в среднем", "en": "Average moves"},
    "amount": {"ru": "Сумма", "en": "Amount"},
    "unpaid": {"ru": "Не оплачено", "en": "Unpaid"},
}
DEPARTMENT_COLUMNS = ("department", "plan", "forecast", "fact", "gap")


def client_behaviour(invoices: Iterable[InvoiceFacts]) -> pd.DataFrame:
    """One row per client (by name), cancelled invoices left out."""
    rows = [{
        "client": inv.client_name,
        "paid": inv.status == "paid",
        "days": (inv.paid_date - inv.first_planned_date).days if inv.status == "paid" and inv.paid_date else None,
        "moves": len(inv.moves),
        "amount": float(inv.amount),
        "unpaid": 0.0 if inv.status == "paid" else float(inv.amount),
    } for inv in invoices if inv.status != "cancelled"]
    if not rows:
        return pd.DataFrame(columns=list(CLIENT_COLUMNS))
    df = pd.DataFrame(rows)
    df["days"] = pd.to_numeric(df["days"], errors="coerce")
    out = df.groupby("client", sort=True).agg(
        invoices=("paid", "size"), paid=("paid", "sum"), avg_days_to_payment=("days", "mean"),
        avg_moves=("moves", "mean"), amount=("amount", "sum"), unpaid=("unpaid", "sum"),
    ).reset_index()
    out["paid"] = out["paid"].astype(int)
    return out[list(CLIENT_COLUMNS)]


def department_totals(layout: MonthLayout) -> pd.DataFrame:
    """Plan, forecast, fact and gap for the month, per department and for all of them."""
    rows = []
    for b in layout.blocks:
        rows.append({"department": b.department.name, **_month(b.totals)})
    rows.append({"department": "*", **_month(layout.totals)})
    return pd.DataFrame(rows, columns=list(DEPARTMENT_COLUMNS))


def _month(totals: Totals) -> dict[str, float]:
    return {"plan": float(totals.month("plan")), "forecast": float(totals.month("forecast")),
            "fact": float(totals.month("fact")), "gap": float(sum(totals.gap))}
