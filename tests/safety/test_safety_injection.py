"""Text is never a formula (docs/safety.md): store text reaches every sheet as a string, and text a manager
types into the sheet reaches the store as text."""

from __future__ import annotations

import pytest
from safetyhelpers import BACKLOG, CARD, DANGEROUS, IN_WORK, MANAGER, cells_of, grid


def _strings_and_formulas(cells):
    strings = {c.get("userEnteredValue", {}).get("stringValue") for c in cells.values()}
    formulas = [c["userEnteredValue"]["formulaValue"] for c in cells.values()
                if "formulaValue" in c.get("userEnteredValue", {})]
    return strings, formulas


def _assert_text(cells, texts, where):
    strings, formulas = _strings_and_formulas(cells)
    for t in texts:
        assert t in strings, f"{where}: {t!r} is not stored as a plain string"
        assert t not in formulas, f"{where}: {t!r} became a formula"
    assert not [f for f in formulas if "evil" in f or "SUM(1,2)" in f or "@" in f], f"{where}: {formulas}"


def test_store_text_reaches_backlog_and_in_work_as_strings(app):
    sid = app.store.clients.get("acme").spreadsheet_id
    for i, d in enumerate(DANGEROUS):
        app.store.tasks.create("acme", {"title": d, "expected_result": d, "client_comment": d,
                                        "status": "backlog" if i % 2 else "in_progress"},
                               origin="cli", actor="team")
    r = app.sync("acme")
    assert r.failed is None, r.warnings
    back, work = cells_of(app, sid, BACKLOG), cells_of(app, sid, IN_WORK)
    _assert_text(back, DANGEROUS[1::2], "backlog")
    _assert_text(work, DANGEROUS[0::2], "in-work")
    # and what a reader sees is the text itself, not a computed number or an error
    shown = {c.get("formattedValue") for c in back.values()}
    assert set(DANGEROUS[1::2]) <= shown
    assert app.sync("acme").writes == 0  # stable: read back as the same text


def test_store_text_reaches_the_card_as_strings(app):
    evil = DANGEROUS[0]
    app.store.clients.update("acme", {"contacts": evil, "name": "=HYPERLINK(\"http://evil.example\",\"x\")"},
                             origin="cli", actor="test")
    app.provision("acme")
    sid = app.store.clients.get("acme").spreadsheet_id
    card = cells_of(app, sid, CARD)
    strings, formulas = _strings_and_formulas(card)
    assert not [f for f in formulas if "evil" in f], f"card formulas carry store text: {formulas}"
    assert any(s and "evil" in s for s in strings if s), "the card does not show the client's text at all"


def test_store_text_reaches_the_invoices_sheet_as_strings(app):

    for i, d in enumerate(DANGEROUS[:4]):
        app.store.invoices.create("acme", amount=1000 + i, planned_date=f"2026-11-{10 + i}", description=d,
                                  department="dev", origin="cli", actor="test")
    inv = app.invoices
    inv.refresh("2026-11")
    sid = inv.spreadsheet_id(create=False)
    g = grid(app, sid)
    strings, formulas = set(), []
    for sh in g["sheets"]:
        for block in sh.get("data", []):
            for row in block.get("rowData", []):
                for c in row.get("values", []):
                    uev = c.get("userEnteredValue", {})
                    strings.add(uev.get("stringValue"))
                    if "formulaValue" in uev:
                        formulas.append(uev["formulaValue"])
    assert not [f for f in formulas if "evil" in f or f in DANGEROUS], formulas
    found = [d for d in DANGEROUS[:4] if any(s and d in s for s in strings)]
    assert found == DANGEROUS[:4], f"invoice descriptions not shown as text: missing {set(DANGEROUS[:4]) - set(found)}"


@pytest.mark.parametrize("typed,raw,stored", [
    ("'=IMPORTXML(\"http://evil.example/x\",\"//a\")", False, '=IMPORTXML("http://evil.example/x","//a")'),
    ("'+7 999 123-45-67", False, "+7 999 123-45-67"),
    ("@home", True, "@home"),
    ("-5", True, "-5"),
])
def test_text_a_manager_types_is_stored_as_text_and_stays_text(app, typed, raw, stored):
    k = app.store.tasks.create("acme", {"title": "plain"}, origin="cli", actor="team").key
    app.sync("acme")
    sid = app.store.clients.get("acme").spreadsheet_id
    ws = app.emulator.gspread_client(user=MANAGER).open_by_key(sid).worksheet(BACKLOG)
    ws.update([[typed, typed]], "B2:C2", raw=raw)
    r = app.sync("acme")
    assert r.failed is None, r.warnings
    t = app.store.tasks.get(k)
    assert (t.title, t.expected_result) == (stored, stored)
    app.store.tasks.update(k, {"priority": 1}, origin="cli", actor="team")  # a push rewrites the row's cells
    app.sync("acme")
    cells = cells_of(app, sid, BACKLOG)
    assert cells[(2, 2)]["userEnteredValue"] == {"stringValue": stored}


def test_store_text_reaches_the_plan_schedule_as_strings(app):
    import datetime as dt

    for d in DANGEROUS[:4]:
        app.store.tasks.create("acme", {"title": d, "task_type": "landing", "estimate_hours": 2,
                                        "assignee": "oleg@agency.test"}, origin="cli", actor="team")
    app.plan("acme", period="2026-W48", today=dt.date(2026, 11, 23))
    sid = app.store.clients.get("acme").spreadsheet_id
    _assert_text(cells_of(app, sid, "Plan-schedule"), DANGEROUS[:4], "plan-schedule")


def test_store_text_reaches_the_metrics_sheet_as_strings(app):
    import datetime as dt

    app.store.metrics.define("acme", "leads", name=DANGEROUS[0], unit="@home", direction="up", target=10,
                             period="month")
    app.plan("acme", period="2026-W48", today=dt.date(2026, 11, 23))
    sid = app.store.clients.get("acme").spreadsheet_id
    _assert_text(cells_of(app, sid, "Metrics"), [DANGEROUS[0], "@home"], "metrics")


def test_a_formula_error_a_manager_causes_is_not_pulled_as_text(app):
    """Was issue #5 bug 3: '#NAME?' was pulled as the task's text (fixed in sheetsync/sync/cellerrors.py)."""
    k = app.store.tasks.create("acme", {"title": "keep me", "expected_result": "keep me too"},
                               origin="cli", actor="team").key
    app.sync("acme")
    sid = app.store.clients.get("acme").spreadsheet_id
    ws = app.emulator.gspread_client(user=MANAGER).open_by_key(sid).worksheet(BACKLOG)
    ws.update([['=IMPORTXML("http://evil.example/x","//a")']], "C2", raw=False)  # typed as a formula
    r = app.sync("acme")
    assert app.store.tasks.get(k).expected_result == "keep me too"
    assert r.errors == 1, r.warnings  # listed, and the cell says why
    note = cells_of(app, sid, BACKLOG)[(2, 3)].get("note", "")
    assert "formula in this cell fails" in note and "#" in note, note
    ws.update([["fixed by hand"]], "C2", raw=True)  # the manager types the value itself: pulled, note gone
    app.sync("acme")
    assert app.store.tasks.get(k).expected_result == "fixed by hand"
    assert not cells_of(app, sid, BACKLOG)[(2, 3)].get("note")
