"""The month's numbers, by hand: weeks, plan spread, totals, concentration warnings (pure)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sheetsync.invoices.layout import (
    ZERO,
    DepartmentFacts,
    InvoiceFacts,
    MonthError,
    MoveFacts,
    build,
    month_weeks,
    parse_month,
    spread_plan,
    week_start,
)

D = dt.date
UTC = dt.UTC


def inv(key, amount, day, status="planned", dep="dev", client="ACME", moves=()):
    return InvoiceFacts(key, client.lower(), client, dep, "", Decimal(amount), status, day, moves=tuple(moves))


def test_november_2026_has_six_weeks_clipped_to_the_month():
    weeks = month_weeks("2026-11")
    assert [w.label for w in weeks] == ["01.11–01.11", "02.11–08.11", "09.11–15.11", "16.11–22.11",
                                        "23.11–29.11", "30.11–30.11"]
    assert [w.label for w in month_weeks("2026-02")][0] == "01.02–01.02"
    assert week_start(D(2026, 12, 2)) == D(2026, 12, 1)  # Monday 30.11 is in November
    assert week_start(D(2026, 11, 26)) == D(2026, 11, 23)


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "nov", ""])
def test_bad_month_is_explained(bad):
    with pytest.raises(MonthError, match="YYYY-MM"):
        parse_month(bad)


def test_plan_spreads_by_working_days_and_adds_up_exactly():
    weeks = month_weeks("2026-11")
    holidays = {D(2026, 11, 4)}
    plan = spread_plan(Decimal(1_000_000), weeks, lambda d: d.weekday() < 5 and d not in holidays)
    # 20 working days: 0, 4 (Unity Day off), 5, 5, 5, 1
    assert plan == [Decimal("0.00"), Decimal("200000.00"), Decimal("250000.00"), Decimal("250000.00"),
                    Decimal("250000.00"), Decimal("50000.00")]
    odd = spread_plan(Decimal(100), weeks, lambda d: d.weekday() < 5)
    assert sum(odd) == Decimal(100) and odd[1] == Decimal("23.81")


def test_totals_forecast_fact_gap_and_carried_rows():
    move_out = MoveFacts(D(2026, 11, 27), D(2026, 12, 2), dt.datetime(2026, 11, 20, tzinfo=UTC), "pm", "budget")
    rows = [
        inv("INV-1", 100, D(2026, 11, 3)),
        inv("INV-2", 200, D(2026, 11, 4), status="issued"),
        inv("INV-3", 300, D(2026, 11, 12), status="paid"),
        inv("INV-4", 999, D(2026, 11, 13), status="cancelled"),
        inv("INV-5", 50, D(2026, 12, 2), moves=[move_out]),  # carried to December
        inv("INV-6", 70, D(2026, 12, 9)),  # another month entirely
        inv("INV-7", 10, D(2026, 11, 20), dep=None, client="Zed"),
    ]
    lay = build("2026-11", rows, [DepartmentFacts("dev", "Development", Decimal(1000))],
                working_day=lambda d: d.weekday() < 5)
    dev, nodep = lay.blocks
    assert [r.invoice.key for r in dev.rows] == ["INV-1", "INV-2", "INV-3", "INV-4", "INV-5"]
    assert dev.rows[-1].week is None and dev.rows[-1].carried_to == "2026-12"
    assert dev.totals.forecast == [0, 300, 0, 0, 0, 0]
    assert dev.totals.fact == [0, 0, 300, 0, 0, 0]
    assert dev.totals.month("plan") == 1000
    assert sum(dev.totals.gap) == Decimal(1000 - 300 - 300)
    assert nodep.department.key is None and nodep.totals.forecast[3] == 10
    assert lay.totals.month("forecast") == 310 and lay.totals.month("fact") == 300


def test_concentration_warnings_last_week_and_last_three_working_days():
    rows = [inv("INV-1", 100, D(2026, 11, 3)), inv("INV-2", 300, D(2026, 11, 24)), inv("INV-3", 600, D(2026, 11, 30))]
    lay = build("2026-11", rows, [DepartmentFacts("dev", "Development", Decimal(0))], concentration_share=0.5,
                working_day=lambda d: d.weekday() < 5)
    kinds = {(w.scope, w.kind): round(w.share, 2) for w in lay.warnings}
    # last week = 24.11..30.11 (900 of 1000); last three working days 26, 27, 30 (600 of 1000)
    assert kinds == {("dev", "last_week"): 0.9, ("dev", "last_days"): 0.6,
                     (None, "last_week"): 0.9, (None, "last_days"): 0.6}
    calm = build("2026-11", rows[:2], [DepartmentFacts("dev", "D", Decimal(0))], concentration_share=0.8,
                 working_day=lambda d: d.weekday() < 5)
    assert calm.warnings == []


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_day = st.dates(min_value=D(2026, 10, 1), max_value=D(2027, 1, 31))
_invoice = st.builds(lambda n, amount, day, status, dep: inv(f"INV-{n}", amount, day, status=status, dep=dep),
                     st.integers(0, 10**6), st.integers(0, 10**7), _day,
                     st.sampled_from(["planned", "issued", "paid", "cancelled"]), st.sampled_from(["dev", "ads", None]))


@given(st.lists(_invoice, max_size=30, unique_by=lambda i: i.key), st.integers(0, 10**8),
       st.sampled_from(["2026-11", "2026-12", "2027-02"]))
def test_totals_conserve_money_and_the_plan(invoices, minimum, month):
    lay = build(month, invoices, [DepartmentFacts("dev", "D", Decimal(minimum)), DepartmentFacts("ads", "A", ZERO)])
    live = [i for i in invoices if i.planned_date.strftime("%Y-%m") == month]
    assert lay.totals.month("forecast") == sum((i.amount for i in live if i.status in ("planned", "issued")), ZERO)
    assert lay.totals.month("fact") == sum((i.amount for i in live if i.status == "paid"), ZERO)
    assert lay.totals.month("plan") == minimum
    assert sum(lay.totals.gap) == minimum - lay.totals.month("forecast") - lay.totals.month("fact")
    assert sorted(r.invoice.key for r in lay.rows() if r.week is not None) == sorted(i.key for i in live)
