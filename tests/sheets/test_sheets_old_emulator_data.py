"""Emulator data saved while the emulator was ``sheetsync.emulator`` (pickled rows naming
``sheetsync.emulator.model``, format 1) still opens now that it is the gsheets_emulator distribution: its
persistence migrates format-1 rows whatever package path they name. End to end, with the real old code
writing the data: tests/sync/test_sync_labels_old_code.py."""

from __future__ import annotations

import pickle
import sqlite3
import sys

from gsheets_emulator import Emulator, model

OLD = "sheetsync.emulator.model"
CLASSES = (model.FileState, model.SpreadsheetState, model.SheetState, model.DriveState)


def _as_old_code_pickled(obj: object, monkeypatch) -> bytes:
    """``obj`` pickled as the code before the move wrote it: its classes under the old module path."""
    with monkeypatch.context() as m:
        m.setitem(sys.modules, OLD, model)
        for cls in CLASSES:
            m.setattr(cls, "__module__", OLD)
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def test_a_database_naming_the_old_module_opens(emu, tmp_path, monkeypatch):
    sid = emu.gspread_client("o@x.test").create("Old").id
    old = _as_old_code_pickled(emu.files[sid], monkeypatch)
    assert OLD.encode() in old and b"gsheets_emulator" not in old
    db = sqlite3.connect(tmp_path / "emulator.sqlite3")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")  # as the old code made them
    db.execute("INSERT INTO meta VALUES ('format', '1')")
    db.execute("CREATE TABLE files (id TEXT PRIMARY KEY, state BLOB NOT NULL)")
    db.execute("CREATE TABLE drives (id TEXT PRIMARY KEY, state BLOB NOT NULL)")
    db.execute("INSERT INTO files VALUES (?, ?)", (sid, old))
    db.commit()
    db.close()
    assert OLD not in sys.modules
    again = Emulator(str(tmp_path))
    assert again.gspread_client("o@x.test").open_by_key(sid).title == "Old"
