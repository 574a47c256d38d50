"""Crash-safe persistence for ``Emulator(path)``: one SQLite database, one JSON document per file and per shared drive.

After every write request the emulator saves the files that may have changed — the one the
request named, files created or deleted, and any file whose ``version``/``modifiedTime`` moved
(every content, sharing or metadata change moves one of them) — inside one SQLite transaction
(rollback journal, ``synchronous=FULL``), so a crash or a kill mid-save leaves the previous
committed state intact — SQLite's atomic commit does what temp-file + fsync + rename would, per
row. ``path`` is a directory (the database is ``emulator.sqlite3`` inside it, created if missing)
or a file path ending in ``.db``/``.sqlite``/``.sqlite3``.

The format (tables, document shape, version history) is described in PERSISTENCE.md next to this
module; :data:`FORMAT` is its version. The documents are the state's own JSON shapes (model.py),
so a database can be read with ``sqlite3`` and ``json`` alone. A database of another format is
refused with one line saying what to do; one written in format 1 (pickled dataclasses) is
migrated once, reading only the four model classes.
"""

from __future__ import annotations

import gc
import io
import json
import os
import pickle
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model import DriveState, FileState, SheetState, SpreadsheetState

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .core import Emulator

FORMAT = 2  # 1: pickled dataclasses (until 2026-12); 2: JSON documents
DB_NAME = "emulator.sqlite3"
_SHEET_FIELDS = [f.name for f in fields(SheetState)]
_SPREADSHEET_FIELDS = [f.name for f in fields(SpreadsheetState) if f.name != "sheets"]
_FILE_FIELDS = [f.name for f in fields(FileState) if f.name != "spreadsheet"]
_DRIVE_FIELDS = [f.name for f in fields(DriveState)]


class PersistenceError(RuntimeError):
    """The database cannot be read by this version; the message says what to do."""


def database_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if p.suffix in (".db", ".sqlite", ".sqlite3") or p.is_file():
        p.parent.mkdir(parents=True, exist_ok=True)
        return p
    p.mkdir(parents=True, exist_ok=True)
    return p / DB_NAME


# --- documents ----------------------------------------------------------------------------------

def file_document(f: FileState) -> dict[str, Any]:
    """A file as its stored JSON document (PERSISTENCE.md, "Documents")."""
    doc: dict[str, Any] = {"format": FORMAT}
    for name in _FILE_FIELDS:
        doc[name] = getattr(f, name)
    if f.shown is not None:
        doc["shown"] = list(f.shown)
    ss = f.spreadsheet
    if ss is None:
        doc["spreadsheet"] = None
    else:
        sdoc = {name: getattr(ss, name) for name in _SPREADSHEET_FIELDS}
        sdoc["sheets"] = [{name: getattr(s, name) for name in _SHEET_FIELDS} for s in ss.sheets]
        doc["spreadsheet"] = sdoc
    return doc


def file_from_document(doc: dict[str, Any]) -> FileState:
    """The inverse of :func:`file_document`; raises ValueError naming what does not fit."""
    _check_format(doc)
    body = {k: v for k, v in doc.items() if k not in ("format", "spreadsheet")}
    if body.get("shown") is not None:
        body["shown"] = tuple(body["shown"])
    f = _build(FileState, body)
    sdoc = doc.get("spreadsheet")
    if sdoc is not None:
        sheets = [_build(SheetState, s) for s in sdoc.get("sheets", [])]
        f.spreadsheet = _build(SpreadsheetState, {k: v for k, v in sdoc.items() if k != "sheets"})
        f.spreadsheet.sheets = sheets
    return f


def drive_document(d: DriveState) -> dict[str, Any]:
    return {"format": FORMAT, **{name: getattr(d, name) for name in _DRIVE_FIELDS}}


def drive_from_document(doc: dict[str, Any]) -> DriveState:
    _check_format(doc)
    return _build(DriveState, {k: v for k, v in doc.items() if k != "format"})


def _check_format(doc: Any) -> None:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise ValueError(f"document format {got!r}, expected {FORMAT}")


def _build(cls: Any, values: dict[str, Any]) -> Any:
    try:
        return cls(**values)
    except TypeError as e:  # an unknown or missing field
        raise ValueError(f"not a {cls.__name__} document ({e})") from None


def _dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), check_circular=False)  # state is a tree


@contextmanager
def _no_gc() -> Iterator[None]:
    """Building a million small dicts triggers the cyclic collector over and over; none of them is garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- format 1 (pickle) ----------------------------------------------------------------------------

class _ModelOnly(pickle.Unpickler):
    """Reads a format-1 row: only the four model classes may be named (under any package path), nothing else."""

    CLASSES = {c.__name__: c for c in (FileState, SpreadsheetState, SheetState, DriveState)}

    def find_class(self, module: str, name: str) -> Any:
        if module.endswith(".model") and name in self.CLASSES:
            return self.CLASSES[name]
        raise pickle.UnpicklingError(f"{module}.{name} is not emulator state")


# --- the store ------------------------------------------------------------------------------------

class Persistence:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = database_path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=DELETE")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS files (id TEXT PRIMARY KEY, state TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS drives (id TEXT PRIMARY KEY, state TEXT NOT NULL)")
        self._saved: dict[str, str] = {}  # file id -> its document as last committed
        self._seen: dict[str, tuple[int, int, str]] = {}  # file id -> fingerprint at the last save
        self._saved_drives: dict[str, str] = {}  # shared drives (few, small): compared whole at every save
        self.saves = 0  # transactions committed, for tests and benchmarks
        self.rows_written = 0
        self.migrated_from: int | None = None  # the format a database was migrated from on load

    def _advice(self, what: str) -> PersistenceError:
        return PersistenceError(f"{what} in the emulator data {self.path}. Move the file aside (or delete it) to "
                                "start from an empty emulator; see PERSISTENCE.md in the emulator package.")

    def load(self, emu: Emulator) -> None:
        """Restore files (with their spreadsheets, permissions, id counters and versions) and shared drives."""
        row = self._db.execute("SELECT value FROM meta WHERE key='format'").fetchone()
        version = FORMAT if row is None else _int(row[0])
        if version == 1:
            self._migrate_from_pickle()
        elif version != FORMAT:
            raise self._advice(f"Unknown format {row[0]!r} (this version reads format {FORMAT} and migrates 1)")
        files: dict[str, FileState] = {}
        with _no_gc():
            for fid, text in self._db.execute("SELECT id, state FROM files"):
                try:
                    files[fid] = file_from_document(json.loads(text))
                except ValueError as e:
                    raise self._advice(f"Cannot read file {fid} ({e})") from None
                self._saved[fid] = text
            for did, text in self._db.execute("SELECT id, state FROM drives"):
                try:
                    emu.drives[did] = drive_from_document(json.loads(text))
                except ValueError as e:
                    raise self._advice(f"Cannot read shared drive {did} ({e})") from None
                self._saved_drives[did] = text
        emu.files.update(files)
        self._seen = {fid: _fingerprint(f) for fid, f in files.items()}

    def _migrate_from_pickle(self) -> None:
        """Rewrite a format-1 database as format 2 in one transaction (all rows or none)."""
        rows: dict[str, list[tuple[str, str]]] = {"files": [], "drives": []}
        for table, to_doc in (("files", file_document), ("drives", drive_document)):
            for key, blob in self._db.execute(f"SELECT id, state FROM {table}"):  # noqa: S608 - fixed names
                try:
                    obj = _ModelOnly(io.BytesIO(blob)).load()
                except Exception as e:  # noqa: BLE001 - any unpickling failure means the same thing
                    raise self._advice(f"Cannot migrate {table[:-1]} {key} from format 1 ({e})") from None
                rows[table].append((key, _dumps(to_doc(obj))))  # obj is that table's class
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("UPDATE files SET state = ? WHERE id = ?", [(t, k) for k, t in rows["files"]])
            db.executemany("UPDATE drives SET state = ? WHERE id = ?", [(t, k) for k, t in rows["drives"]])
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('format', ?)", (str(FORMAT),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self.migrated_from = 1

    def save(self, emu: Emulator, touched: FileState | None = None, *, full: bool = True) -> None:
        """Write what changed since the last save, atomically.

        ``full`` compares every file; otherwise only ``touched``, new and removed files, and files
        whose fingerprint (object, version, modifiedTime) moved are serialised.
        """
        with self._lock:
            files = emu.files
            if full:
                candidates = list(files)
            else:
                candidates = [fid for fid, f in files.items() if self._seen.get(fid) != _fingerprint(f)]
                if touched is not None and touched.id in files and touched.id not in candidates:
                    candidates.append(touched.id)
            current = {fid: _dumps(file_document(files[fid])) for fid in candidates}
            for fid in candidates:
                self._seen[fid] = _fingerprint(files[fid])
            changed = [(fid, text) for fid, text in current.items() if self._saved.get(fid) != text]
            gone = [fid for fid in self._saved if fid not in files]
            for fid in gone:
                self._seen.pop(fid, None)
            drives = {did: _dumps(drive_document(d)) for did, d in emu.drives.items()}
            drives_changed = [(did, text) for did, text in drives.items() if self._saved_drives.get(did) != text]
            drives_gone = [did for did in self._saved_drives if did not in drives]
            if not changed and not gone and not drives_changed and not drives_gone:
                return
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('format', ?)", (str(FORMAT),))
                db.executemany("INSERT OR REPLACE INTO files (id, state) VALUES (?, ?)", changed)
                db.executemany("DELETE FROM files WHERE id = ?", [(g,) for g in gone])
                db.executemany("INSERT OR REPLACE INTO drives (id, state) VALUES (?, ?)", drives_changed)
                db.executemany("DELETE FROM drives WHERE id = ?", [(g,) for g in drives_gone])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            for fid, text in changed:
                self._saved[fid] = text
            for fid in gone:
                del self._saved[fid]
            for did, text in drives_changed:
                self._saved_drives[did] = text
            for did in drives_gone:
                del self._saved_drives[did]
            self.saves += 1
            self.rows_written += len(changed) + len(gone) + len(drives_changed) + len(drives_gone)

    def close(self) -> None:
        self._db.close()


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _fingerprint(f: FileState) -> tuple[int, int, str]:
    return id(f), f.version, f.modified_time
