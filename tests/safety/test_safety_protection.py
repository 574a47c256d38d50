"""System columns and generated sheets are protected; a client viewer can edit nothing (docs/safety.md)."""

from __future__ import annotations

import gspread
import pytest
from safetyhelpers import BACKLOG, CARD, IN_WORK, MANAGER, SA


def _ss(app, user, slug="acme"):
    return app.emulator.gspread_client(user=user).open_by_key(app.store.clients.get(slug).spreadsheet_id)


@pytest.fixture
def synced(app):
    app.store.tasks.create("acme", {"title": "a"}, origin="cli", actor="team")
    app.store.tasks.create("acme", {"title": "b", "status": "in_progress"}, origin="cli", actor="team")
    assert app.sync("acme").failed is None
    return app


def _refused(fn):
    with pytest.raises(gspread.exceptions.APIError) as e:
        fn()
    assert e.value.response.status_code in (400, 403), e.value
    return e.value


@pytest.mark.parametrize("sheet,cell", [(BACKLOG, "A2"), (BACKLOG, "A1"), (BACKLOG, "B1"), (IN_WORK, "A2"),
                                        (IN_WORK, "J2"), (CARD, "B3"), ("Plan-schedule", "A2"), ("Metrics", "B2")])
def test_a_manager_cannot_edit_system_cells_or_generated_sheets(synced, sheet, cell):
    ws = _ss(synced, MANAGER).worksheet(sheet)
    before = ws.acell(cell).value
    _refused(lambda: ws.update([["T-999999"]], cell, raw=True))
    assert ws.acell(cell).value == before


def test_a_manager_can_edit_the_rows_he_owns(synced):
    ws = _ss(synced, MANAGER).worksheet(BACKLOG)
    ws.update([["a, edited"]], "B2", raw=True)  # the control: protection is not simply "everything"
    assert ws.acell("B2").value == "a, edited"


@pytest.mark.parametrize("sheet", [BACKLOG, IN_WORK, CARD, "Metrics"])
def test_a_client_viewer_can_edit_nothing(synced, sheet):
    ss = _ss(synced, "boss@acme.example")
    ws = ss.worksheet(sheet)
    assert ws.get_all_values()  # reads fine
    err = _refused(lambda: ws.update([["x"]], "C3", raw=True))
    assert err.response.status_code == 403
    _refused(lambda: ss.batch_update({"requests": [{"deleteDimension": {"range": {
        "sheetId": ws.id, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}}]}))


def test_a_manager_cannot_remove_the_protection(synced):
    ss = _ss(synced, MANAGER)
    meta = _ss(synced, SA).fetch_sheet_metadata({"fields": "sheets(protectedRanges(protectedRangeId))"})
    ids = [p["protectedRangeId"] for s in meta["sheets"] for p in s.get("protectedRanges", [])]
    assert ids
    _refused(lambda: ss.batch_update({"requests": [{"deleteProtectedRange": {"protectedRangeId": ids[0]}}]}))
