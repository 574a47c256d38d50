"""Scale-out on PostgreSQL: several workers split the clients by lease.

Leases live in the store's ``leases`` table (``Lease(name, owner, expires_at)``, taken and renewed
atomically by ``store.sync.acquire_lease``): a worker announces itself with ``worker:<id>`` and
holds ``client:<slug>`` for each client it syncs. Each worker aims at its fair share
(``ceil(clients / live workers)``), renews what it holds from a heartbeat thread, and releases
surplus when a worker joins. A worker that dies stops renewing; once its leases expire the others
take its clients. A client is synced only by the holder of its lease, so never by two at once.
"""

from __future__ import annotations

import logging
import math
import threading
import zlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from ..store.models import Lease, utcnow

log = logging.getLogger(__name__)

WORKER = "worker:"
CLIENT = "client:"


class LeaseKeeper:
    """One worker's leases: ``claim(slugs)`` returns the clients this worker may sync now."""

    def __init__(self, store: Any, worker_id: str, *, ttl_seconds: float = 300.0) -> None:
        self.store = store
        self.worker_id = worker_id
        self.ttl = ttl_seconds
        self.held: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- membership ---------------------------------------------------------------------------
    def live_workers(self) -> list[str]:
        with self.store.session(readonly=True) as s:
            names = s.scalars(select(Lease.name).where(Lease.name.like(WORKER + "%"), Lease.expires_at > utcnow()))
            return sorted(n.removeprefix(WORKER) for n in names)

    def heartbeat(self) -> None:
        """Renew this worker's membership and every client lease it holds; drop any it lost."""
        self.store.sync.acquire_lease(WORKER + self.worker_id, self.worker_id, self.ttl)
        with self._lock:
            for slug in list(self.held):
                if not self.store.sync.acquire_lease(CLIENT + slug, self.worker_id, self.ttl):
                    log.warning("lost the lease on a client", extra={"client": slug, "worker": self.worker_id})
                    self.held.discard(slug)

    # --- claiming -----------------------------------------------------------------------------
    def claim(self, slugs: Iterable[str]) -> list[str]:
        """Renew, release surplus, and take free clients up to this worker's fair share."""
        slugs = sorted(set(slugs))
        self.heartbeat()
        workers = max(1, len(self.live_workers()))
        share = math.ceil(len(slugs) / workers) if slugs else 0
        with self._lock:
            for gone in self.held - set(slugs):
                self._release(gone)
            surplus = sorted(self.held, key=self._rank)[share:] if len(self.held) > share else []
            for slug in surplus:
                self._release(slug)
            for slug in sorted(slugs, key=self._rank):
                if len(self.held) >= share:
                    break
                if slug not in self.held and self.store.sync.acquire_lease(CLIENT + slug, self.worker_id, self.ttl):
                    self.held.add(slug)
            return sorted(self.held)

    def owns(self, slug: str) -> bool:
        with self._lock:
            return slug in self.held

    def _rank(self, slug: str) -> int:
        """A per-worker order over clients, so workers starting together reach for different ones first."""
        return zlib.crc32(f"{self.worker_id}/{slug}".encode())

    def _release(self, slug: str) -> None:
        self.store.sync.release_lease(CLIENT + slug, self.worker_id)
        self.held.discard(slug)

    # --- the heartbeat thread -----------------------------------------------------------------
    def start(self) -> None:
        """Renew leases every ``ttl / 3`` seconds in the background, so a long cycle never loses them."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._beat, name=f"lease-{self.worker_id}", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                self.heartbeat()
            except Exception:  # noqa: BLE001 - a database hiccup; the next beat tries again
                log.exception("lease heartbeat failed", extra={"worker": self.worker_id})

    def stop(self, *, release: bool = True) -> None:
        """Stop the heartbeat and (on a clean exit) hand every lease back at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if release:
            with self._lock:
                for slug in list(self.held):
                    self._release(slug)
            self.store.sync.release_lease(WORKER + self.worker_id, self.worker_id)
