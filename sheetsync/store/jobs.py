"""The store's side of the job engine (procrastinate, on PostgreSQL): the fence and database time.

procrastinate owns its tables (``procrastinate_*``, created by migration 0007) and its own queries;
the few statements sheetsync adds over them live here, because only the store touches the database:

* :meth:`JobRepository.check` — the *fence*. A worker runs a client's sync as a procrastinate job;
  while it runs, the job is ``doing`` and names that worker. A worker that stalls past the
  heartbeat limit has its job taken back (``daemon/queue.py``) and the client's next job goes to
  another worker. When the stalled worker wakes it must write nothing more for that client: every
  store transaction it opens checks, just before committing and *in the same transaction*, that the
  job is still its own (``FOR SHARE`` on the job's row, so the take-back waits for that commit or
  finds it refused); every Sheets write it sends is preceded by the same check.
* :meth:`JobRepository.claim_tick` — "once per tick" for the periodic jobs, whatever the workers do
  (migration 0007 says why procrastinate's own check is not enough).
* :meth:`JobRepository.now` — the database's clock. Workers' clocks may be skewed; scheduling
  decisions (which schedule tick is due) use this one.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from .errors import JobLostError
from .repo import Repository

_HELD = text("SELECT 1 FROM procrastinate_jobs WHERE id = :job AND status = 'doing' AND worker_id = :worker "
             "FOR SHARE")
_HELD_NOLOCK = text("SELECT 1 FROM procrastinate_jobs WHERE id = :job AND status = 'doing' AND worker_id = :worker")

_CLAIM = text("INSERT INTO sheetsync_ticks (job, tick) VALUES (:job, :tick) ON CONFLICT (job) DO UPDATE "
              "SET tick = EXCLUDED.tick WHERE sheetsync_ticks.tick < EXCLUDED.tick RETURNING tick")


class JobRepository(Repository):
    """Statements over procrastinate's tables that sheetsync needs beyond procrastinate's own API."""

    def check(self, job_id: int, worker_id: int, session: Session | None = None) -> None:
        """Raise :class:`JobLostError` unless job ``job_id`` is running on worker ``worker_id``.

        With ``session`` (a writing transaction about to commit) the job's row is share-locked until
        that transaction ends, so the job cannot be taken back between this check and the commit."""
        stmt = _HELD if session is not None else _HELD_NOLOCK
        with self._tx(session) if session is not None else self._read() as s:
            found = s.execute(stmt, {"job": job_id, "worker": worker_id}).first()
        if found is None:
            raise JobLostError(f"job {job_id} is no longer held by worker {worker_id}: another worker took "
                               f"it over while this one was stalled; nothing more is written for it")

    def claim_tick(self, job: str, tick: int) -> bool:
        """True once for the newest ``tick`` of periodic ``job``; False for a tick already run, or older
        than one that ran (a lagging worker's late defer). One statement, atomic across workers."""
        with self._tx() as s:
            row = s.execute(_CLAIM, {"job": job, "tick": int(tick)}).first()
        return row is not None

    def now(self) -> float:
        """The database server's clock, as a Unix timestamp (every worker agrees on it)."""
        with self._read() as s:
            return float(s.execute(text("SELECT extract(epoch FROM clock_timestamp())")).scalar_one())

    def counts(self) -> dict[str, int]:
        """Jobs by status (``todo``, ``doing``, ``failed``, ...), for the metrics."""
        with self._read() as s:
            rows = s.execute(text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status"))
            return {str(status): int(n) for status, n in rows}
