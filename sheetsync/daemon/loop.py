"""The run loop behind ``sheetsync run``.

One process, one request budget: every job talks to Sheets through the App's one
:class:`~sheetsync.sheets.client.SheetsClient`, whose transport charges the shared quota budget
(:mod:`sheetsync.sheets.budget`), so the sync cycle, planning and the invoice refresh together stay
under Google's per-minute limits. A client whose sync fails is retried with jittered exponential
backoff while the others go on. SIGTERM/SIGINT let the client sync in flight finish its writes (and
record its base), skip the rest, and exit 0; a second signal abandons waits on the quota at once.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import schedule

from ..config import DEFAULT_ACCOUNT
from ..quota import BudgetMetrics
from ..redact import redact
from ..sync.engine import CycleReport, SyncEngine, SyncReport
from .health import DaemonMetrics, HealthServer
from .jobs import JOBS
from .lock import store_lock
from .logs import first_line as _first_line
from .logs import reason as _reason
from .scheduler import add_job, describe, interval_seconds, scheduled_jobs, sync_spec

if TYPE_CHECKING:
    from ..app import App

log = logging.getLogger("sheetsync.daemon")
NOT_SYNCED = "not synced"


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class DaemonSettings:
    worker_id: str = field(default_factory=default_worker_id)
    interval: float | None = None  # sync every N seconds; None: from the config
    once: bool = False  # one sync cycle, then exit
    max_cycles: int | None = None  # stop after this many sync cycles (demo, tests)
    metrics_port: int | None = None  # serve /healthz and /metrics on 127.0.0.1:PORT (0: any free port)
    jobs: bool = True  # also schedule planning, invoices, reminders, metrics
    stall_seconds: float = 60.0  # PostgreSQL scale-out: a silent worker's running job is taken back after this
    backoff_base: float = 5.0  # a failing client waits base * 2^(failures-1) seconds (jittered) ...
    backoff_max: float = 900.0  # ... at most this long
    grace_seconds: float = 30.0  # after SIGTERM, give up waiting on the quota after this long
    seed: int | None = None  # for the backoff jitter (tests)
    unhealthy_after: int = 3  # /healthz fails after this many failed sync cycles in a row


@dataclass
class _Backoff:
    failures: int = 0
    next_at: float = 0.0
    last_error: str = ""


class Daemon:
    """Runs the jobs of one App until stopped. ``run()`` returns the process exit code."""

    def __init__(self, app: App, settings: DaemonSettings | None = None, *,
                 on_cycle: Callable[[int, CycleReport], None] | None = None) -> None:
        self.app = app
        self.settings = settings or DaemonSettings()
        self.on_cycle = on_cycle
        self.metrics = DaemonMetrics()
        self.health: HealthServer | None = None
        self.cycles = 0
        self.backoff: dict[str, _Backoff] = {}
        self._stop = threading.Event()
        self._rng = random.Random(self.settings.seed)
        self._grace: threading.Timer | None = None
        self._due: list[str] = []  # the clients the last cycle set out to sync
        self.scale_out = app.store.backend == "postgresql"  # then each client's sync is a job (daemon/queue.py)
        self.engine = app.engine(actor="daemon", gate=self._gate)
        self._engines: dict[str, SyncEngine] = {}  # the pool's other accounts' engines (engine_for)
        BudgetMetrics(self.metrics.registry, app.sheets.budget)  # sheetsync_quota_*: shared on PostgreSQL

    def _gate(self, slug: str, sync: Callable[[], SyncReport]) -> SyncReport:
        """The engine asks before each client: not while stopping; each client synced is logged as it
        finishes (with when it started and ended)."""
        if self.stopping:
            return SyncReport(client=slug, skipped=True, warnings=[f"{slug}: {NOT_SYNCED}, shutting down"])
        started = time.time()
        r = sync()
        if r.failed:  # the daemon logs it once, with the reason and the retry (after_cycle)
            return r
        log.info("client synced", extra={"client": slug, "worker": self.settings.worker_id, "started": started,
                                          "ended": time.time(), "pulled": r.pulled, "pushed": r.pushed,
                                          "conflicts": r.conflicts, "errors": r.errors, "calls": r.api_calls})
        return r

    # --- stopping -------------------------------------------------------------------------------
    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self, reason: str = "asked to stop") -> None:
        """Finish the client in flight, then exit; quota waits are abandoned after the grace period."""
        if self._stop.is_set():
            self._abandon_waits()
            return
        log.info("stopping: finishing the write in flight", extra={"reason": reason,
                                                                     "worker": self.settings.worker_id})
        self._stop.set()
        self._grace = threading.Timer(self.settings.grace_seconds, self._abandon_waits)
        self._grace.daemon = True
        self._grace.start()

    def _abandon_waits(self) -> None:
        budget = getattr(self.app.sheets, "budget", None)
        if budget is not None and not budget.closed:
            log.warning("abandoning requests still waiting on the quota (nothing unsent is lost: the next run "
                        "sends it)")
            budget.close()

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self.stop(signal.Signals(signum).name)

    # --- running --------------------------------------------------------------------------------
    def run(self) -> int:
        with store_lock(self.app.config.store_url, holder=f"worker {self.settings.worker_id}"):
            return self._run()

    def _run(self) -> int:
        previous = self._install_signals()
        s = self.settings
        try:
            if s.metrics_port is not None:
                stale = 3 * self._interval() + 60
                self.health = HealthServer(self.metrics, port=s.metrics_port, stale_after=stale,
                                           failed_after=s.unhealthy_after, store_check=self.store_problem).start()
                log.info("health and metrics", extra={"url": self.health.url + "/metrics"})
            log.info("daemon started", extra={"worker": s.worker_id, "store": redact(self.app.store.url),
                                              "backend": getattr(self.app.sheets, "backend", "?"),
                                              "scale_out": self.scale_out})
            if self.scale_out:
                from .queue import JobQueue  # here: procrastinate is loaded only for a PostgreSQL store

                return JobQueue(self).run()
            self.sync_cycle()
            if s.once:
                return 0
            scheduler = self.build_scheduler()
            for name, when in describe(scheduler):
                log.info("job scheduled", extra={"job": name, "next_run": when})
            while not self._done():
                scheduler.run_pending()
                idle = scheduler.idle_seconds
                self._stop.wait(min(max(idle if idle is not None else 1.0, 0.05), 1.0))
            return 0
        finally:
            self._shutdown(previous)

    def _done(self) -> bool:
        return self.stopping or (self.settings.max_cycles is not None and self.cycles >= self.settings.max_cycles)

    def _interval(self) -> float:
        return interval_seconds(sync_spec(self.app.config, self.settings.interval))

    def build_scheduler(self) -> schedule.Scheduler:
        sched = schedule.Scheduler()
        cfg = self.app.config
        add_job(sched, sync_spec(cfg, self.settings.interval), self.sync_cycle, name="sync")
        if self.settings.jobs:
            for name, spec in scheduled_jobs(cfg, JOBS).items():
                add_job(sched, spec, partial(self.run_job, name, JOBS[name]), name=name,
                        timezone=cfg.agency.timezone)
        return sched

    def _install_signals(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        return {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}

    def _shutdown(self, previous: dict[int, Any]) -> None:
        if self._grace is not None:
            self._grace.cancel()
        if self.health is not None:
            self.health.stop()
        emu = getattr(self.app.sheets, "emulator", None)
        if emu is not None:
            emu.save()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("daemon stopped", extra={"worker": self.settings.worker_id, "cycles": self.cycles})

    # --- the jobs -------------------------------------------------------------------------------
    def sync_cycle(self) -> CycleReport:
        """One sync cycle over this worker's clients that are not backing off."""
        if self.stopping:
            return CycleReport()
        t0, before = time.monotonic(), self.app.sheets.counts()
        report = CycleReport()
        error: str | None = None
        try:
            mine = [c.slug for c in self.app.store.clients.list(active=True) if c.spreadsheet_id]
            self.metrics.clients_held.set(len(mine))
            now = time.monotonic()
            due = [s for s in mine if self.backoff.get(s, _Backoff()).next_at <= now]
            self._due = due
            if due:
                report = self._cycle_by_account(due)
        except Exception as e:  # noqa: BLE001 - the store or the Drive listing failed: next cycle retries
            error = _reason(e)
            log.debug("the sync cycle failed", exc_info=True)  # the traceback only for whoever asks for it
            self.metrics.errors.labels(client="(cycle)").inc()
        self.after_cycle(report, time.monotonic() - t0, self.app.sheets.counts() - before, error=error)
        return report

    def engine_for(self, account: str | None) -> SyncEngine:
        """The daemon's engine acting as ``account`` (a pool of service accounts: each client is synced
        as its own account, on that account's quota); one per account, each with the daemon's gate."""
        if account in (None, DEFAULT_ACCOUNT):
            return self.engine
        if account not in self._engines:
            self._engines[account] = self.app.engine(actor="daemon", gate=self._gate, account=account)
        return self._engines[account]

    def _cycle_by_account(self, due: list[str]) -> CycleReport:
        if len(self.app.accounts) == 1:
            return self.engine.cycle(due)
        wanted, report = set(due), CycleReport()
        for account, slugs in self.app.clients_by_account().items():
            mine = [s for s in slugs if s in wanted]
            if not mine:
                continue
            engine = self.engine_for(account)
            before = engine.sheets.counts()
            part = engine.cycle(mine)
            if engine is not self.engine:  # the default account's calls are counted by the caller
                self.metrics.record_calls(engine.sheets.counts() - before)
            report.extend(part)
        return report

    def store_problem(self) -> str | None:
        """None when the store answers a trivial query, else why not (for /healthz; no transaction is begun)."""
        try:
            self.app.store.ping()
        except Exception as e:  # noqa: BLE001 - any driver error means unreachable, for a probe
            return _reason(e)
        return None

    def after_cycle(self, report: CycleReport, seconds: float, calls: Any, *, error: str | None = None) -> None:
        self.cycles += 1
        m = self.metrics
        m.cycles.inc()
        m.cycle_seconds.observe(seconds)
        m.record_calls(calls)
        now = time.monotonic()
        synced = failed = 0
        for r in report.clients:
            if r.skipped and any(NOT_SYNCED in w for w in r.warnings):
                continue  # left for the next start: neither success nor failure
            if r.failed:
                failed += 1
                b = self.backoff.setdefault(r.client, _Backoff())
                b.failures += 1
                delay = min(self.settings.backoff_base * 2 ** (b.failures - 1), self.settings.backoff_max)
                delay *= 0.5 + self._rng.random()  # jitter: failing clients do not retry in lockstep
                b.next_at, b.last_error = now + delay, r.failed
                m.errors.labels(client=r.client).inc()
                log.warning("client sync failed: %s; retrying later", _first_line(r.failed),
                            extra={"client": r.client, "failures": b.failures, "retry_in_seconds": round(delay, 1)})
                continue
            if r.client in self.backoff:
                log.info("client recovered", extra={"client": r.client})
                del self.backoff[r.client]
            synced += 1
            m.last_sync.labels(client=r.client).set(time.time())
            if r.conflicts:
                m.conflicts.labels(client=r.client).inc(r.conflicts)
            m.pulled.inc(r.pulled)
            m.pushed.inc(r.pushed)
        total = report.total
        clients = len(report.clients)
        if error is not None:  # nothing was synced: every client this cycle was for counts as failed
            clients = failed = max(len(self._due), 1)
        cycle_failed = error is not None or (failed > 0 and synced == 0)
        if cycle_failed:
            m.failed_cycles_in_a_row += 1
            m.last_failure = error or f"all {failed} client syncs failed"
        elif synced or not self.backoff:  # a cycle with every client still backing off proves nothing
            m.failed_cycles_in_a_row = 0
        m.failing.set(m.failed_cycles_in_a_row)
        m.last_cycle = {"cycle": self.cycles, "ok": not cycle_failed, "seconds": round(seconds, 3),
                        "clients": clients, "synced": synced, "failed": failed, "error": error,
                        "api_calls": calls.calls, "throttled": calls.throttled}
        m.last_cycle_end = time.time()
        fields = {"worker": self.settings.worker_id, **m.last_cycle, "pulled": total.pulled, "pushed": total.pushed,
                  "conflicts": total.conflicts, "failed_in_a_row": m.failed_cycles_in_a_row}
        if error is not None:
            fields.pop("error")
            log.error("sync cycle failed: %s", error, extra=fields)
        elif cycle_failed:
            log.warning("sync cycle: every client failed", extra=fields)
        else:
            log.info("sync cycle", extra=fields)
        if self.on_cycle is not None:
            self.on_cycle(self.cycles, report)

    def run_job(self, name: str, func: Callable[[App], str]) -> str | None:
        """Run one scheduled job; its failure is logged and counted, and the loop goes on."""
        if self.stopping:
            return None
        before = self.app.sheets.counts()
        try:
            summary = func(self.app)
        except Exception as e:  # noqa: BLE001 - one job's failure never stops the daemon
            log.error("job failed: %s", _reason(e), extra={"job": name})
            log.debug("the %s job failed", name, exc_info=True)
            self.metrics.jobs.labels(job=name, outcome="failed").inc()
            return None
        finally:
            self.metrics.record_calls(self.app.sheets.counts() - before)
        self.metrics.jobs.labels(job=name, outcome="ok").inc()
        log.info("job done", extra={"job": name, "summary": summary})
        return summary


