"""One daemon per SQLite store: an exclusive ``fcntl`` lock on ``<db>.lock`` next to the database.

A one-off ``sheetsync sync`` takes the same lock for its cycle, so it never syncs beside the daemon
(two syncs of one client at once can duplicate or lose rows).

The kernel drops the lock when the process dies (even by SIGKILL), so a crash never leaves a stale
lock behind. PostgreSQL stores need no such lock: each client's sync is a job holding that client's lock in the job engine (:mod:`.queue`).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..store.engine import database_name, sqlite_file


class StoreLocked(RuntimeError):
    """Another daemon (or a `sheetsync sync`) holds this store's lock; ``who`` is what it wrote there."""

    def __init__(self, message: str, who: str = "", db: str = "") -> None:
        super().__init__(message)
        self.who = who
        self.db = db


SYNC_HOLDER = "sheetsync sync"  # what a one-off `sheetsync sync` writes into the lock file


def lock_path(store_url: str) -> Path | None:
    """The lock file for a SQLite store URL, or None when the store is not a SQLite file."""
    db = sqlite_file(store_url)
    return None if db is None else db.with_name(db.name + ".lock")


@contextmanager
def store_lock(store_url: str, *, holder: str = "") -> Iterator[Path | None]:
    """Hold the store's single-instance lock for the block; :class:`StoreLocked` if someone else has it."""
    path = lock_path(store_url)
    if path is None:
        yield None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = Path(path).read_text(encoding="utf-8", errors="replace").strip() or "another process"
            if SYNC_HOLDER in who:
                raise StoreLocked(
                    f"a `sheetsync sync` is running on the store {url_db(store_url)} ({who}); start the daemon "
                    f"when it has finished", who, url_db(store_url)) from None
            raise StoreLocked(
                f"another `sheetsync run` already runs on the store {url_db(store_url)} ({who}). "
                f"Stop it first (one daemon per SQLite store), or move the store to PostgreSQL to run "
                f"several workers", who, url_db(store_url)) from None
        os.ftruncate(fd, 0)
        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.write(fd, f"pid {os.getpid()}{' ' + holder if holder else ''}, started {started}\n".encode())
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def url_db(store_url: str) -> str:
    return database_name(store_url)
