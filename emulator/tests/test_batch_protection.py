"""add/update/deleteProtectedRange and protection enforced on structural edits.

Reference: ProtectedRange ("editors ... only visible to users with edit access to the protected
range and the document"; "requestingUserCanEdit"; "unprotectedRanges ... only supported on
protected sheets"; "editors are not supported with warningOnly protection"). Google answers an
edit of protected cells by someone not in the editors list with "You are trying to edit a
protected cell or object. Please contact the spreadsheet owner to remove protection if you need
to edit."
"""

from __future__ import annotations

import gspread
import pytest

OWNER = "owner@agency.test"
MANAGER = "manager@agency.test"
TRUSTED = "lead@agency.test"


@pytest.fixture
def sh(owner_gc):
    sh = owner_gc.create("Protected")
    sh.sheet1.resize(10, 5)
    sh.sheet1.update([[f"T-{i}", f"title {i}"] for i in range(10)], "A1")
    for who in (MANAGER, TRUSTED):
        sh.share(who, perm_type="user", role="writer", notify=False)
    return sh


def as_user(emu, sh, user):
    return emu.gspread_client(user).open_by_key(sh.id)


def protect(sh, **pr):
    return sh.batch_update({"requests": [{"addProtectedRange": {"protectedRange": pr}}]}
                           )["replies"][0]["addProtectedRange"]["protectedRange"]


def protected(sh):
    return sh.fetch_sheet_metadata()["sheets"][0].get("protectedRanges", [])


def dim(a, b, d="ROWS"):
    return {"sheetId": 0, "dimension": d, "startIndex": a, "endIndex": b}


def test_add_protected_range_defaults(emu, sh):
    pr = protect(sh, range={"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1}, description="ids")
    assert pr["protectedRangeId"] > 0 and pr["requestingUserCanEdit"] is True
    # the reply echoes the editors asked for (none: {}); the stored range lists the owner
    # (WorksheetTest.test_add_protected_range_normal.json in burnash/gspread)
    assert pr["editors"] == {}
    assert protected(sh)[0]["editors"] == {"users": [OWNER]}
    # added by a writer: the owner and that writer become the editors
    as_user(emu, sh, MANAGER).batch_update({"requests": [{"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": 0, "startRowIndex": 9}}}}]})
    assert protected(sh)[1]["editors"] == {"users": [OWNER, MANAGER]}


def test_gspread_add_protected_range(sh):
    sh.sheet1.add_protected_range("A1:A10", editor_users_emails=[TRUSTED], description="ids")
    [pr] = protected(sh)
    assert pr["range"] == {"startRowIndex": 0, "endRowIndex": 10, "startColumnIndex": 0,
                           "endColumnIndex": 1}  # Google omits sheetId 0 in GridRanges
    assert set(pr["editors"]["users"]) == {OWNER, TRUSTED}


def test_non_editors_cannot_write_delete_insert_inside_or_move_protected_rows(emu, sh):
    protect(sh, range={"sheetId": 0, "startRowIndex": 2, "endRowIndex": 5}, editors={"users": [TRUSTED]})
    mgr = as_user(emu, sh, MANAGER)
    for req in ({"deleteDimension": {"range": dim(3, 4)}},
                {"insertDimension": {"range": dim(3, 4)}},
                {"moveDimension": {"source": dim(0, 1), "destinationIndex": 6}},
                {"deleteDimension": {"range": dim(0, 1, "COLUMNS")}},
                {"mergeCells": {"range": {"sheetId": 0, "startRowIndex": 4, "endRowIndex": 6}}}):
        with pytest.raises(gspread.exceptions.APIError, match="protected cell or object"):
            mgr.batch_update({"requests": [req]})
    with pytest.raises(gspread.exceptions.APIError, match="protected"):
        mgr.sheet1.update([["x"]], "B3")
    # outside the range, or right at its edges, the manager is free
    mgr.batch_update({"requests": [{"deleteDimension": {"range": dim(8, 9)}},
                                   {"insertDimension": {"range": dim(2, 3)}},
                                   {"insertDimension": {"range": dim(6, 7)}}]})
    # the editor and the owner may do anything
    as_user(emu, sh, TRUSTED).batch_update({"requests": [{"deleteDimension": {"range": dim(4, 5)}}]})
    sh.batch_update({"requests": [{"deleteDimension": {"range": dim(3, 4)}}]})
    [pr] = protected(sh)
    assert (pr["range"]["startRowIndex"], pr["range"]["endRowIndex"]) == (3, 4)


def test_a_protected_sheet_blocks_structure_except_its_unprotected_ranges(emu, sh):
    protect(sh, range={"sheetId": 0}, unprotectedRanges=[{"sheetId": 0, "startColumnIndex": 1,
                                                          "endColumnIndex": 5}])
    mgr = as_user(emu, sh, MANAGER)
    mgr.sheet1.update([["free"]], "B1")
    with pytest.raises(gspread.exceptions.APIError, match="protected"):
        mgr.sheet1.update([["no"]], "A1")
    for req in ({"insertDimension": {"range": dim(1, 2)}}, {"deleteSheet": {"sheetId": 0}},
                {"updateSheetProperties": {"properties": {"sheetId": 0, "title": "x"}, "fields": "title"}}):
        with pytest.raises(gspread.exceptions.APIError, match="protected"):
            mgr.batch_update({"requests": [req]})
    # columns inside the unprotected block can be inserted and deleted
    mgr.batch_update({"requests": [{"insertDimension": {"range": dim(2, 3, "COLUMNS")}},
                                   {"deleteDimension": {"range": dim(2, 3, "COLUMNS")}}]})


def test_warning_only_protection_blocks_nobody(emu, sh):
    pr = protect(sh, range={"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1}, warningOnly=True)
    # Google lists the owner as the editor of a warning-only range (test_add_protected_range_warning.json)
    assert pr["editors"] == {} and protected(sh)[0]["editors"] == {"users": [OWNER]}
    as_user(emu, sh, MANAGER).batch_update({"requests": [{"deleteDimension": {"range": dim(0, 1)}}]})
    assert protected(sh) == []  # its only row is gone, and so is the protection
    with pytest.raises(gspread.exceptions.APIError, match="warningOnly"):
        protect(sh, range={"sheetId": 0}, warningOnly=True, editors={"users": [MANAGER]})


def test_editors_are_hidden_from_people_who_cannot_edit_the_range(emu, sh):
    protect(sh, range={"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1}, editors={"users": [TRUSTED]})
    sh.share("client@client.test", perm_type="user", role="reader", notify=False)
    seen = {u: as_user(emu, sh, u).fetch_sheet_metadata()["sheets"][0]["protectedRanges"][0]
            for u in (OWNER, TRUSTED, MANAGER, "client@client.test")}
    assert seen[OWNER]["requestingUserCanEdit"] and "editors" in seen[OWNER]
    assert seen[TRUSTED]["requestingUserCanEdit"] and "editors" in seen[TRUSTED]
    for u in (MANAGER, "client@client.test"):
        assert seen[u]["requestingUserCanEdit"] is False and "editors" not in seen[u]


def test_update_and_delete_protected_range(emu, sh):
    pr = protect(sh, range={"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1})
    pid = pr["protectedRangeId"]
    mgr = as_user(emu, sh, MANAGER)
    with pytest.raises(gspread.exceptions.APIError) as e:
        mgr.batch_update({"requests": [{"deleteProtectedRange": {"protectedRangeId": pid}}]})
    assert e.value.response.status_code == 403
    sh.batch_update({"requests": [{"updateProtectedRange": {
        "protectedRange": {"protectedRangeId": pid, "editors": {"users": [MANAGER]}, "description": "ids"},
        "fields": "editors,description"}}]})
    [got] = protected(sh)
    assert got["description"] == "ids" and set(got["editors"]["users"]) == {OWNER, MANAGER}
    mgr.batch_update({"requests": [{"deleteProtectedRange": {"protectedRangeId": pid}}]})
    assert protected(sh) == []
    with pytest.raises(gspread.exceptions.APIError, match=f"No protected range with id: {pid}"):
        sh.batch_update({"requests": [{"deleteProtectedRange": {"protectedRangeId": pid}}]})


def test_protection_errors(sh, allow_invalid_requests):
    protect(sh, range={"sheetId": 0})
    for pr, text in [
        ({"range": {"sheetId": 0}}, "already protected"),
        ({"range": {"sheetId": 0, "endRowIndex": 2}, "unprotectedRanges": [{"sheetId": 0}]}, "whole sheet"),
        ({}, "range is required"),
        ({"range": {"sheetId": 0, "endRowIndex": 50}}, "exceeds grid limits"),
        ({"namedRangeId": "nope"}, "No named range"),
    ]:
        with pytest.raises(gspread.exceptions.APIError) as e:
            protect(sh, **pr)
        assert text in str(e.value), (pr, str(e.value))


def test_protection_by_named_range(sh):
    nr = sh.batch_update({"requests": [{"addNamedRange": {"namedRange": {
        "name": "ids", "range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1}}}}]}
    )["replies"][0]["addNamedRange"]["namedRange"]
    pr = protect(sh, namedRangeId=nr["namedRangeId"])
    assert pr["range"] == nr["range"] and pr["namedRangeId"] == nr["namedRangeId"]


def test_a_protection_by_name_follows_the_name(sh):
    other = sh.add_worksheet("Other", 5, 5)
    nr = sh.batch_update({"requests": [{"addNamedRange": {"namedRange": {
        "name": "ids", "range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1}}}}]}
    )["replies"][0]["addNamedRange"]["namedRange"]
    protect(sh, namedRangeId=nr["namedRangeId"])
    new_range = {"sheetId": other.id, "startRowIndex": 0, "endRowIndex": 2}
    sh.batch_update({"requests": [{"updateNamedRange": {"namedRange": {"namedRangeId": nr["namedRangeId"],
                                                                       "range": new_range}, "fields": "range"}}]})
    sheets = {s["properties"]["title"]: s for s in sh.fetch_sheet_metadata()["sheets"]}
    assert "protectedRanges" not in sheets["Sheet1"]
    assert sheets["Other"]["protectedRanges"][0]["range"] == new_range
