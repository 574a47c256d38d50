"""Drive's writersCanShare: with it off, a writer's sharing calls answer 403 insufficientFilePermissions;
only the owner may turn it off (files.update) and still shares. Through gspread and raw Drive REST."""

from __future__ import annotations

import gspread
import pytest

OWNER = "owner@agency.test"
WRITER = "manager@agency.test"
DRIVE = "https://www.googleapis.com/drive/v3/files"


@pytest.fixture
def shared(emu, owner_gc):
    sh = owner_gc.create("Client sheet")
    sh.share(WRITER, perm_type="user", role="writer", notify=False)
    return sh


def _set(emu, user, file_id, value):
    return emu.session(user).patch(f"{DRIVE}/{file_id}", params={"fields": "id,writersCanShare"},
                                   json={"writersCanShare": value})


def test_a_writer_shares_while_writers_can_share_is_on(emu, shared):
    mine = emu.gspread_client(WRITER).open_by_key(shared.id)
    mine.share("friend@else.test", perm_type="user", role="writer", notify=False)  # Drive's default: allowed
    assert "friend@else.test" in {p.get("emailAddress") for p in shared.list_permissions()}


def test_off_a_writer_cannot_share_update_or_remove_but_can_still_edit_and_list(emu, shared):
    r = _set(emu, OWNER, shared.id, False)
    assert r.status_code == 200 and r.json() == {"id": shared.id, "writersCanShare": False}
    mine = emu.gspread_client(WRITER).open_by_key(shared.id)
    with pytest.raises(gspread.exceptions.APIError) as e:
        mine.share("friend@else.test", perm_type="user", role="writer", notify=False)
    assert e.value.response.status_code == 403
    err = e.value.response.json()["error"]
    assert err["errors"][0]["reason"] == "insufficientFilePermissions"
    assert err["message"] == f"The user does not have sufficient permissions for file {shared.id}."
    with pytest.raises(gspread.exceptions.APIError, match="sufficient permissions"):
        mine.share(None, perm_type="anyone", role="reader")  # "anyone with the link" neither
    s = emu.session(WRITER)
    viewer = shared.share("ceo@client.test", perm_type="user", role="reader", notify=False).json()["id"]
    assert s.patch(f"{DRIVE}/{shared.id}/permissions/{viewer}", json={"role": "writer"}).status_code == 403
    assert s.delete(f"{DRIVE}/{shared.id}/permissions/{viewer}").status_code == 403
    got = s.get(f"{DRIVE}/{shared.id}", params={"fields": "writersCanShare,capabilities(canShare,canEdit)"}).json()
    assert got == {"writersCanShare": False, "capabilities": {"canShare": False, "canEdit": True}}
    assert len(mine.list_permissions()) == 3  # the list is still visible to an editor
    mine.sheet1.update([["still editing"]], "A1")
    own = [p for p in mine.list_permissions() if p.get("emailAddress") == WRITER][0]["id"]
    assert s.delete(f"{DRIVE}/{shared.id}/permissions/{own}").status_code == 204  # leaving is always allowed


def test_only_the_owner_changes_it_and_still_shares(emu, shared, allow_invalid_requests):
    r = _set(emu, WRITER, shared.id, False)
    assert r.status_code == 403 and r.json()["error"]["errors"][0]["reason"] == "insufficientFilePermissions"
    assert _set(emu, OWNER, shared.id, False).status_code == 200
    shared.share("ceo@client.test", perm_type="user", role="reader", notify=False)  # the owner still can
    assert _set(emu, OWNER, shared.id, "no").status_code == 400
    got = emu.session(OWNER).get(f"{DRIVE}/{shared.id}", params={"fields": "writersCanShare"}).json()
    assert got == {"writersCanShare": False}
