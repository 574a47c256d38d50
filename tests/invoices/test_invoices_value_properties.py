"""Property: no single cell value can make a turnover refresh or a metrics refresh fail (issue 13).

One editable cell of the turnover sheet (amount, status, planned date, paid date) or the metrics
sheet's "new value" / comment gets an edge value (tests/edgevalues.py) through gspread; another
invoice gets an ordinary edit. The refresh must not raise, must take the ordinary edit, and must
either take the odd value or note it (listed, store unchanged); the refresh after it must not raise.
"""

from __future__ import annotations

import datetime as dt

import time_machine
from edgevalues import edge_values, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from invoice_helpers import ACCOUNTS, at, populate

COLUMNS = {"D": "amount", "E": "status", "F": "planned_date", "G": "paid_date"}
FAST = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None,
                max_examples=examples(6, 15, 300))


@FAST
@given(column=st.sampled_from(sorted(COLUMNS)), typed=edge_values())
def test_no_single_cell_value_makes_a_turnover_refresh_fail(tmp_path_factory, config, column, typed):
    from gsheets_emulator import Emulator

    from sheetsync.invoices import Invoices
    from sheetsync.sheets.client import connect
    from sheetsync.store import Store

    _kind, value, raw = typed
    store = Store.open(tmp_path_factory.mktemp("inv") / "s.db")
    try:
        emu = Emulator()
        keys = populate(store)
        invoices = Invoices(store, connect(emu), config)
        with time_machine.travel(at(11, 16, 9), tick=False):
            sid = invoices.refresh("2026-11").spreadsheet_id
        ws = emu.gspread_client(user=ACCOUNTS).open_by_key(sid).worksheet("2026-11")
        rows = {r[0]: i + 1 for i, r in enumerate(ws.get_all_values()) if r and r[0].startswith("INV-")}
        field = COLUMNS[column]
        before = getattr(store.invoices.get(keys["b"]), field)
        ws.update([[value]], f"{column}{rows[keys['b']]}", raw=raw)
        ws.update([["Issued"]], f"E{rows[keys['e']]}", raw=True)
        with time_machine.travel(at(11, 20, 9), tick=False):
            report = invoices.refresh("2026-11")
        assert store.invoices.get(keys["e"]).status == "issued"
        if (keys["b"], field) in {(e.row_key, e.field) for e in store.sync.errors("globex")}:
            assert getattr(store.invoices.get(keys["b"]), field) == before
        inv = store.invoices.get(keys["b"])
        assert dt.date(2021, 1, 1) <= inv.planned_date <= dt.date(2031, 12, 31)
        assert all("9999" not in t and "1900" not in t for t in report.tabs)
        with time_machine.travel(at(11, 20, 10), tick=False):
            invoices.refresh("2026-11")
    finally:
        store.close()


@FAST
@given(column=st.sampled_from(["K", "L"]), typed=edge_values())
def test_no_single_cell_value_makes_a_metrics_refresh_fail(tmp_path_factory, column, typed):
    from gsheets_emulator import Emulator

    from sheetsync.planning.sheets import refresh_metrics
    from sheetsync.sheets.client import connect
    from sheetsync.store import Store

    _kind, value, raw = typed
    store = Store.open(tmp_path_factory.mktemp("met") / "s.db")
    try:
        emu = Emulator()
        sheets = connect(emu)
        store.clients.create("acme", name="ACME", origin="cli", actor="pm@agency.test")
        created = sheets.create_spreadsheet({"properties": {"title": "acme"},
                                             "sheets": [{"properties": {"title": "Метрики"}}]})
        sid = created["spreadsheetId"]
        store.clients.set_spreadsheet("acme", sid, origin="cli", actor="pm@agency.test")
        for key in ("leads", "calls"):
            store.metrics.define("acme", key, name=key)
        config = {"agency": {"holidays_country": "RU"}, "metrics": {"report_threshold": 0.8}}
        refresh_metrics(store, config, sheets, "acme", today=dt.date(2026, 11, 10))
        ws = emu.gspread_client(user=sheets.identity).open_by_key(sid).worksheet("Метрики")
        rows = {r[0]: i + 1 for i, r in enumerate(ws.get_all_values()) if r and r[0] in ("leads", "calls")}
        ws.update([[value]], f"{column}{rows['leads']}", raw=raw)
        ws.update([[7]], f"K{rows['calls']}", raw=True)
        refresh_metrics(store, config, sheets, "acme", today=dt.date(2026, 11, 10))
        assert [v.value for v in store.metrics.values("acme", "calls")] == [7]
        for v in store.metrics.values("acme", "leads"):
            assert 0 <= v.value < 1e15
        refresh_metrics(store, config, sheets, "acme", today=dt.date(2026, 11, 10))
    finally:
        store.close()
