"""Developer-metadata storage limits, enforced as Google documents them.

Reference: Sheets API guide "Read, write, and search metadata", section "Metadata storage limits"
(https://developers.google.com/workspace/sheets/api/guides/metadata#metadata-limits): 30,000
characters for the spreadsheet plus 30,000 for each sheet ("a spreadsheet with three sheets could
contain up to 120,000 characters of metadata"); "each character in the metadataKey and
metadataValue fields ... count toward this limit". Also cited in DeepL/google-sheets-example#7.
What the guide leaves open (the error's text, which allowance row/column metadata use, what a
"character" is) is listed in docs/reference.md with the reading chosen.
"""

from __future__ import annotations

import gspread
import pytest

from gsheets_emulator import Emulator

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
OWNER = "owner@agency.test"


def row(i, sid=0):
    return {"dimensionRange": {"sheetId": sid, "dimension": "ROWS", "startIndex": i, "endIndex": i + 1}}


def dm(key, value, location, **extra):
    out = {"metadataKey": key, "visibility": "DOCUMENT", "location": location, **extra}
    if value is not None:
        out["metadataValue"] = value
    return {"createDeveloperMetadata": {"developerMetadata": out}}


class Api:
    """Raw batchUpdate calls as the owner: (status, json)."""

    def __init__(self, emu, sid):
        self.s, self.sid = emu.session(OWNER), sid

    def batch(self, *requests):
        r = self.s.post(f"{SHEETS}/{self.sid}:batchUpdate", json={"requests": list(requests)})
        return r.status_code, r.json()

    def metadata(self):
        r = self.s.post(f"{SHEETS}/{self.sid}/developerMetadata:search",
                        json={"dataFilters": [{"developerMetadataLookup": {"visibility": "DOCUMENT"}}]})
        return [m["developerMetadata"] for m in r.json().get("matchedDeveloperMetadata", [])]


def new(emu, rows=100, sheets=1):
    sh = emu.gspread_client(user=OWNER).create("Limits")
    sh.sheet1.resize(rows, 2)
    for i in range(1, sheets):
        sh.add_worksheet(f"S{i}", rows, 2)
    return sh, Api(emu, sh.id)


def test_a_sheet_holds_30000_characters_and_not_one_more(emu):
    sh, api = new(emu)
    status, _ = api.batch(dm("k", "v" * 29_999, {"sheetId": 0}))  # 1 + 29,999 = the whole allowance
    assert status == 200
    status, body = api.batch(dm("x", None, row(3)))
    assert status == 400 and body["error"]["status"] == "INVALID_ARGUMENT"
    message = body["error"]["message"]
    assert message.startswith("Invalid requests[0].createDeveloperMetadata: ")
    assert "30,001 characters" in message and "limit of 30,000 characters per sheet" in message
    assert [m["metadataKey"] for m in api.metadata()] == ["k"]
    with pytest.raises(gspread.exceptions.APIError) as e:  # the same through gspread
        sh.batch_update({"requests": [dm("x", None, row(3))]})
    assert e.value.response.status_code == 400 and "per sheet" in str(e.value)


def test_the_spreadsheet_and_each_sheet_have_their_own_allowance(emu):
    _sh, api = new(emu, sheets=3)
    ids = [s["properties"]["sheetId"] for s in api.s.get(f"{SHEETS}/{api.sid}").json()["sheets"]]
    requests = [dm("s", "v" * 29_999, {"spreadsheet": True})]
    requests += [dm("r", "v" * 29_999, row(1, sid)) for sid in ids]  # row metadata: its sheet's allowance
    assert api.batch(*requests)[0] == 200  # 4 x 30,000 = 120,000, as the guide's example says
    assert sum(len(m["metadataKey"]) + len(m.get("metadataValue", "")) for m in api.metadata()) == 120_000
    status, body = api.batch(dm("t", None, {"spreadsheet": True}))
    assert status == 400 and "per spreadsheet" in body["error"]["message"]
    status, body = api.batch(dm("t", None, {"sheetId": ids[2]}))
    assert status == 400 and f"(sheetId {ids[2]})" in body["error"]["message"]


def test_only_key_and_value_count_not_the_id_or_location(emu):
    _sh, api = new(emu)
    big_id = 2**31 - 1  # the largest metadataId (int32); its digits do not count
    assert api.batch(dm("k" * 10, "v" * 29_990, row(5), metadataId=big_id))[0] == 200
    status, body = api.batch(dm("k", None, row(5), metadataId=2**31))
    assert status == 400 and "TYPE_INT32" in body["error"]["message"]


def test_characters_are_utf16_code_units(emu):
    """The guide says "characters" without saying which; the conservative reading counts UTF-16
    code units, so a character outside the BMP costs two (docs/reference.md)."""
    _sh, api = new(emu)
    assert api.batch(dm("я", "𝔸" + "v" * 29_997, {"sheetId": 0}))[0] == 200  # 1 + 2 + 29,997
    assert api.batch(dm("x", None, row(1)))[0] == 400


def test_a_batch_that_goes_over_changes_nothing(emu):
    sh, api = new(emu)
    status, _ = api.batch(
        dm("a", "v" * 100, row(1)),
        {"updateCells": {"rows": [{"values": [{"userEnteredValue": {"stringValue": "typed"}}]}],
                         "fields": "userEnteredValue", "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0}}},
        dm("b", "v" * 29_900, row(2)))
    assert status == 400
    assert api.metadata() == [] and sh.sheet1.acell("A1").value is None


def test_requests_apply_in_order_so_a_delete_first_makes_room(emu):
    _sh, api = new(emu)
    assert api.batch(dm("old", "v" * 29_997, row(1)))[0] == 200
    delete = {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataKey": "old"}}}}
    assert api.batch(dm("new", "v" * 29_997, row(2)), delete)[0] == 400  # over after the first request
    assert api.batch(delete, dm("new", "v" * 29_997, row(2)))[0] == 200


def test_an_update_that_grows_a_value_is_held_to_the_limit_and_one_that_shrinks_is_not(emu):
    _sh, api = new(emu)
    assert api.batch(dm("k", "v" * 29_000, row(1)), dm("j", "v", row(2)))[0] == 200

    def update(key, value):
        return {"updateDeveloperMetadata": {"dataFilters": [{"developerMetadataLookup": {"metadataKey": key}}],
                                            "developerMetadata": {"metadataValue": value},
                                            "fields": "metadataValue"}}

    status, body = api.batch(update("j", "v" * 1_000))
    assert status == 400 and body["error"]["message"].startswith("Invalid requests[0].updateDeveloperMetadata: ")
    assert api.batch(update("k", ""), update("j", "v" * 29_000))[0] == 200


def test_metadata_of_deleted_rows_and_sheets_frees_its_allowance(emu):
    sh, api = new(emu, sheets=2)
    assert api.batch(*[dm("r", "v" * 9_999, row(i)) for i in (1, 2, 3)])[0] == 200  # 30,000 on sheet 0
    assert api.batch(dm("x", None, row(4)))[0] == 400
    sh.sheet1.delete_rows(3)  # the row holding the second metadata: it dies with its row
    assert len(api.metadata()) == 2
    assert api.batch(dm("x", "v" * 9_999, row(4)))[0] == 200
    other = sh.worksheet("S1")
    assert api.batch(*[dm("r", "v" * 14_999, row(i, other.id)) for i in (1, 2)])[0] == 200
    sh.del_worksheet(other)
    assert api.batch(dm("s", "v" * 29_999, {"spreadsheet": True}))[0] == 200  # a sheet's own allowance is gone
    moved = {"moveDimension": {"source": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2},
                               "destinationIndex": 5}}
    assert api.batch(moved)[0] == 200  # moving rows moves metadata; the totals stay (30,000 on sheet 0)
    assert api.batch(dm("y", None, row(9)))[0] == 400


def test_a_duplicated_sheet_brings_its_metadata_into_its_own_allowance(emu):
    sh, api = new(emu)
    assert api.batch(dm("r", "v" * 29_999, row(1)))[0] == 200
    copy = sh.duplicate_sheet(0, new_sheet_name="Copy")
    assert api.batch(dm("x", None, row(2, copy.id)))[0] == 400  # the copy's allowance is full too
    assert len(api.metadata()) == 2


def test_spreadsheets_create_is_held_to_the_limit(emu):
    body = {"properties": {"title": "Too much"}, "developerMetadata": [
        {"metadataKey": "k", "metadataValue": "v" * 30_000, "visibility": "DOCUMENT",
         "location": {"spreadsheet": True}}]}
    r = emu.session(OWNER).post(SHEETS, json=body)
    assert r.status_code == 400 and "per spreadsheet" in r.json()["error"]["message"]


def test_the_limit_is_configurable_and_can_be_lifted():
    low = Emulator(metadata_limit=50)
    _sh, api = new(low)
    assert api.batch(dm("k", "v" * 49, row(1)))[0] == 200
    status, body = api.batch(dm("x", None, row(2)))
    assert status == 400 and "limit of 50 characters per sheet" in body["error"]["message"]
    low.metadata_limit = None
    assert api.batch(dm("x", "v" * 40_000, row(2)))[0] == 200
    assert Emulator().metadata_limit == 30_000


def test_thousands_of_one_character_row_metadata_fill_a_sheet_exactly(emu):
    """One-character keys, one per row: a sheet takes exactly its allowance in rows (the row
    identity sheetsync uses; docs/sync.md "Row identity"). One batch, linear in its size."""
    emu.metadata_limit = 3_000
    _sh, api = new(emu, rows=3_100)
    assert api.batch(*[dm("s", None, row(i)) for i in range(3_000)])[0] == 200
    assert api.batch(dm("s", None, row(3_000)))[0] == 400
    assert len({m["metadataId"] for m in api.metadata()}) == 3_000
