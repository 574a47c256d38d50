"""The daemon: ``sheetsync run`` — scheduled sync, planning, invoices and reminders in one process.

:class:`~.loop.Daemon` is the run loop; :mod:`.scheduler` turns the config's ``[schedule]`` into
``schedule`` jobs; :mod:`.lock` keeps one daemon per SQLite store; :mod:`.lease` lets several
workers split the clients of a PostgreSQL store; :mod:`.health` serves ``/healthz`` and ``/metrics``.
"""

from .lock import StoreLocked, store_lock
from .loop import Daemon, DaemonSettings

__all__ = ["Daemon", "DaemonSettings", "StoreLocked", "store_lock"]
