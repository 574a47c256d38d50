"""One quota budget for all workers: the glue between the store's shared ledger and the transport's budget.

    budget = budget_for(store, backend)          # None: keep connect()'s per-process budget
    sheets = connect(backend, budget=budget)
    BudgetMetrics(registry, sheets.budget)       # sheetsync_quota_* on a prometheus_client registry

On a PostgreSQL store every worker process takes its Sheets/Drive requests from the same windows in the
database (``store.quota``, one statement per request, the database's clock decides), so N workers on one
service account together stay inside Google's 60 requests/min/user and the project's limit, and one
worker's 429 holds them all. On SQLite (one process per store) nothing changes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .sheets.budget import KINDS, Budget, QuotaSettings
from .sheets.client import Backend, credentials_source, inspect_credentials
from .sheets.errors import SheetsError

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)


def quota_settings(backend: Backend) -> QuotaSettings | None:
    """The limits a shared budget enforces for ``backend``, or None when it should have none.

    Google: the backend's ``quota`` or Google's defaults. The emulator: only a ``quota`` given
    explicitly (``connect`` otherwise leaves a served emulator's quotas to the server and mirrors an
    embedded one's, which is per process anyway)."""
    quota = backend.quota if backend.quota is not None else (QuotaSettings() if backend.kind == "google" else None)
    return quota if quota is not None and quota.enabled else None


def project_key(backend: Backend) -> str:
    """The name under which workers on one Google Cloud project (or one emulator) share a project window:
    the same for every worker with the same config. Google: the credentials file's ``project_id``."""
    if backend.kind != "google":
        return f"emulator:{backend.url or backend.emulator_path or 'memory'}"
    path, where = credentials_source(backend.credentials_file)
    if path:
        try:
            project = inspect_credentials(path, where).project_id
        except SheetsError:  # connect() says what is wrong with the file; the budget need not
            project = None
        if project:
            return f"google:{project}"
    return "google:default"


def budget_for(store: Store, backend: Backend, *, project: str | None = None, poll: float = 5.0) -> Budget | None:
    """A budget shared by every worker process on ``store`` when it is PostgreSQL and ``backend`` has
    quotas (see :func:`quota_settings`); else None, and ``connect(backend, budget=None)`` keeps today's
    per-process budget. ``project``: the shared project window's name (default :func:`project_key`)."""
    if not store.quota.shared:
        return None
    quota = quota_settings(backend)
    if quota is None:
        return None
    return Budget(quota, ledger=store.quota, project=project or project_key(backend), poll=poll)


class BudgetMetrics(Collector):
    """The budget on a prometheus_client registry, read at each scrape:

    * ``sheetsync_quota_requests_total{kind}`` — requests this process took from the budget;
    * ``sheetsync_quota_wait_seconds_total`` — seconds this process's requests waited for room;
    * ``sheetsync_quota_pauses_total{kind}`` — this process's 429 holds (shared with every worker);
    * ``sheetsync_quota_window_requests{scope,kind}`` — requests in the current window, over all the
      workers when the budget is shared (one query of the ledger per scrape);
    * ``sheetsync_quota_limit{level,kind}`` — the per-minute limits (level ``user`` or ``project``);
    * ``sheetsync_quota_shared`` — 1 when the budget is shared through the store, else 0.
    """

    def __init__(self, registry: CollectorRegistry, budget: Budget | None) -> None:
        self.budget = budget
        registry.register(self)

    def describe(self) -> Iterator[Metric]:
        """The families without values: registering does not query the ledger."""
        return iter(self._families())

    def _families(self) -> tuple[CounterMetricFamily, CounterMetricFamily, CounterMetricFamily, GaugeMetricFamily,
                                 GaugeMetricFamily, GaugeMetricFamily]:
        return (
            CounterMetricFamily("sheetsync_quota_requests", "Sheets/Drive requests taken from the quota budget "
                                "by this process", labels=["kind"]),
            CounterMetricFamily("sheetsync_quota_wait_seconds", "Seconds this process's requests waited for "
                                "room in the quota budget"),
            CounterMetricFamily("sheetsync_quota_pauses", "429 answers that paused every job's requests of a "
                                "kind (every worker's, when shared)", labels=["kind"]),
            GaugeMetricFamily("sheetsync_quota_window_requests", "Requests in the current quota window (all "
                              "workers when shared)", labels=["scope", "kind"]),
            GaugeMetricFamily("sheetsync_quota_limit", "Requests allowed per quota window",
                              labels=["level", "kind"]),
            GaugeMetricFamily("sheetsync_quota_shared", "1 when the quota budget is shared by all workers "
                              "through the store"),
        )

    def collect(self) -> Iterator[Metric]:
        requests, waited, pauses, window, limit, shared = self._families()
        b = self.budget
        if b is not None:
            for kind in KINDS:
                requests.add_metric([kind], b.taken.get(kind, 0))
                pauses.add_metric([kind], b.pauses.get(kind, 0))
                per_user, per_project = b.settings.limits(kind)
                limit.add_metric(["user", kind], per_user)
                limit.add_metric(["project", kind], per_project)
            waited.add_metric([], b.waited)
            try:
                usage = b.usage() if b.settings.enabled else {}
            except Exception as e:  # noqa: BLE001 - a scrape must not fail because the ledger did not answer
                log.warning("quota metrics: the shared ledger did not answer: %s", e)
                usage = {}
            for (scope, kind), n in sorted(usage.items()):
                window.add_metric([scope, kind], n)
        shared.add_metric([], 1 if b is not None and b.shared else 0)
        yield from (requests, waited, pauses, window, limit, shared)
