"""Acting as a person between two requests: ``emu.on_request(hook)``.

A sync engine reads, thinks, then writes; a manager may edit, insert, delete or sort rows, rename
or delete a sheet in between. The hook runs before the request it sees, so its edits land
between the previous request and this one, exactly as a person's would.
"""

from __future__ import annotations

import gspread
import pytest

from gsheets_emulator import ApiError

PERSON = "manager@agency.test"


@pytest.fixture
def shared(emu, sh):
    sh.sheet1.update([["id", "title"], ["T-1", "a"], ["T-2", "b"], ["T-3", "c"]], "A1")
    sh.share(PERSON, perm_type="user", role="writer", notify=False)
    return sh


def _before_next(emu, name, act):
    """Run ``act()`` (as the person) right before the next request named ``name``, once."""
    done = []

    def hook(req):
        if req.name == name and not done:
            done.append(True)
            act()

    return emu.on_request(hook)


def _person(emu, sh):
    return emu.gspread_client(PERSON).open_by_key(sh.id)


@pytest.mark.parametrize(("act", "expected"), [
    (lambda p: p.sheet1.update_acell("B3", "edited"), [["T-1", "a"], ["T-2", "edited"], ["T-3", "c"]]),
    (lambda p: p.sheet1.insert_row(["T-9", "new"], 2), [["T-9", "new"], ["T-1", "a"], ["T-2", "b"], ["T-3", "c"]]),
    (lambda p: p.sheet1.delete_rows(3), [["T-1", "a"], ["T-3", "c"]]),
    (lambda p: p.sheet1.sort((2, "des"), range="A2:B4"), [["T-3", "c"], ["T-2", "b"], ["T-1", "a"]]),
])
def test_person_edits_between_snapshot_and_next_read(emu, shared, act, expected):
    ws = shared.sheet1
    snapshot = ws.get("A2:B4")
    assert snapshot == [["T-1", "a"], ["T-2", "b"], ["T-3", "c"]]
    person = _person(emu, shared)
    _before_next(emu, "sheets.spreadsheets.values.get", lambda: act(person))
    assert ws.get("A2:B5") == expected


def test_person_renames_then_deletes_the_sheet(emu, shared):
    ws = shared.sheet1
    person = _person(emu, shared)
    remove = _before_next(emu, "sheets.spreadsheets.values.get", lambda: person.sheet1.update_title("Renamed"))
    with pytest.raises(gspread.exceptions.APIError) as e:
        ws.get("A1")  # gspread still says 'Sheet1'
    assert e.value.response.status_code == 400 and "Sheet1" in e.value.response.json()["error"]["message"]
    remove()
    assert shared.worksheet("Renamed").acell("B2").value == "a"
    extra = shared.add_worksheet("Keep", rows=5, cols=5)
    _before_next(emu, "sheets.spreadsheets.batchUpdate", lambda: person.del_worksheet(person.worksheet("Renamed")))
    with pytest.raises(gspread.exceptions.APIError) as e:
        shared.batch_update({"requests": [{"updateSheetProperties": {
            "properties": {"sheetId": 0, "title": "Back"}, "fields": "title"}}]})
    assert e.value.response.status_code == 400
    assert [w.title for w in shared.worksheets()] == [extra.title]


def test_the_person_is_logged_as_themself_and_hooks_do_not_recurse(emu, shared):
    seen = []
    person = _person(emu, shared)
    ws = shared.sheet1

    def hook(req):
        seen.append((req.user, req.name))
        if req.user != PERSON:
            person.sheet1.update_acell("C1", "by person")  # would recurse forever if hooks ran on it

    remove = emu.on_request(hook)
    mark = emu.mark()
    assert ws.acell("C1").value == "by person"
    remove()
    ws.acell("A1")
    assert seen == [("owner@agency.test", "sheets.spreadsheets.values.get")]
    assert emu.calls(mark, user=PERSON)["sheets.spreadsheets.values.update"] == 1
    assert emu.calls(mark, user="owner@agency.test") == {"sheets.spreadsheets.values.get": 2}


def test_a_hook_may_refuse_a_request_with_a_google_error(emu, shared):
    def hook(req):
        if req.name.startswith("sheets.spreadsheets.values.") and req.method == "PUT":
            raise ApiError(409, "Simulated conflict", status="ABORTED")

    emu.on_request(hook)
    with pytest.raises(gspread.exceptions.APIError) as e:
        shared.sheet1.update_acell("A1", "nope")
    assert e.value.response.json()["error"] == {"code": 409, "message": "Simulated conflict", "status": "ABORTED"}
    assert shared.sheet1.acell("A1").value == "id"  # nothing was written
