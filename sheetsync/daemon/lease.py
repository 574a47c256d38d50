"""Scale-out on PostgreSQL: several workers split the clients by lease.

Leases live in the store's ``leases`` table (``Lease(name, owner, expires_at)``, taken and renewed
atomically by ``store.sync.acquire_lease``): a worker announces itself with ``worker:<id>`` and
holds ``client:<slug>`` for each client it syncs. Each worker aims at its fair share
(``ceil(clients / live workers)``), renews what it holds from a heartbeat thread, and releases
surplus when a worker joins. A worker that dies stops renewing; once its leases expire the others
take its clients. A client is synced only by the holder of its lease, so never by two at once.

Two workers started with the same ``--worker-id`` would hold the same leases (a lease is owned by
the id): so the membership lease ``worker:<id>`` is owned by this *process* (id, pid, host). A worker
finding its id held by another live process runs under a distinct id (``<id>-<pid>``) and says so;
one finding it held by a dead process of its own host (a restart after a crash) takes it over.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import uuid
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..store import Store

log = logging.getLogger(__name__)

WORKER = "worker:"
CLIENT = "client:"


class LeaseKeeper:
    """One worker's leases: ``claim(slugs)`` returns the clients this worker may sync now."""

    def __init__(self, store: Store, worker_id: str, *, ttl_seconds: float = 300.0) -> None:
        self.store = store
        self.worker_id = worker_id
        self.requested_id = worker_id
        self.ttl = ttl_seconds
        self.host, self.pid, self.nonce = socket.gethostname(), os.getpid(), uuid.uuid4().hex[:8]
        self._joined = False
        self.held: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- membership ---------------------------------------------------------------------------
    def live_workers(self) -> list[str]:
        return sorted(n.removeprefix(WORKER) for n in self.store.sync.live_leases(WORKER))

    @property
    def instance(self) -> str:
        """The owner of the membership lease: this process, not just its id."""
        return f"{self.worker_id} pid {self.pid} on {self.host} #{self.nonce}"

    def join(self) -> None:
        """Take the membership lease ``worker:<id>``; another live process holding it: run under a distinct id."""
        if self._joined:
            return
        for attempt in range(10):
            if attempt:
                self.worker_id = f"{self.requested_id}-{self.pid}" + (f"-{attempt}" if attempt > 1 else "")
            if self.store.sync.acquire_lease(WORKER + self.worker_id, self.instance, self.ttl):
                break
            other = self.store.sync.lease_owner(WORKER + self.worker_id)
            if other and self._dead_here(other):  # our own host, that pid is gone: a restart takes over
                self.store.sync.release_lease(WORKER + self.worker_id, other)
                if self.store.sync.acquire_lease(WORKER + self.worker_id, self.instance, self.ttl):
                    break
        else:  # pragma: no cover - ten live workers under one id
            raise RuntimeError(f"worker id {self.requested_id!r} is in use; give each worker its own --worker-id")
        if self.worker_id != self.requested_id:
            log.warning(f"worker id {self.requested_id} is already used by a live worker; this one runs as "
                        f"{self.worker_id}. Give each worker its own --worker-id",
                        extra={"worker": self.worker_id, "requested": self.requested_id})
        self._joined = True

    def _dead_here(self, owner: str) -> bool:
        head, _, host = owner.rpartition(" #")[0].rpartition(" on ")
        pid = head.rpartition(" pid ")[2]
        if host != self.host or not pid.isdigit() or int(pid) == self.pid:
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def heartbeat(self) -> None:
        """Renew this worker's membership and every client lease it holds; drop any it lost."""
        self.join()
        if not self.store.sync.acquire_lease(WORKER + self.worker_id, self.instance, self.ttl):
            log.warning("another process took this worker's id; the leases of its clients are shared until "
                        "one of them stops", extra={"worker": self.worker_id})
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
            except Exception as e:  # noqa: BLE001 - a database hiccup; the next beat tries again
                from ..redact import redact

                log.error("lease heartbeat failed: %s", redact(f"{type(e).__name__}: {e}").splitlines()[0],
                          extra={"worker": self.worker_id})
                log.debug("the lease heartbeat failed", exc_info=True)

    def stop(self, *, release: bool = True) -> None:
        """Stop the heartbeat and (on a clean exit) hand every lease back at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if release:
            with self._lock:
                for slug in list(self.held):
                    self._release(slug)
            self.store.sync.release_lease(WORKER + self.worker_id, self.instance)
