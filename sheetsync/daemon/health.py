"""``/healthz`` and Prometheus ``/metrics`` on a loopback port.

The metrics live in a registry of their own (not the process-global one), so tests and embedders
can run several daemons in one process. ``/healthz`` answers 200 while cycles keep finishing (the last
one ended less than ``stale_after`` seconds ago), fewer than ``failed_after`` cycles in a row failed, and
the store answers; 503 otherwise, with a JSON body whose ``problems`` say why (docs/operations.md).
"""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)


class DaemonMetrics:
    """What the daemon reports; fed by the loop after each cycle."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.cycle_seconds = Histogram("sheetsync_cycle_duration_seconds", "Duration of one sync cycle",
                                       buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300), registry=r)
        self.cycles = Counter("sheetsync_cycles", "Sync cycles run", registry=r)
        self.api_calls = Counter("sheetsync_api_calls", "Sheets/Drive API calls by method", ["method"], registry=r)
        self.throttled = Counter("sheetsync_api_throttled", "API answers with HTTP 429", registry=r)
        self.api_errors = Counter("sheetsync_api_errors", "API answers >= 400 and lost responses", registry=r)
        self.conflicts = Counter("sheetsync_conflicts", "Fields changed on both sides", ["client"], registry=r)
        self.errors = Counter("sheetsync_errors", "Client syncs or jobs that failed", ["client"], registry=r)
        self.pulled = Counter("sheetsync_rows_pulled", "Changes taken from sheets into the store", registry=r)
        self.pushed = Counter("sheetsync_rows_pushed", "Changes written from the store to sheets", registry=r)
        self.last_sync = Gauge("sheetsync_last_successful_sync_timestamp_seconds",
                               "Unix time of each client's last successful sync", ["client"], registry=r)
        self.clients_held = Gauge("sheetsync_clients_held", "Clients this worker syncs", registry=r)
        self.jobs = Counter("sheetsync_jobs", "Scheduled jobs run, by job and outcome", ["job", "outcome"],
                            registry=r)
        self.queue = Gauge("sheetsync_job_queue", "Jobs in the engine's queue by status (PostgreSQL scale-out; "
                           "every worker reports the same shared numbers)", ["status"], registry=r)
        self.takeovers = Counter("sheetsync_jobs_taken_back", "Running jobs this worker took back from a worker "
                                 "silent past the stall limit (PostgreSQL scale-out)", registry=r)
        self.fenced = Counter("sheetsync_syncs_fenced", "Client syncs this worker stopped writing because another "
                              "worker had taken the client over while it stalled", registry=r)
        self.failing = Gauge("sheetsync_failed_cycles_in_a_row", "Sync cycles that failed since the last good one",
                             registry=r)
        self.started = time.time()
        self.last_cycle_end: float | None = None
        self.last_cycle: dict[str, Any] = {}
        self.failed_cycles_in_a_row = 0  # a cycle fails when it raised or every client it tried failed
        self.last_failure: str | None = None

    def record_calls(self, delta: Any) -> None:
        """Add a ``CallCounts`` difference (one cycle's traffic)."""
        for method, n in delta.by_method.items():
            if n > 0:
                self.api_calls.labels(method=method).inc(n)
        if delta.throttled > 0:
            self.throttled.inc(delta.throttled)
        if delta.errors > 0:
            self.api_errors.inc(delta.errors)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class HealthServer:
    """A tiny HTTP server (its own thread) for ``/healthz`` and ``/metrics``."""

    def __init__(self, metrics: DaemonMetrics, *, port: int = 0, host: str = "127.0.0.1",
                 stale_after: float = 300.0, failed_after: int = 3,
                 store_check: Callable[[], str | None] | None = None) -> None:
        self.metrics = metrics
        self.stale_after = stale_after
        self.failed_after = failed_after  # this many failed cycles in a row make the daemon unhealthy
        self.store_check = store_check  # None when the store answers, else why not
        self.store_timeout = 5.0  # a store that does not answer in time is unreachable, for /healthz
        self._checks = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sheetsync-health")
        self._check: concurrent.futures.Future[str | None] | None = None
        self._check_lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, port), self._handler())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="sheetsync-health", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._checks.shutdown(wait=False, cancel_futures=True)

    def store_problem(self) -> str | None:
        """The store check, bounded in time (a server that drops packets must not hang /healthz); one at a time."""
        if self.store_check is None:
            return None
        with self._check_lock:
            if self._check is None or self._check.done():
                self._check = self._checks.submit(self.store_check)
            check = self._check
        try:
            return check.result(timeout=self.store_timeout)
        except concurrent.futures.TimeoutError:
            return f"no answer within {self.store_timeout:g} s"

    def health(self) -> tuple[int, dict[str, Any]]:
        m = self.metrics
        now = time.time()
        last = m.last_cycle_end
        problems: list[str] = []
        # healthy while starting up, or while cycles keep finishing
        fresh = (now - m.started < self.stale_after) if last is None else (now - last < self.stale_after)
        if not fresh:
            problems.append(f"no sync cycle has finished for {self.stale_after:g} s")
        if m.failed_cycles_in_a_row >= self.failed_after:
            problems.append(f"the last {m.failed_cycles_in_a_row} sync cycles failed (last: {m.last_failure})")
        store = self.store_problem()
        if store is not None:
            problems.append(f"the store is unreachable: {store}")
        status = "ok" if not problems else ("stale" if not fresh else "failing")
        body = {"status": status, "problems": problems, "uptime_seconds": round(now - m.started, 1),
                "last_cycle_end": last, "seconds_since_last_cycle": None if last is None else round(now - last, 1),
                "failed_cycles_in_a_row": m.failed_cycles_in_a_row, "unhealthy_after_failed_cycles": self.failed_after,
                "store": "ok" if store is None else "unreachable", "last_cycle": m.last_cycle}
        return (200 if not problems else 503), body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                if path == "/healthz":
                    code, body = server.health()
                    data, ctype = json.dumps(body, default=str).encode(), "application/json"
                elif path == "/metrics":
                    code, data, ctype = 200, server.metrics.exposition(), CONTENT_TYPE_LATEST
                else:
                    code, data, ctype = 404, b"not found: try /healthz or /metrics\n", "text/plain"
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
