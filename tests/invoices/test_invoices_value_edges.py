"""No value an account types into the turnover sheet can make a refresh fail (issue 13, item 7).

An unusable value is an invalid value: note, listed, the last good value kept. A bad value that got
into the store before these checks existed is repaired from the change log on the next refresh.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from invoice_helpers import ACCOUNTS, at, cells

from sheetsync.store.models import Invoice


@pytest.fixture
def sid(invoices):
    with time_machine.travel(at(11, 16, 9), tick=False):
        return invoices.refresh("2026-11").spreadsheet_id


@pytest.fixture
def tab(emu, sid):
    ws = emu.gspread_client(user=ACCOUNTS).open_by_key(sid).worksheet("2026-11")
    ws.rows_of = {r[0]: i + 1 for i, r in enumerate(ws.get_all_values()) if r and r[0].startswith("INV-")}
    return ws


def refresh(invoices, day=20, hour=9):
    with time_machine.travel(at(11, day, hour), tick=False):
        return invoices.refresh("2026-11")


@pytest.mark.parametrize("column,typed,raw,field", [
    ("F", "31.12.9999", True, "planned_date"),
    ("F", "01.01.1900", True, "planned_date"),
    ("F", "01.01.2040", True, "planned_date"),
    ("F", "2958465", False, "planned_date"),  # 31.12.9999 as a serial number
    ("G", "31.12.9999", True, "paid_date"),
    ("D", "1e30", False, "amount"),
    ("D", "1000000000000", True, "amount"),
    ("D", "12345678901234567890123456789", True, "amount"),
], ids=["9999", "1900", "2040", "serial-9999", "paid-9999", "1e30", "1e12", "29-digits"])
def test_an_unusable_value_is_noted_and_the_other_edits_are_taken(store, invoices, tab, agency, sheets, sid, column,
                                                                  typed, raw, field):
    r, other = tab.rows_of[agency["b"]], tab.rows_of[agency["e"]]
    before = getattr(store.invoices.get(agency["b"]), field)
    tab.update([[typed]], f"{column}{r}", raw=raw)
    tab.update([["Paid"]], f"E{other}", raw=True)
    report = refresh(invoices)
    assert report.errors == 1 and report.pulled == 2, report  # status + paid date (today) of the other one
    assert getattr(store.invoices.get(agency["b"]), field) == before
    assert store.invoices.get(agency["e"]).status == "paid"
    assert [(e.row_key, e.field) for e in store.sync.errors("globex")] == [(agency["b"], field)]
    assert "sheetsync:" in cells(sheets, sid, f"'2026-11'!{column}{r}")[0][0]["note"]
    assert report.tabs == ["2026-11"]  # no "9999-12", "1900-01" or "2040-01" tab
    again = refresh(invoices, hour=10)
    assert again.errors == 1 and again.pulled == 0


def test_a_bad_date_already_in_the_store_is_repaired_from_the_change_log(store, invoices, tab, agency, sheets):
    """What the old code let in: the account's 31.12.9999 reached the store, then every refresh overflowed."""
    key = agency["b"]
    store.invoices.update(key, {"planned_date": "2026-11-18"}, origin="sheet", actor="sheet", reason="edit")
    with store.session() as s:  # as the old code stored the account's edit (today's store refuses it)
        from sheetsync.store import changelog
        from sheetsync.store.models import InvoiceMove

        inv = s.query(Invoice).filter_by(key=key).one()
        changes = {"planned_date": (inv.planned_date, dt.date(9999, 12, 31)), "amount": (inv.amount, Decimal("1e30"))}
        inv.moves.append(InvoiceMove(from_date=inv.planned_date, to_date=dt.date(9999, 12, 31), actor="sheet"))
        inv.planned_date, inv.amount = dt.date(9999, 12, 31), Decimal("1e30")
        changelog.record(s, entity="invoice", entity_key=key, client_id=inv.client_id, action="update",
                         origin="sheet", actor="sheet", changes=changes)
    report = refresh(invoices)
    assert report.tabs[0] == "2026-11" and all(t < "2030" for t in report.tabs)
    inv = store.invoices.get(key)
    assert (inv.planned_date, inv.amount) == (dt.date(2026, 11, 18), Decimal(120000))
    assert any(key in w and "31.12.9999" in w for w in report.warnings), report.warnings
    repaired = {(c.field, c.origin, c.actor) for c in store.log(entity="invoice", key=key) if c.action == "update"}
    assert {("planned_date", "daemon", "sheetsync"), ("amount", "daemon", "sheetsync")} <= repaired
    assert refresh(invoices, hour=10).warnings == []


def test_a_bad_date_with_no_good_value_in_the_log_is_left_out_with_a_warning(store, invoices, tab, agency):
    key = agency["b"]
    with store.session() as s:
        s.query(Invoice).filter_by(key=key).one().planned_date = dt.date(9999, 12, 31)
    with store.session() as s:  # and its history gone (imported with the bad date by the old code)
        from sheetsync.store.models import ChangeLog as Change

        s.query(Change).filter(Change.entity_key == key, Change.field == "planned_date").delete()
        s.query(Change).filter(Change.entity_key == key, Change.action == "create").delete()
    report = refresh(invoices)
    assert any(key in w for w in report.warnings) and key not in str(tab.get_all_values())
    assert report.tabs == ["2026-11"]


# --- an account typing between the confirm read and the write (issue 13, item 3) ------------------------------
def test_a_planned_date_typed_after_the_confirm_read_is_not_overwritten(emu, store, invoices, tab, agency, sheets,
                                                                       sid):
    from invoice_helpers import values

    r = tab.rows_of[agency["e"]]
    other = tab.rows_of[agency["b"]]
    tab.update([["Issued"]], f"E{other}", raw=True)  # something for this refresh to do
    seen = []

    def account_types_after_the_confirm(req):
        seen.append(req.path)
        if req.path.endswith(":batchUpdate") and not req.path.endswith("values:batchUpdate") \
                and sum(p.endswith(":batchUpdate") for p in seen) == 1:
            tab.update([["24.11.2026"]], f"F{r}", raw=True)  # after the confirm read, before the writes

    remove = emu.on_request(account_types_after_the_confirm)
    try:
        first = refresh(invoices)
    finally:
        remove()
    assert first.pulled == 1 and store.invoices.get(agency["b"]).status == "issued"
    assert values(sheets, sid, "2026-11")[r - 1][5] == "24.11.2026"  # still what the account typed
    second = refresh(invoices, hour=10)
    assert second.pulled == 1, second
    inv = store.invoices.get(agency["e"])
    assert inv.planned_date == dt.date(2026, 11, 24)
    assert [m.to_date for m in store.invoices.moves(agency["e"])] == [dt.date(2026, 11, 24)]
    assert any(c.field == "planned_date" and c.origin == "sheet" for c in store.log(entity="invoice", key=agency["e"]))
    assert cells(sheets, sid, f"'2026-11'!K{r}")[0][0].get("note", "").startswith("moved →")  # the mark in 09.11–15.11

