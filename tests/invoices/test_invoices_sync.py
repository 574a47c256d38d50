"""Accounts edit the month tab through gspread (as their own account); refresh takes the edits into the
store with the task sync's guarantees, and the marks follow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from invoice_helpers import ACCOUNTS, ACTOR, at, cells, populate, values

from sheetsync.sheets.values import EPOCH
from sheetsync.store.values import loads

SERIAL = EPOCH  # day 0 of Sheets serial numbers


def serial(day: str) -> int:
    return (dt.date.fromisoformat(day) - SERIAL).days


@pytest.fixture
def sid(invoices):
    with time_machine.travel(at(11, 16, 9), tick=False):
        return invoices.refresh("2026-11").spreadsheet_id


@pytest.fixture
def tab(emu, sid):
    """The November tab as the accounts department sees it (rows: 3 ACME a, 4 Initech d, ... see below)."""
    ws = emu.gspread_client(user=ACCOUNTS).open_by_key(sid).worksheet("2026-11")
    rows = {r[0]: i + 1 for i, r in enumerate(ws.get_all_values()) if r and r[0].startswith("INV-")}
    ws.rows_of = rows
    return ws


def refresh(invoices, day=20, hour=9):
    with time_machine.travel(at(11, day, hour), tick=False):
        return invoices.refresh("2026-11")


def test_status_and_paid_date_go_to_the_store_with_origin_sheet(store, invoices, tab, agency, sheets, sid):
    r = tab.rows_of[agency["e"]]
    tab.update([["Paid"]], f"E{r}", raw=True)
    tab.update([["19.11.2026"]], f"G{r}", raw=True)
    report = refresh(invoices)
    assert (report.pulled, report.errors, report.conflicts) == (2, 0, 0)
    inv = store.invoices.get(agency["e"])
    assert (inv.status, inv.paid_date) == ("paid", dt.date(2026, 11, 19))
    log = {(c.field, c.origin, c.actor, loads(c.new)) for c in store.log(entity="invoice", key=agency["e"])
           if c.action == "update"}
    assert log == {("status", "sheet", "sheet", "paid"), ("paid_date", "sheet", "sheet", "2026-11-19")}
    row = values(sheets, sid, "2026-11")[r - 1]
    assert row[4:7] == ["Paid", serial("2026-11-12"), serial("2026-11-19")]
    # Advertising's fact now has Initech's 60,000 in the week of 09.11
    fact = next(x for x in values(sheets, sid, "2026-11") if x[:2] == ["Fact", "Advertising"])
    assert fact[10] == 60000


def test_paid_without_a_date_is_paid_today(store, invoices, tab, agency):
    r = tab.rows_of[agency["d"]]
    tab.update([["paid"]], f"E{r}", raw=True)
    refresh(invoices, day=18)
    assert store.invoices.get(agency["d"]).paid_date == dt.date(2026, 11, 18)


def test_a_later_planned_date_in_the_sheet_records_a_move_and_leaves_a_mark(store, invoices, tab, agency, sheets,
                                                                           sid):
    r = tab.rows_of[agency["d"]]
    tab.update([[serial("2026-11-12")]], f"F{r}", raw=True)
    refresh(invoices)
    moves = store.invoices.moves(agency["d"])
    assert [(m.from_date, m.to_date, m.actor) for m in moves] == [(dt.date(2026, 11, 5), dt.date(2026, 11, 12),
                                                                    "sheet")]
    grid = cells(sheets, sid, f"'2026-11'!J{r}:K{r}")[0]
    old, new = grid
    assert old["note"] == "moved → week of 09.11 on 20.11 (1st move): changed in the sheet"
    assert old["userEnteredFormat"]["textFormat"]["strikethrough"] is True
    assert old["effectiveValue"] == {"numberValue": 150000}
    assert new["effectiveValue"] == {"numberValue": 150000} and "note" not in new
    assert values(sheets, sid, "2026-11")[r - 1][7] == 1  # moves column


def test_a_planned_date_past_the_month_end_carries_the_invoice_to_the_next_tab(store, invoices, tab, agency, sheets,
                                                                             sid):
    r = tab.rows_of[agency["a"]]
    tab.update([["07.12.2026"]], f"F{r}", raw=True)
    report = refresh(invoices)
    assert report.tabs == ["2026-11", "2026-12"]
    nov = values(sheets, sid, "2026-11")
    row = next(x for x in nov if x[0] == agency["a"])
    assert row[4] == "→ carried to 2026-12" and (row + [""] * 15)[14] == ""  # not in November's month total
    mark = cells(sheets, sid, f"'2026-11'!K{nov.index(row) + 1}")[0][0]
    assert mark["note"] == "moved → week of 07.12 (2026-12) on 20.11 (1st move): changed in the sheet"
    forecast = next(x for x in nov if x[:2] == ["Forecast", "Development"])
    assert forecast[-1] == 150000 + 400000  # ACME's 250,000 left November
    dec = values(sheets, sid, "2026-12")
    assert next(x for x in dec if x[0] == agency["a"])[:5] == [agency["a"], "ACME", "Stage 1", 250000, "Planned"]


def test_invalid_value_gets_a_note_is_not_applied_and_resolves_when_fixed(store, invoices, tab, agency, sheets, sid):
    r = tab.rows_of[agency["b"]]
    tab.update([["a lot"]], f"D{r}", raw=True)
    report = refresh(invoices)
    assert report.errors == 1 and report.pulled == 0
    assert store.invoices.get(agency["b"]).amount == Decimal(120000)
    cell = cells(sheets, sid, f"'2026-11'!D{r}")[0][0]
    assert cell["effectiveValue"] == {"stringValue": "a lot"}  # what the account typed is kept
    assert cell["note"] == ("sheetsync: “a lot” is not valid. Number, e.g. 1500 or 2.5. "
                            "The last good value stays: 120000.")
    errors = store.sync.errors("globex")
    assert [(e.row_key, e.field, loads(e.value)) for e in errors] == [(agency["b"], "amount", "a lot")]
    refresh(invoices, hour=10)  # still wrong: the same error is not listed twice
    assert len(store.sync.errors("globex")) == 1
    tab.update([["-5"]], f"D{r}", raw=True)
    assert refresh(invoices, hour=11).errors == 1
    tab.update([[125000]], f"D{r}", raw=True)
    report = refresh(invoices, hour=12)
    assert (report.errors, report.pulled) == (0, 1)
    assert store.invoices.get(agency["b"]).amount == Decimal(125000)
    assert store.sync.errors("globex") == []
    assert "note" not in cells(sheets, sid, f"'2026-11'!D{r}")[0][0]


def test_both_sides_changed_is_a_conflict_the_sheet_wins_and_the_loser_is_kept(store, invoices, tab, agency, sheets,
                                                                             sid):
    r = tab.rows_of[agency["b"]]
    store.invoices.update(agency["b"], amount=130000, origin="cli", actor=ACTOR)
    tab.update([[110000]], f"D{r}", raw=True)
    report = refresh(invoices)
    assert report.conflicts == 1
    assert store.invoices.get(agency["b"]).amount == Decimal(110000)
    (c,) = store.sync.conflicts("globex")
    assert (c.entity_key, c.field, loads(c.sheet_value), loads(c.store_value), loads(c.base_value), c.winner) == \
        (agency["b"], "amount", "110000", "130000", "120000", "sheet")
    assert cells(sheets, sid, f"'2026-11'!D{r}")[0][0]["note"] == (
        "sheetsync: conflict — sheet 110000, store 130000 (was 120000); kept the sheet's value. "
        f"See `sheetsync conflicts`; to choose: `sheetsync conflicts resolve {c.id} --take sheet|store|VALUE`.")


def test_store_changes_reach_the_sheet_and_an_unchanged_cell_is_not_an_edit(store, invoices, tab, agency, sheets,
                                                                          sid):
    with time_machine.travel(at(11, 19), tick=False):
        store.invoices.move(agency["e"], "2026-11-18", origin="cli", actor=ACTOR, reason="client approval")
    report = refresh(invoices)
    assert (report.pulled, report.conflicts) == (0, 0)
    r = tab.rows_of[agency["e"]]
    row = values(sheets, sid, "2026-11")[r - 1]
    assert row[5] == serial("2026-11-18") and row[10] == 60000 and row[11] == 60000
    assert cells(sheets, sid, f"'2026-11'!K{r}")[0][0]["note"] == \
        "moved → week of 16.11 on 19.11 (1st move): client approval"


def test_an_edit_typed_during_the_refresh_is_pulled_not_overwritten(emu, store, invoices, tab, agency, sheets, sid):
    rb, re_ = tab.rows_of[agency["b"]], tab.rows_of[agency["e"]]
    tab.update([["Issued"]], f"E{rb}", raw=True)
    reads = []

    def account_types_between_read_and_confirm(req):
        if req.path.endswith("values:batchGet"):
            reads.append(req.path)
            if len(reads) == 2:  # the confirm read: the account was quicker
                tab.update([[61000]], f"D{re_}", raw=True)

    remove = emu.on_request(account_types_between_read_and_confirm)
    try:
        report = refresh(invoices)
    finally:
        remove()
    assert len(reads) == 3  # read, confirm (changed), confirm again (stable)
    assert report.pulled == 2
    assert store.invoices.get(agency["b"]).status == "issued"
    assert store.invoices.get(agency["e"]).amount == Decimal(61000)
    got = values(sheets, sid, "2026-11")
    assert got[rb - 1][4] == "Issued" and got[re_ - 1][3] == 61000


@pytest.mark.parametrize(("typed", "planned"), [("2026-W48", dt.date(2026, 11, 23)), ("w47", dt.date(2026, 11, 16)),
                                                ("23.11–29.11", dt.date(2026, 11, 23)),
                                                ("30.11-30.11", dt.date(2026, 11, 30))])
def test_a_week_typed_as_the_planned_date_moves_the_invoice_to_that_week(store, invoices, tab, agency, typed,
                                                                         planned):
    r = tab.rows_of[agency["e"]]
    tab.update([[typed]], f"F{r}", raw=True)
    assert refresh(invoices).errors == 0
    assert store.invoices.get(agency["e"]).planned_date == planned
    assert [m.to_date for m in store.invoices.moves(agency["e"])] == [planned]


def test_a_nonsense_planned_date_names_the_accepted_forms(store, invoices, tab, agency):
    r = tab.rows_of[agency["e"]]
    tab.update([["next week"]], f"F{r}", raw=True)
    assert refresh(invoices).errors == 1
    (err,) = store.sync.errors("initech")
    assert err.message == ("sheetsync: “next week” is not valid. Date as DD.MM.YYYY from 01.01.2021 to 31.12.2031, "
                           "e.g. 24.11.2026, or a week: 2026-W48, 23.11–29.11. The last good value stays: 12.11.2026.")
    assert store.invoices.get(agency["e"]).planned_date == dt.date(2026, 11, 12)


@pytest.mark.postgres
def test_round_trip_on_postgresql(emu, sheets, config, pg):
    from sheetsync.invoices import Invoices

    keys = populate(pg)
    inv = Invoices(pg, sheets, config)
    sid = refresh(inv, day=18).spreadsheet_id
    ws = emu.gspread_client(user=ACCOUNTS).open_by_key(sid).worksheet("2026-11")
    row = next(i + 1 for i, r in enumerate(ws.get_all_values()) if r and r[0] == keys["d"])
    ws.update([["2026-W48"]], f"F{row}", raw=True)
    report = refresh(inv, day=19)
    assert (report.pulled, report.errors, report.snapshot) == (1, 0, None)
    assert pg.invoices.get(keys["d"]).planned_date == dt.date(2026, 11, 23)
    assert cells(sheets, sid, f"'2026-11'!J{row}")[0][0]["note"] == \
        "moved → week of 23.11 on 19.11 (1st move): changed in the sheet"
    frame = inv.diff("2026-11", since="2026-11-18")
    assert frame[["key", "change", "after"]].to_dict("records") == [
        {"key": keys["d"], "change": "planned_date", "after": "23.11.2026"}]


def test_russian_sheet_labels_marks_and_edits(emu, store, sheets, agency):
    from sheetsync.config import load_config
    from sheetsync.invoices import Invoices

    inv = Invoices(store, sheets, load_config({"agency": {"locale": "ru"}, "invoices": {"editor_emails": [ACCOUNTS]}}))
    with time_machine.travel(at(11, 19), tick=False):
        store.invoices.move(agency["e"], "2026-11-24", origin="cli", actor=ACTOR, reason="согласование клиентом")
    sid = refresh(inv, day=19).spreadsheet_id
    ws = emu.gspread_client(user=ACCOUNTS).open_by_key(sid).worksheet("2026-11")
    got = ws.get_all_values()
    assert got[0][:8] == ["Счёт", "Клиент", "Назначение", "Сумма", "Статус", "Плановая дата", "Дата оплаты",
                          "Переносы"]
    r = next(i + 1 for i, row in enumerate(got) if row[0] == agency["e"])
    assert got[r - 1][4] == "Запланирован"
    assert cells(sheets, sid, f"'2026-11'!K{r}")[0][0]["note"] == \
        "перенесён → неделя с 23.11, 19.11 (1-й перенос): согласование клиентом"
    ws.update([["оплачен"]], f"E{r}", raw=True)
    ws.update([["1 500,50"]], f"D{r}", raw=True)
    report = refresh(inv, day=25)
    assert (report.pulled, report.errors) == (3, 0)  # status, amount and today's paid date
    got = store.invoices.get(agency["e"])
    assert (got.status, got.amount, got.paid_date) == ("paid", Decimal("1500.50"), dt.date(2026, 11, 25))
    assert values(sheets, sid, "2026-11")[r - 1][4] == "Оплачен"


@pytest.mark.parametrize(("take", "amount"), [("store", 130000), ("sheet", 110000), ("125 500,50", 125500.5)])
def test_an_invoice_conflict_resolved_reaches_the_sheet_without_its_note(store, invoices, tab, agency, sheets, sid,
                                                                         take, amount):
    from sheetsync.store import ConflictResolvedError
    from sheetsync.sync.resolve import resolve_conflict

    r = tab.rows_of[agency["b"]]
    store.invoices.update(agency["b"], amount=130000, origin="cli", actor=ACTOR)
    tab.update([[110000]], f"D{r}", raw=True)
    assert refresh(invoices).conflicts == 1
    (c,) = store.sync.conflicts("globex")
    got = resolve_conflict(store, c.id, take, actor="boss@agency.test")
    assert got.changed == (take != "sheet")  # the sheet had won: its value is in the store already
    assert store.invoices.get(agency["b"]).amount == Decimal(str(amount))
    (row,) = [x for x in store.log(key=agency["b"]) if x.action == "resolve"]
    assert (row.entity, row.field, row.actor, row.origin) == ("invoice", "amount", "boss@agency.test", "cli")
    assert not store.sync.conflicts("globex")
    with pytest.raises(ConflictResolvedError, match="already resolved by boss@agency.test"):
        resolve_conflict(store, c.id, "store", actor="someone")
    refresh(invoices, day=21)
    cell = cells(sheets, sid, f"'2026-11'!D{r}")[0][0]
    assert cell["effectiveValue"] == {"numberValue": amount} and "note" not in cell
    assert refresh(invoices, day=21).conflicts == 0


def test_resolving_on_postgresql_is_once_and_logged(pg):
    """The resolution's transaction (update, resolve row, conflict closed) on a real PostgreSQL server."""
    from sheetsync.store import ConflictResolvedError
    from sheetsync.sync.resolve import resolve_conflict

    keys = populate(pg)
    c = pg.sync.add_conflict("globex", entity_key=keys["b"], field="status", sheet_value="issued",
                             store_value="planned", base_value="planned", winner="store")
    got = resolve_conflict(pg, c.id, "Paid", actor="boss@agency.test")
    assert (got.value, got.changed) == ("paid", True) and pg.invoices.get(keys["b"]).status == "paid"
    assert [x.action for x in pg.log(key=keys["b"])][-2:] == ["update", "resolve"]
    (closed,) = pg.sync.conflicts("globex", unresolved=False)
    assert closed.resolved_by == "boss@agency.test" and closed.note_cleared_at is not None
    with pytest.raises(ConflictResolvedError):
        resolve_conflict(pg, c.id, "store", actor="x")
    other = pg.sync.add_conflict("initech", entity_key=keys["e"], field="status", sheet_value="issued",
                                 store_value="planned", base_value=None, winner="sheet")
    with pytest.raises(ValueError, match="status: expected one of planned"):
        resolve_conflict(pg, other.id, "maybe", actor="x")
    assert pg.invoices.get(keys["e"]).status == "planned" and pg.sync.conflicts("initech")
