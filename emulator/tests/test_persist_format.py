"""The stored format: JSON documents with a version, refused with advice when unknown, format 1 migrated."""

from __future__ import annotations

import json
import pickle
import sqlite3

import pytest

from gsheets_emulator import Emulator
from gsheets_emulator.persist import FORMAT, PersistenceError, file_document, file_from_document


def _emu_with_a_sheet(path):
    emu = Emulator(str(path))
    gc = emu.gspread_client("o@x.test")
    sh = gc.create("A")
    sh.sheet1.update([["id", 1.5], ["=1+1", True]], value_input_option="USER_ENTERED")
    sh.share("m@x.test", perm_type="user", role="writer", notify=False)
    return emu, sh.id


def test_rows_are_json_documents_with_the_format(tmp_path):
    emu, sid = _emu_with_a_sheet(tmp_path)
    db = sqlite3.connect(tmp_path / "emulator.sqlite3")
    (text,) = db.execute("SELECT state FROM files WHERE id = ?", (sid,)).fetchone()
    doc = json.loads(text)
    assert doc["format"] == FORMAT == int(db.execute("SELECT value FROM meta WHERE key='format'").fetchone()[0])
    assert doc["id"] == sid and doc["spreadsheet"]["sheets"][0]["properties"]["title"] == "Sheet1"
    assert doc["spreadsheet"]["sheets"][0]["rows"][1][0]["userEnteredValue"] == {"formulaValue": "=1+1"}


def test_a_document_round_trips_to_an_equal_file(tmp_path):
    emu, sid = _emu_with_a_sheet(tmp_path)
    f = emu.files[sid]
    f.shown, f.refresh_at = ("2026-01-01T00:00:00.000Z", 3), 12.5
    assert file_from_document(json.loads(json.dumps(file_document(f)))) == f


def test_an_unknown_document_shape_is_refused_in_one_line(tmp_path):
    emu, sid = _emu_with_a_sheet(tmp_path)
    db = sqlite3.connect(tmp_path / "emulator.sqlite3")
    doc = json.loads(db.execute("SELECT state FROM files").fetchone()[0])
    doc["colour"] = "red"
    db.execute("UPDATE files SET state = ?", (json.dumps(doc),))
    db.commit()
    with pytest.raises(PersistenceError) as e:
        Emulator(str(tmp_path))
    assert "\n" not in str(e.value) and "colour" in str(e.value) and "Move the file aside" in str(e.value)


def test_a_format_1_database_is_migrated_once(tmp_path):
    emu, sid = _emu_with_a_sheet(tmp_path / "new")
    want = emu.gspread_client("o@x.test").open_by_key(sid).sheet1.get_all_values()
    old = tmp_path / "old.sqlite3"  # what the pickle-era emulator wrote
    db = sqlite3.connect(old)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE TABLE files (id TEXT PRIMARY KEY, state BLOB NOT NULL)")
    db.execute("CREATE TABLE drives (id TEXT PRIMARY KEY, state BLOB NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('format', '1')")
    db.execute("INSERT INTO files VALUES (?, ?)", (sid, pickle.dumps(emu.files[sid], protocol=5)))
    db.commit()
    db.close()
    again = Emulator(str(old))
    assert again._store.migrated_from == 1
    assert again.gspread_client("m@x.test").open_by_key(sid).sheet1.get_all_values() == want
    assert Emulator(str(old))._store.migrated_from is None  # stored as format 2 now


def test_a_format_1_row_naming_other_classes_is_not_unpickled(tmp_path):
    db = sqlite3.connect(tmp_path / "emulator.sqlite3")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE TABLE files (id TEXT PRIMARY KEY, state BLOB NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('format', '1')")
    db.execute("INSERT INTO files VALUES ('x', ?)", (pickle.dumps(sqlite3.Row),))
    db.commit()
    db.close()
    with pytest.raises(PersistenceError, match="Cannot migrate file x from format 1"):
        Emulator(str(tmp_path))
