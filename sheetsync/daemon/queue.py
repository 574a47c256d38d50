"""Scale-out on PostgreSQL: the daemon's work as jobs of procrastinate, a job engine on the store's database.

Each ``sheetsync run`` process on a PostgreSQL store is one procrastinate worker (``--workers N``
starts N of them). The work is three kinds of job, in the ``sheetsync`` queue:

* ``sheetsync.tick`` — once per sync interval (a periodic job: procrastinate's unique
  ``(task, periodic id, tick)`` row makes it once per tick whatever the number of workers). It defers
  one ``sheetsync.sync_client`` job per active client (a client failing n times in a row only every
  2^(n-1) ticks). Each carries the *lock* ``client:<slug>``: procrastinate never starts a job while
  another with its lock is running, so no client is ever synced by two workers at once; and the
  *queueing lock* ``sync:<slug>``, so a client whose job still waits gets no second one.
* ``sheetsync.sync_client`` — one client's two-way sync (the engine's own cycle, for that client).
* ``sheetsync.agency_job`` — planning, the invoice refresh, reminders, metrics, stage clock, sharing:
  periodic jobs on the config's ``[schedule]``, once per tick, never two of one kind at once.

Time is the database's: ticks are computed from PostgreSQL's clock (:meth:`JobRepository.now`, read
every ``stall_seconds / 4`` and carried forward on the monotonic clock in between: :class:`DatabaseClock`), a
worker's heartbeat is judged by it (procrastinate's ``procrastinate_workers``), so a worker whose own
clock is wrong changes nothing.

**Take-over and fencing.** Each worker heartbeats every ``stall_seconds / 4``. Every worker checks
about as often for jobs whose worker has been silent for ``stall_seconds`` (killed, frozen, cut off)
and marks them failed; the next tick defers the client again and another worker runs it. The silent
worker may wake up mid-sync: from then on each store transaction it opens checks, inside that
transaction, that its job is still its own, and each Sheets write is preceded by the same check
(:meth:`sheetsync.store.Store.guarded`, :meth:`sheetsync.sheets.client.SheetsClient.guarded`) — so it
writes nothing more for a client it lost. (A Sheets request already on the wire when the worker froze
is delivered: Google offers no conditional write to fence it with. The next sync of that client
compares with the base and settles it, as after any crash.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import logging
import signal
import time
import zoneinfo
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import attr
import croniter
from procrastinate import App as JobApp
from procrastinate import PsycopgConnector
from procrastinate import exceptions as pexc
from procrastinate.jobs import Status
from procrastinate.manager import JobManager
from procrastinate.periodic import PeriodicDeferrer, PeriodicRegistry, PeriodicTask
from procrastinate.worker import Worker

from ..store import JobLostError
from ..sync.engine import CycleReport, Due, SyncReport
from .jobs import JOBS
from .logs import reason
from .scheduler import ScheduleError, every_seconds, interval_seconds, scheduled_jobs, sync_spec

if TYPE_CHECKING:
    from .loop import Daemon

log = logging.getLogger("sheetsync.daemon")

QUEUE = "sheetsync"
SYNC, TICK, AGENCY = "sheetsync.sync_client", "sheetsync.tick", "sheetsync.agency_job"
LOST = "no longer held by worker"  # in JobLostError's message: the sync was fenced off, not failed
_DAYS = {"mon": "mon", "tue": "tue", "wed": "wed", "thu": "thu", "fri": "fri", "sat": "sat", "sun": "sun"}


def cron_of(spec: str) -> str:
    """A ``[schedule]`` spec as a cron line (six fields when it needs seconds, croniter's form).

    ``every N s|m|h`` must divide the minute, hour or day evenly (a cron line repeats on the clock);
    ``daily HH:MM`` and ``<weekday> HH:MM`` are wall-clock times in the agency's zone."""
    spec = spec.strip().lower()
    parts = spec.split()
    seconds = every_seconds(spec)
    if seconds is not None:
        if seconds <= 0:
            raise ScheduleError(f"{spec!r}: expected a positive interval")
        if seconds < 60 and 60 % seconds == 0:
            return f"* * * * * */{seconds}"
        if seconds % 60 == 0 and seconds < 3600 and 60 % (seconds // 60) == 0:
            return f"*/{seconds // 60} * * * *"
        if seconds % 3600 == 0 and 24 % (seconds // 3600) == 0:
            return f"0 */{seconds // 3600} * * *"
        raise ScheduleError(f"{spec!r}: with several workers an interval must divide a minute, an hour or a day "
                            f"evenly (e.g. every 30s, every 5m, every 2h)")
    if len(parts) == 2 and (parts[0] == "daily" or parts[0] in _DAYS):
        h, m = (int(x) for x in parts[1].split(":"))
        return f"{m} {h} * * {'*' if parts[0] == 'daily' else _DAYS[parts[0]]}"
    raise ScheduleError(f'expected "every N s|m|h", "daily HH:MM" or "<weekday> HH:MM", got {spec!r}')


@attr.dataclass(frozen=True)
class _ZonedTask(PeriodicTask):
    """A periodic task whose cron line is read in the agency's time zone (procrastinate reads UTC)."""

    zone: str = "UTC"

    @functools.cached_property
    def croniter(self) -> croniter.croniter:
        return croniter.croniter(self.cron, dt.datetime.now(zoneinfo.ZoneInfo(self.zone)))


class _FencedJobManager(JobManager):
    """procrastinate's job manager, except that acknowledging a job that was taken over is not an error.

    A worker that stalled finishes its job after another worker marked it failed (and the client's
    next job went elsewhere): procrastinate's ``finish_job`` refuses, since the job is no longer
    ``doing``. That refusal is the fence working; it is logged, not raised into the worker loop."""

    async def finish_job(self, job: Any, status: Any, delete_job: bool) -> None:
        try:
            await super().finish_job(job=job, status=status, delete_job=delete_job)
        except pexc.ConnectorException as e:
            if "not found or not in" not in str(e):
                raise
            log.warning("a job this worker had lost was finished elsewhere; nothing acknowledged",
                        extra={"job": job.id, "task": job.task_name})

    async def retry_job(self, job: Any, retry_at: Any = None, priority: Any = None, queue: Any = None,
                        lock: Any = None) -> None:
        try:
            await super().retry_job(job=job, retry_at=retry_at, priority=priority, queue=queue, lock=lock)
        except pexc.ConnectorException as e:
            if "not found or" not in str(e):
                raise
            log.warning("a job this worker had lost was retried elsewhere", extra={"job": job.id})


class DatabaseClock:
    """The database's clock without a statement per look.

    The deferral loop looks every half second; asking PostgreSQL each time was most of a worker's idle
    statements. One reading is carried forward on this process's monotonic clock (which a skewed or
    stepped wall clock does not move) and taken again every ``refresh`` seconds."""

    def __init__(self, read: Callable[[], float], refresh: float) -> None:
        self._read, self.refresh = read, refresh
        self._last: tuple[float, float] | None = None  # (database time, monotonic time) of the last reading
        self.readings = 0

    async def now(self) -> float:
        mono = time.monotonic()
        if self._last is None or mono - self._last[1] >= self.refresh:
            db = await asyncio.to_thread(self._read)
            mono = time.monotonic()
            self._last, self.readings = (db, mono), self.readings + 1
        return self._last[0] + (mono - self._last[1])


class JobQueue:
    """One worker process: procrastinate's worker, the periodic deferral on the database's clock, and
    the take-over of silent workers' jobs."""

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self.app = daemon.app
        self.store = daemon.app.store
        s = daemon.settings
        self.stall = s.stall_seconds
        self.jobs = JobApp(connector=PsycopgConnector(conninfo=self.store.dsn(), min_size=1, max_size=3))
        self.jobs.job_manager = _FencedJobManager(connector=self.jobs.connector)
        self.sync_task = self.jobs.task(name=SYNC, queue=QUEUE, pass_context=True)(self._sync_client)
        self.tick_task = self.jobs.task(name=TICK, queue=QUEUE, pass_context=True)(self._tick)
        self.agency_task = self.jobs.task(name=AGENCY, queue=QUEUE, pass_context=True)(self._agency_job)
        self.registry = PeriodicRegistry()
        interval_spec = sync_spec(self.app.config, s.interval)
        self.every = max(1.0, interval_seconds(interval_spec))  # seconds between ticks (the backoff counts ticks)
        self._periodic(self.tick_task, cron_of(interval_spec), "sync", {"queueing_lock": "tick"}, "UTC")
        if s.jobs:
            for name, spec in scheduled_jobs(self.app.config, JOBS).items():
                self._periodic(self.agency_task, cron_of(spec), name,
                               {"lock": f"agency:{name}", "task_kwargs": {"name": name}},
                               self.app.config.agency.timezone)
        self.deferrer = PeriodicDeferrer(self.registry, max_delay=600)
        self.clock = DatabaseClock(self.store.jobs.now, refresh=beat(self.stall))
        self.worker: Worker | None = None
        self.synced = 0  # client syncs this worker ran (tests, --once)

    def _periodic(self, task: Any, cron: str, periodic_id: str, kwargs: dict[str, Any], zone: str) -> None:
        self.registry.periodic_tasks[(task.name, periodic_id)] = _ZonedTask(
            task=task, cron=cron, periodic_id=periodic_id, configure_kwargs=kwargs, zone=zone)  # type: ignore[arg-type]

    # --- running ----------------------------------------------------------------------------------
    def run(self) -> int:
        return asyncio.run(self._main())

    async def _main(self) -> int:
        s = self.daemon.settings
        async with self.jobs.open_async():
            self.worker = Worker(self.jobs, queues=[QUEUE], name=s.worker_id, concurrency=1, wait=not s.once,
                                 install_signal_handlers=False, update_heartbeat_interval=beat(self.stall),
                                 stalled_worker_timeout=self.stall, shutdown_graceful_timeout=s.grace_seconds,
                                 fetch_job_polling_interval=1.0, delete_jobs="successful")
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self._on_signal, sig)
            if s.once:
                await self._defer_syncs(tick=0)
            side = None if s.once else asyncio.create_task(self._defer_loop(), name="sheetsync deferrer")
            try:
                await self.worker.run()
            finally:
                if side is not None:
                    side.cancel()
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(sig)
        return 0

    def _on_signal(self, signum: int) -> None:
        self.daemon.stop(signal.Signals(signum).name)
        if self.worker is not None:
            self.worker.stop()

    async def _defer_loop(self) -> None:
        """Defer each periodic job due by the database's clock (once per tick across workers: the
        database refuses a second row for the same tick), and take back silent workers' jobs."""
        checked = 0.0
        while not self.daemon.stopping:
            try:
                now = await self.clock.now()
                await self.deferrer.defer_jobs(self.deferrer.get_previous_tasks(at=now))
                # fresh for /healthz: this worker's loop runs and the queue answers (its jobs may be few:
                # an unchanged client costs none)
                self.daemon.metrics.last_cycle_end = time.time()
                if now - checked >= beat(self.stall):
                    checked = now
                    await self._take_back()
                    counts = await asyncio.to_thread(self.store.jobs.counts)
                    for status in ("todo", "doing", "failed"):
                        self.daemon.metrics.queue.labels(status=status).set(counts.get(status, 0))
            except Exception as e:  # noqa: BLE001 - the database hiccuped: the next turn tries again
                log.error("deferring the periodic jobs failed: %s", reason(e), extra={"worker": self.worker_id})
            await asyncio.sleep(0.5)

    async def _take_back(self) -> None:
        """Mark failed the running jobs of workers silent for ``stall`` seconds (database time): their
        clients' next jobs may then start elsewhere, and the silent worker is fenced off."""
        manager = self.jobs.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=self.stall):
            if job.id is None:
                continue
            try:
                await manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)
            except pexc.ConnectorException:
                continue  # another worker took it back first
            self.daemon.metrics.takeovers.inc()
            log.warning("took back a job from a silent worker", extra={
                "worker": self.worker_id, "job": job.id, "task": job.task_name,
                "client": job.task_kwargs.get("slug"), "silent_for_s": self.stall})

    @property
    def worker_id(self) -> str:
        return self.daemon.settings.worker_id

    # --- the jobs ---------------------------------------------------------------------------------
    async def _tick(self, context: Any, timestamp: int) -> str:
        if not await asyncio.to_thread(self.store.jobs.claim_tick, TICK, timestamp):
            return "tick already run"  # a lagging worker deferred an old tick again
        return await self._defer_syncs(tick=timestamp)

    async def _defer_syncs(self, tick: int) -> str:
        """One Drive listing for every client, then one sync job per client whose sheet or store changed
        (a failing client less often): an unchanged client costs no job and no Sheets call."""
        t0, before = time.monotonic(), self.app.sheets.counts()
        items, streaks = await asyncio.to_thread(self._due)
        index = int(tick // self.every)
        cap = max(1, int(self.daemon.settings.backoff_max // self.every))
        deferred = waiting = backing_off = 0
        unchanged: list[SyncReport] = []
        for item in items:
            if isinstance(item, SyncReport):
                unchanged.append(item)
                continue
            n = streaks.get(item.client, 0)
            if n and index % min(2 ** (n - 1), cap):
                backing_off += 1
                continue
            try:
                await self.sync_task.configure(lock=f"client:{item.client}",
                                               queueing_lock=f"sync:{item.client}").defer_async(
                    slug=item.client, due=dataclasses.asdict(item))
                deferred += 1
            except pexc.AlreadyEnqueued:
                waiting += 1  # the waiting job syncs it; what it records is older, so the next tick looks again
        # the clients that need nothing, and those Drive no longer shows us, count as this worker's cycle
        self.daemon.after_cycle(CycleReport(clients=unchanged), time.monotonic() - t0,
                                self.app.sheets.counts() - before, error=None)
        summary = f"{deferred} client syncs deferred, {waiting} still waiting, {backing_off} backing off"
        log.info("sync tick", extra={"worker": self.worker_id, "deferred": deferred, "waiting": waiting,
                                     "backing_off": backing_off, "unchanged": len(unchanged), "tick": tick})
        return summary

    def _due(self) -> tuple[list[SyncReport | Due], dict[str, int]]:
        return self.daemon.engine.due(), self.store.sync.failure_streaks()

    def _sync_client(self, context: Any, slug: str, due: dict[str, Any] | None = None) -> str:
        """One client's sync, fenced: every write checks first that this job is still this worker's."""
        d = self.daemon
        if d.stopping:
            return "not synced: shutting down"  # the next tick defers the client again
        assert self.worker is not None and self.worker.worker_id is not None
        job, worker = int(context.job.id), int(self.worker.worker_id)

        headers = {"X-Sheetsync-Worker": self.worker_id, "X-Sheetsync-Job": str(job)}
        account = self.app.account_of(slug)  # a pool of accounts: the client's own account and quota
        engine, sheets = d.engine_for(account), self.app.sheets_for(account)
        t0, before = time.monotonic(), sheets.counts()
        report: CycleReport | None = None
        try:
            with fenced(self.store, sheets, job, worker, headers):
                if due is None:
                    report = engine.cycle([slug])
                else:
                    report = CycleReport(clients=[engine.run_due(Due(**due))])
        except JobLostError:
            report = None
        if report is None or any(r.failed and LOST in r.failed for r in report.clients):
            d.metrics.fenced.inc()
            log.warning("this worker stalled and another took the client over: nothing more written for it",
                        extra={"worker": self.worker_id, "client": slug, "job": job})
            return "lost to another worker"
        d.after_cycle(report, time.monotonic() - t0, sheets.counts() - before, error=None)
        self.synced += 1
        r = report.clients[0] if report.clients else None
        outcome = "unchanged" if r is None or r.skipped else ("failed" if r.failed else "synced")
        log.info("sync job", extra={"worker": self.worker_id, "client": slug, "job": job, "outcome": outcome,
                                    "seconds": round(time.monotonic() - t0, 3)})
        return outcome

    def _agency_job(self, context: Any, timestamp: int, name: str) -> str:
        if not self.store.jobs.claim_tick(f"{AGENCY}:{name}", timestamp):
            log.info("agency job tick already run", extra={"worker": self.worker_id, "job": name, "tick": timestamp})
            return "tick already run"
        log.info("agency job", extra={"worker": self.worker_id, "job": name, "tick": timestamp})
        summary = self.daemon.run_job(name, JOBS[name])
        return summary or "skipped"


def beat(stall: float) -> float:
    """How often a worker heartbeats, and looks for silent workers: four times per stall limit."""
    return max(0.5, stall / 4)


def fenced(store: Any, sheets: Any, job: int, worker: int, headers: dict[str, str]) -> ExitStack:
    """The fence for one job's sync: each store commit and each Sheets write first checks that ``job``
    still runs on ``worker`` (:meth:`JobRepository.check`), and every request carries ``headers``."""
    stack = ExitStack()
    stack.enter_context(store.guarded(lambda s: store.jobs.check(job, worker, session=s)))
    stack.enter_context(sheets.guarded(lambda: store.jobs.check(job, worker), headers=headers))
    return stack


class ClientHold:
    """``sheetsync sync`` on a PostgreSQL store: hold each client's job lock, as a worker's job would.

    For each client a ``sheetsync.sync_client`` job is deferred in a queue of this process's own and
    fetched at once: procrastinate hands it over only if no worker's job holds ``client:<slug>`` — so
    the command syncs only clients no worker is syncing, and no worker starts one it holds. The
    command registers as a procrastinate worker and heartbeats, so if it dies its holds are taken back
    like any worker's. ``with ClientHold(app, slugs) as hold:`` → ``hold.got`` (sync these, inside
    ``hold.fenced(slug)``) and ``hold.left`` (a worker is syncing them).
    """

    def __init__(self, store: Any, slugs: list[str], *, stall_seconds: float = 60.0) -> None:
        import threading
        import uuid

        self.store = store
        self.slugs = slugs
        self.stall = stall_seconds
        self.queue = f"sheetsync-cli-{uuid.uuid4().hex[:12]}"
        self.jobs = JobApp(connector=PsycopgConnector(conninfo=store.dsn(), min_size=1, max_size=2))
        self.jobs.job_manager = _FencedJobManager(connector=self.jobs.connector)
        self.task = self.jobs.task(name=SYNC, queue=self.queue)(lambda slug: None)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="sheetsync-hold", daemon=True)
        self.got: dict[str, int] = {}  # slug -> job id
        self.left: list[str] = []
        self.worker_id: int | None = None
        self._beat: Any = None

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def __enter__(self) -> ClientHold:
        self.thread.start()
        self._run(self.jobs.open_async().__aenter__())
        self._run(self._take())
        return self

    async def _take(self) -> None:
        manager = self.jobs.job_manager
        self.worker_id = await manager.register_worker()
        self._beat = asyncio.ensure_future(self._heartbeat())
        ids: dict[int, str] = {}
        for slug in self.slugs:
            ids[await self.task.configure(lock=f"client:{slug}").defer_async(slug=slug)] = slug
        while True:
            fetched = await manager.fetch_job(queues=[self.queue], worker_id=self.worker_id)
            if fetched is None or fetched.id is None:
                break
            self.got[ids[fetched.id]] = int(fetched.id)
        for job_id, slug in ids.items():
            if slug not in self.got:
                self.left.append(slug)
                await manager.cancel_job_by_id_async(job_id, delete_job=True)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(beat(self.stall))
            await self.jobs.job_manager.update_heartbeat(self.worker_id)  # type: ignore[arg-type]

    def fenced(self, slug: str, sheets: Any) -> ExitStack:
        """The guards for one held client's sync (store transactions and Sheets writes)."""
        job = self.got[slug]
        return fenced(self.store, sheets, job, int(self.worker_id or 0), {"X-Sheetsync-Job": str(job)})

    def __exit__(self, *exc: object) -> None:
        async def release() -> None:
            if self._beat is not None:
                self._beat.cancel()
            for job in self.got.values():
                try:
                    await self.jobs.job_manager.finish_job_by_id_async(job, status=Status.SUCCEEDED, delete_job=True)
                except pexc.ConnectorException:  # taken back while this process stalled: nothing to hand back
                    log.warning("a client's hold was taken back while this sync stalled", extra={"job": job})
            if self.worker_id is not None:
                await self.jobs.job_manager.unregister_worker(self.worker_id)
            await self.jobs.connector.close_async()

        try:
            self._run(release())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)
