"""Drive lag: a spreadsheet's ``modifiedTime``/``version`` as Drive publishes them trail its content.

Google refreshes them lazily, coalesced about every 3 minutes (googleapis/google-api-go-client#444);
``Emulator(drive_lag=SECONDS)`` models it on the emulator's own clock, so nothing here sleeps.
Everything goes through real gspread and raw Drive REST, as a client of Google would see it.
"""

from __future__ import annotations

import pytest

from gsheets_emulator import Emulator

T0 = 1_790_000_000.0
OWNER = "owner@agency.test"
FIELDS = "id,modifiedTime,version"


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def lagged():
    clock = Clock()
    emu = Emulator(clock=clock, drive_lag=180)
    sh = emu.gspread_client(user=OWNER).create("Lagged")
    return emu, clock, sh


def _drive(emu, sid, user=OWNER):
    r = emu.session(user).get(f"https://www.googleapis.com/drive/v3/files/{sid}", params={"fields": FIELDS})
    assert r.status_code == 200, r.text
    return r.json()["modifiedTime"], int(r.json()["version"])


def _listed(emu, sid, q=None, order=None):
    params = {"fields": f"files({FIELDS})"}
    if q:
        params["q"] = q
    if order:
        params["orderBy"] = order
    r = emu.session(OWNER).get("https://www.googleapis.com/drive/v3/files", params=params)
    assert r.status_code == 200, r.text
    return {f["id"]: (f["modifiedTime"], int(f["version"])) for f in r.json()["files"]}.get(sid)


def test_off_by_default_drive_shows_every_change_at_once():
    emu = Emulator()
    sh = emu.gspread_client(user=OWNER).create("Now")
    before = _drive(emu, sh.id)
    sh.sheet1.update_acell("A1", "x")
    after = _drive(emu, sh.id)
    assert after[0] > before[0] and after[1] > before[1]


def test_a_change_reaches_drive_only_at_the_refresh(lagged):
    emu, clock, sh = lagged
    published = _drive(emu, sh.id)
    clock.t += 5
    sh.sheet1.update_acell("A1", "first")
    true_time = emu.files[sh.id].modified_time
    assert _drive(emu, sh.id) == published  # Drive has not seen it yet
    assert _listed(emu, sh.id) == published
    assert sh.sheet1.acell("A1").value == "first"  # Sheets has
    clock.t += 179.9
    assert _drive(emu, sh.id) == published
    clock.t += 0.1
    mtime, version = _drive(emu, sh.id)
    assert mtime == true_time and version == emu.files[sh.id].version > published[1]
    assert _listed(emu, sh.id) == (mtime, version)


def test_changes_in_the_window_are_coalesced_into_one_refresh(lagged):
    emu, clock, sh = lagged
    published = _drive(emu, sh.id)
    clock.t += 10
    sh.sheet1.update_acell("A1", "one")  # opens the window: refresh at T0 + 190
    clock.t += 100
    sh.sheet1.update_acell("A2", "two")  # joins it
    last_change = emu.files[sh.id].modified_time
    clock.t += 79
    assert _drive(emu, sh.id) == published
    clock.t += 1
    mtime, version = _drive(emu, sh.id)
    assert mtime == last_change  # the newest change's time, published late
    assert version == published[1] + 2  # both changes counted, in one step
    clock.t += 5
    sh.sheet1.update_acell("A3", "three")  # after the refresh: a new window
    assert _drive(emu, sh.id) == (mtime, version)
    clock.t += 180
    assert _drive(emu, sh.id)[1] == version + 1


def test_queries_and_order_follow_what_drive_publishes(lagged):
    emu, clock, sh = lagged
    clock.t += 1
    other = emu.gspread_client(user=OWNER).create("Other")
    published = _drive(emu, sh.id)
    clock.t += 30
    sh.sheet1.update_acell("A1", "edit")
    q = f"modifiedTime > '{published[0]}'"
    assert _listed(emu, sh.id, q=q) is None  # not modified yet, as far as Drive knows
    r = emu.session(OWNER).get("https://www.googleapis.com/drive/v3/files",
                               params={"orderBy": "modifiedTime desc", "fields": "files(id)"})
    assert [f["id"] for f in r.json()["files"]][:2] == [other.id, sh.id]
    clock.t += 180
    assert _listed(emu, sh.id, q=q) is not None
    r = emu.session(OWNER).get("https://www.googleapis.com/drive/v3/files",
                               params={"orderBy": "modifiedTime desc", "fields": "files(id)"})
    assert [f["id"] for f in r.json()["files"]][0] == sh.id


def test_sharing_moves_version_at_once_when_no_refresh_is_pending(lagged):
    emu, clock, sh = lagged
    _mtime, version = _drive(emu, sh.id)
    sh.share("reader@agency.test", perm_type="user", role="reader", notify=False)
    assert _drive(emu, sh.id)[1] == version + 1


def test_a_copy_is_published_as_it_is(lagged):
    emu, clock, sh = lagged
    clock.t += 1
    sh.sheet1.update_acell("A1", "pending")
    gc = emu.gspread_client(user=OWNER)
    copy = gc.copy(sh.id, title="Copy")
    assert _drive(emu, copy.id) == (emu.files[copy.id].modified_time, emu.files[copy.id].version)


def test_turning_lag_off_publishes_what_was_pending(lagged):
    emu, clock, sh = lagged
    clock.t += 1
    sh.sheet1.update_acell("A1", "x")
    emu.drive_lag = 0
    assert _drive(emu, sh.id) == (emu.files[sh.id].modified_time, emu.files[sh.id].version)


def test_a_pending_refresh_survives_a_restart(tmp_path):
    clock = Clock()
    emu = Emulator(str(tmp_path / "emu"), clock=clock, drive_lag=180)
    sh = emu.gspread_client(user=OWNER).create("Kept")
    published = _drive(emu, sh.id)
    clock.t += 1
    sh.sheet1.update_acell("A1", "x")
    emu.save()
    again = Emulator(str(tmp_path / "emu"), clock=clock, drive_lag=180)
    assert _drive(again, sh.id) == published
    clock.t += 180
    assert _drive(again, sh.id)[1] == published[1] + 1
