"""The daemon: ``sheetsync run`` — scheduled sync, planning, invoices and reminders in one process.

:class:`~.loop.Daemon` is the run loop; :mod:`.scheduler` turns the config's ``[schedule]`` into
``schedule`` jobs; :mod:`.lock` keeps one daemon per SQLite store; on a PostgreSQL store :mod:`.queue`
runs each client's sync as a job of procrastinate, so several workers share the clients (and
:mod:`.workers` starts N of them); :mod:`.health` serves ``/healthz`` and ``/metrics``.
"""

from .lock import StoreLocked, store_lock
from .loop import Daemon, DaemonSettings

__all__ = ["Daemon", "DaemonSettings", "StoreLocked", "store_lock"]
