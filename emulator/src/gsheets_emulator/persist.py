"""Crash-safe persistence for ``Emulator(path)``: one SQLite database, one row per file (and per shared drive).

After every write request the emulator saves the files that may have changed — the one the
request named, files created or deleted, and any file whose ``version``/``modifiedTime`` moved
(every content, sharing or metadata change moves one of them) — inside one SQLite transaction (rollback journal, ``synchronous=FULL``),
so a crash or a kill mid-save leaves the previous committed state intact — SQLite's atomic
commit does what temp-file + fsync + rename would, per row. ``path`` is a directory (the
database is ``emulator.sqlite3`` inside it, created if missing) or a file path ending in
``.db``/``.sqlite``/``.sqlite3``.

The format is the emulator's own dataclasses pickled; it is a cache of emulator state, not an
interchange format. A database written by an incompatible version is refused with a message
saying to move it aside.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .core import Emulator
    from .model import FileState

FORMAT = 1
DB_NAME = "emulator.sqlite3"


def database_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if p.suffix in (".db", ".sqlite", ".sqlite3") or p.is_file():
        p.parent.mkdir(parents=True, exist_ok=True)
        return p
    p.mkdir(parents=True, exist_ok=True)
    return p / DB_NAME


class Persistence:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = database_path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=DELETE")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS files (id TEXT PRIMARY KEY, state BLOB NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS drives (id TEXT PRIMARY KEY, state BLOB NOT NULL)")
        self._saved: dict[str, bytes] = {}
        self._seen: dict[str, tuple[int, int, str]] = {}  # file id -> fingerprint at the last save
        self._saved_drives: dict[str, bytes] = {}  # shared drives (few, small): compared whole at every save
        self.saves = 0  # transactions committed, for tests and benchmarks
        self.rows_written = 0

    def load(self, emu: Emulator) -> None:
        """Restore files (with their spreadsheets, permissions, id counters and versions)."""
        row = self._db.execute("SELECT value FROM meta WHERE key='format'").fetchone()
        if row is not None and int(row[0]) != FORMAT:
            raise RuntimeError(f"The emulator data in {self.path} has format {row[0]}, this version reads format "
                               f"{FORMAT}. Move the file aside (or delete it) to start from an empty emulator.")
        files = {}
        for fid, blob in self._db.execute("SELECT id, state FROM files"):
            try:
                files[fid] = pickle.loads(blob)
            except Exception as e:  # noqa: BLE001 - any unpickling failure means the same thing
                raise RuntimeError(f"Cannot read file {fid} from the emulator data in {self.path} ({e}). Move the "
                                   "database aside (or delete it) to start from an empty emulator.") from None
            self._saved[fid] = bytes(blob)
        emu.files.update(files)
        for did, blob in self._db.execute("SELECT id, state FROM drives"):
            try:
                emu.drives[did] = pickle.loads(blob)
            except Exception as e:  # noqa: BLE001 - any unpickling failure means the same thing
                raise RuntimeError(f"Cannot read shared drive {did} from the emulator data in {self.path} ({e}). "
                                   "Move the database aside (or delete it) to start from an empty emulator.") from None
            self._saved_drives[did] = bytes(blob)
        self._seen = {fid: _fingerprint(f) for fid, f in files.items()}

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
            current = {fid: pickle.dumps(files[fid], protocol=pickle.HIGHEST_PROTOCOL) for fid in candidates}
            for fid in candidates:
                self._seen[fid] = _fingerprint(files[fid])
            changed = [(fid, blob) for fid, blob in current.items() if self._saved.get(fid) != blob]
            gone = [fid for fid in self._saved if fid not in files]
            for fid in gone:
                self._seen.pop(fid, None)
            drives = {did: pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL) for did, d in emu.drives.items()}
            drives_changed = [(did, blob) for did, blob in drives.items() if self._saved_drives.get(did) != blob]
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
            for fid, blob in changed:
                self._saved[fid] = blob
            for fid in gone:
                del self._saved[fid]
            for did, blob in drives_changed:
                self._saved_drives[did] = blob
            for did in drives_gone:
                del self._saved_drives[did]
            self.saves += 1
            self.rows_written += len(changed) + len(gone) + len(drives_changed) + len(drives_gone)

    def close(self) -> None:
        self._db.close()


def _fingerprint(f: FileState) -> tuple[int, int, str]:
    return id(f), f.version, f.modified_time
