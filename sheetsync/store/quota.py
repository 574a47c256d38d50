"""`QuotaLedger` (``store.quota``): the Sheets request budget that every worker process on one PostgreSQL
store shares.

Each take is ONE statement, ``SELECT sheetsync_quota_take(...)`` (migration 0005), sent on a connection
of the ledger's own in autocommit mode, so there is no BEGIN/COMMIT around it and no pool pre-ping: the
function locks the user's and the project's rows, reads the database's clock and either records the
request in both windows (0) or records nothing and answers the seconds to wait. The workers' own clocks
never enter into it.

On SQLite (the embedded default: one process per store) there is nothing to share: ``shared`` is False
and the per-process :class:`~sheetsync.sheets.budget.Budget` keeps working as before.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, TextClause, text
from sqlalchemy.exc import DBAPIError

from .errors import StoreError

if TYPE_CHECKING:
    from .facade import Store

STATEMENT_TIMEOUT_MS = 5_000  # on the ledger's own connection only

TAKE = text("SELECT sheetsync_quota_take(:scope, :kind, :lim, :window, :project_scope, :project_lim)")
PAUSE = text("SELECT sheetsync_quota_pause(:scope, :kind, :seconds)")
USAGE = text(
    "SELECT scope, kind, (SELECT count(*) FROM unnest(stamps) AS s"
    "                     WHERE s > clock_timestamp() - make_interval(secs => :window))"
    " FROM quota_windows")


class QuotaLedger:
    """The shared request budget's windows in the store (PostgreSQL only; see ``shared``).

    Thread-safe: the threads of one process take turns on the ledger's one connection (a take is a
    fraction of a millisecond on the server). A connection lost between takes is replaced once.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        self._pid = 0
        self.statement_timeout_ms = STATEMENT_TIMEOUT_MS

    @property
    def shared(self) -> bool:
        """True on PostgreSQL, where worker processes share one ledger; False on SQLite."""
        return self._store.backend == "postgresql"

    # --- the three statements ---------------------------------------------------------------------

    def take(self, scope: str, kind: str, limit: int, window: float, project_scope: str,
             project_limit: int) -> float:
        """Take one request of ``kind`` from ``scope``'s window (at most ``limit`` in any ``window`` seconds)
        and the project's (``project_limit``), both or neither: 0.0 when taken, else the seconds to wait."""
        value = self._one(TAKE, {"scope": scope, "kind": kind, "lim": int(limit), "window": float(window),
                                 "project_scope": project_scope, "project_lim": int(project_limit)})
        return max(0.0, float(value))

    def pause(self, scope: str, kind: str, seconds: float) -> None:
        """No request of ``kind`` in ``scope`` for ``seconds`` from the database's now (never shortens a pause)."""
        if seconds > 0:
            self._one(PAUSE, {"scope": scope, "kind": kind, "seconds": float(seconds)})

    def usage(self, window: float) -> dict[tuple[str, str], int]:
        """{(scope, kind): requests taken in the last ``window`` seconds}, over every worker."""
        rows = self._run(USAGE, {"window": float(window)})
        return {(str(scope), str(kind)): int(n) for scope, kind, n in rows}

    def close(self) -> None:
        """Release the ledger's connection (``Store.close`` does)."""
        with self._lock:
            self._drop()

    # --- the connection ---------------------------------------------------------------------------

    def _one(self, stmt: TextClause, params: dict[str, object]) -> Any:
        rows = self._run(stmt, params)
        return rows[0][0]

    def _run(self, stmt: TextClause, params: dict[str, object]) -> list[tuple[Any, ...]]:
        if not self.shared:
            raise StoreError(f"the shared quota ledger needs PostgreSQL; this store is {self._store.backend} "
                             "(one process per store: the per-process budget is the whole budget)")
        with self._lock:
            for attempt in (1, 2):
                try:
                    return [tuple(r) for r in self._connection().execute(stmt, params)]
                except DBAPIError as exc:
                    self._drop()
                    if attempt == 1 and exc.connection_invalidated:
                        continue  # the server dropped an idle connection: once more on a new one
                    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
                    raise StoreError(f"the shared quota ledger at {self._store.url} did not answer: {reason}") \
                        from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _connection(self) -> Connection:
        if self._conn is not None and self._pid != os.getpid():
            self._conn = None  # inherited through fork: the parent's, never to be used here
        if self._conn is None:
            self._conn = self._store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._pid = os.getpid()
            # a take is sub-millisecond; one stuck behind a lock or a hung server must not hold a job forever
            self._conn.exec_driver_sql(f"SET statement_timeout = {int(self.statement_timeout_ms)}")
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            try:
                # closed, not handed back to the pool: it carries the ledger's statement_timeout
                self._conn.invalidate()
                self._conn.close()
            except Exception:  # noqa: BLE001 - a broken connection is being thrown away anyway
                pass
        self._conn = None
