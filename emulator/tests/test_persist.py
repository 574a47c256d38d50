"""Emulator(path): state survives a restart, and a process killed mid-write never corrupts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import gspread
import pytest

from gsheets_emulator import Emulator


def test_round_trip_across_restart(tmp_path):
    emu = Emulator(str(tmp_path / "data"))
    gc = emu.gspread_client("owner@agency.test")
    sh = gc.create("Acme")
    sh.sheet1.update([["id", "title"], ["T-1", "Brief"]])
    ws2 = sh.add_worksheet("in-work", 10, 5)
    sh.share("mgr@agency.test", perm_type="user", role="writer", notify=False)
    meta = gc.get_file_drive_metadata(sh.id)
    version = emu.files[sh.id].version
    del emu, gc

    again = Emulator(str(tmp_path / "data"))
    gc2 = again.gspread_client("mgr@agency.test")  # the permission survived too
    sh2 = gc2.open_by_key(sh.id)
    assert sh2.sheet1.get_all_values() == [["id", "title"], ["T-1", "Brief"]]
    assert [w.title for w in sh2.worksheets()] == ["Sheet1", "in-work"]
    assert again.files[sh.id].version == version
    assert gc2.get_file_drive_metadata(sh.id)["modifiedTime"] == meta["modifiedTime"]
    # id counters survive: a new sheet does not reuse the sheetId of an existing one
    new = sh2.add_worksheet("third", 5, 5)
    assert new.id not in (sh2.sheet1.id, ws2.id)
    sh2.sheet1.update_acell("A3", "T-2")
    third = Emulator(str(tmp_path / "data"))
    assert third.gspread_client("owner@agency.test").open_by_key(sh.id).sheet1.acell("A3").value == "T-2"


def test_delete_is_persisted(tmp_path):
    db = tmp_path / "emu.sqlite3"
    emu = Emulator(str(db))
    gc = emu.gspread_client("o@x.test")
    a, b = gc.create("A"), gc.create("B")
    gc.del_spreadsheet(a.id)
    assert db.is_file()
    names = [f["name"] for f in Emulator(str(db)).gspread_client("o@x.test").list_spreadsheet_files()]
    assert names == ["B"]
    del b


def test_only_changed_files_are_rewritten(tmp_path):
    emu = Emulator(str(tmp_path))
    gc = emu.gspread_client("o@x.test")
    sheets = [gc.create(f"S{i}") for i in range(5)]
    store = emu._store
    before = store.rows_written
    sheets[0].sheet1.update_acell("A1", "x")
    assert store.rows_written - before == 1
    sheets[0].sheet1.acell("A1")  # reads never save
    assert store.rows_written - before == 1


def test_incompatible_data_is_refused_with_advice(tmp_path):
    import sqlite3

    Emulator(str(tmp_path)).gspread_client("o@x.test").create("A")
    db = sqlite3.connect(tmp_path / "emulator.sqlite3")
    db.execute("UPDATE meta SET value='999' WHERE key='format'")
    db.commit()
    db.close()
    with pytest.raises(RuntimeError, match="Move the file aside"):
        Emulator(str(tmp_path))


WRITER = textwrap.dedent("""
    import sys
    from gsheets_emulator import Emulator
    emu = Emulator(sys.argv[1])
    gc = emu.gspread_client("o@x.test")
    sh = gc.create("hammer")
    ws = sh.sheet1
    print(sh.id, flush=True)
    i = 0
    while True:
        i += 1
        # one request writes both cells: after any crash they must still agree
        ws.batch_update([{"range": "A1:B1", "values": [[i, i]]}])
""")


def test_killed_mid_write_keeps_a_consistent_state(tmp_path):
    """SIGKILL a process that writes as fast as it can; the last committed state must load intact."""
    _kill_and_check(tmp_path / "data", 0.6)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("SHEETSYNC_LONG"), reason="crash soak; set SHEETSYNC_LONG=1")
@pytest.mark.parametrize("round_", range(12))
def test_crash_soak(tmp_path, round_):
    """Kill at many different moments (the same data directory survives every kill)."""
    _kill_and_check(tmp_path / "data", 0.3 + 0.07 * round_)
    _kill_and_check(tmp_path / "data", 0.2)


def _kill_and_check(data: Path, after: float) -> None:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(data)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    try:
        assert proc.stdout is not None
        sid = proc.stdout.readline().strip()
        assert sid, "the writer process did not start"
        time.sleep(after)  # let it commit a good number of writes
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    emu = Emulator(str(data))
    row = emu.gspread_client("o@x.test").open_by_key(sid).sheet1.get("A1:B1", value_render_option="UNFORMATTED_VALUE")
    a, b = row[0]
    assert a == b and a >= 1


def test_a_write_that_changes_another_file_is_persisted(tmp_path):
    """copyTo names the source in its path but changes the destination: that must be saved too."""
    emu = Emulator(str(tmp_path))
    gc = emu.gspread_client("o@x.test")
    src, dest = gc.create("src"), gc.create("dest")
    src.sheet1.update_acell("A1", "copied")
    src.sheet1.copy_to(dest.id)
    again = Emulator(str(tmp_path)).gspread_client("o@x.test").open_by_key(dest.id)
    assert len(again.worksheets()) == 2
    assert again.worksheets()[1].acell("A1").value == "copied"


def test_direct_state_changes_are_saved_by_save(tmp_path):
    emu = Emulator(str(tmp_path))
    sh = emu.gspread_client("o@x.test").create("x")
    emu.files[sh.id].description = "set outside the API"
    emu.save()
    assert Emulator(str(tmp_path)).files[sh.id].description == "set outside the API"


def test_everything_a_spreadsheet_holds_survives_a_restart(tmp_path):
    """Grid data with formats, notes, formulas, validation, merges, protection, metadata, named ranges,
    filters, frozen rows, Drive fields and permissions: identical after a restart, and still live."""
    emu = Emulator(str(tmp_path / "data"))
    gc = emu.gspread_client("owner@agency.test")
    sh = gc.create("Rich")
    ws = sh.sheet1
    ws.update([["id", "hours", "total"], ["T-1", 2, "=SUM(B2:B3)"], ["T-2", 3, ""]], "A1", raw=False)
    ws.format("A1:C1", {"textFormat": {"bold": True, "strikethrough": True},
                        "backgroundColor": {"red": 1, "green": 0.5, "blue": 0}})
    ws.format("B2:B3", {"numberFormat": {"type": "NUMBER", "pattern": "0.0"}})
    ws.update_note("A2", "first task")
    ws.freeze(rows=1)
    ws.merge_cells("D1:E1")
    ws.set_basic_filter("A1:C3")
    sh.batch_update({"requests": [
        {"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 0,
                                         "endColumnIndex": 1},
                               "rule": {"condition": {"type": "ONE_OF_LIST", "values": [
                                   {"userEnteredValue": "T-1"}, {"userEnteredValue": "T-2"}]}, "strict": True}}},
        {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1},
                                                  "description": "ids", "editors": {"users": ["owner@agency.test"]}}}},
        {"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": "sheetsync.column", "metadataValue": "id", "visibility": "DOCUMENT",
            "location": {"dimensionRange": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}}}}},
        {"addNamedRange": {"namedRange": {"name": "Hours", "range": {
            "sheetId": 0, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 1, "endColumnIndex": 2}}}},
        {"updateDimensionProperties": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1,
                                                 "endIndex": 2}, "properties": {"pixelSize": 150},
                                       "fields": "pixelSize"}},
    ]})
    sh.share("mgr@agency.test", perm_type="user", role="writer", notify=False)
    s = emu.session("owner@agency.test")
    sheets_url = f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}"
    drive_url = f"https://www.googleapis.com/drive/v3/files/{sh.id}"
    before = (s.get(sheets_url, params={"includeGridData": "true"}).json(),
              s.get(drive_url, params={"fields": "*"}).json(),
              s.get(drive_url + "/permissions", params={"fields": "*"}).json())
    del emu, gc, s

    again = Emulator(str(tmp_path / "data"))
    s2 = again.session("owner@agency.test")
    after = (s2.get(sheets_url, params={"includeGridData": "true"}).json(),
             s2.get(drive_url, params={"fields": "*"}).json(),
             s2.get(drive_url + "/permissions", params={"fields": "*"}).json())
    assert after == before
    # still live: the formula recomputes, the protected column still refuses the manager
    ws2 = again.gspread_client("owner@agency.test").open_by_key(sh.id).sheet1
    ws2.update_acell("B3", 10)
    assert ws2.acell("C2").value == "12"
    mgr = again.gspread_client("mgr@agency.test").open_by_key(sh.id).sheet1
    with pytest.raises(gspread.exceptions.APIError) as e:
        mgr.update_acell("A2", "T-X")
    assert e.value.response.status_code == 400 and "protected" in e.value.response.json()["error"]["message"]
