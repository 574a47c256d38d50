"""Emulator data saved while the emulator was ``sheetsync.emulator`` (pickled rows naming
``sheetsync.emulator.model``) still opens now that it is the gsheets_emulator distribution: its persistence
migrates format-1 (pickle) rows whatever package path they name. End to end, with the real old code
writing the data: tests/sync/test_sync_labels_old_code.py."""

from __future__ import annotations

import pickle
import sqlite3

from gsheets_emulator import Emulator


def _as_old_name(obj: object) -> bytes:
    """``obj`` pickled as the code before the move wrote it (protocol 0 spells module names out)."""
    return pickle.dumps(obj, protocol=0).replace(b"gsheets_emulator.model", b"sheetsync.emulator.model")


def test_a_database_naming_the_old_module_opens(emu, tmp_path):
    sid = emu.gspread_client("o@x.test").create("Old").id
    old = _as_old_name(emu.files[sid])
    assert b"sheetsync.emulator.model" in old and b"gsheets_emulator" not in old
    db = sqlite3.connect(tmp_path / "emulator.sqlite3")
    db.execute("CREATE TABLE files (id TEXT PRIMARY KEY, state BLOB NOT NULL)")
    db.execute("INSERT INTO files VALUES (?, ?)", (sid, old))
    db.commit()
    db.close()
    again = Emulator(str(tmp_path))
    assert again.gspread_client("o@x.test").open_by_key(sid).title == "Old"
