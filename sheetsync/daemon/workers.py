"""``sheetsync run --workers N``: N worker processes under one parent (PostgreSQL stores only).

Each worker is a plain ``sheetsync run`` process (one procrastinate worker, :mod:`.queue`) named
``<id>-1`` … ``<id>-N``; with ``--metrics-port P`` worker k serves on P + k - 1. The parent only
supervises: SIGTERM/SIGINT is passed to every worker (each finishes its client in flight), a worker
that dies on its own (killed, or crashed with a code other than 0 — done, e.g. ``--once`` — or 1 —
refused, with a line saying why) is started again after a pause (its running job is taken back by
the others meanwhile), and the parent exits with the highest exit code once all have stopped. Under systemd
one unit per worker (docs/operations.md) does the same without this parent.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

log = logging.getLogger("sheetsync.daemon")
RESTART_PAUSE = 5.0  # seconds before a worker that died on its own is started again


def worker_args(argv: Sequence[str], name: str, metrics_port: int | None) -> list[str]:
    """The command line of one worker: this ``sheetsync run``'s own options less ``--workers``, with the
    worker's name and metrics port."""
    out: list[str] = []
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in ("--workers", "--worker-id", "--metrics-port"):
            skip = True
            continue
        if a.startswith(("--workers=", "--worker-id=", "--metrics-port=")):
            continue
        out.append(a)
    out += ["--worker-id", name]
    if metrics_port is not None:
        out += ["--metrics-port", str(metrics_port)]
    return out


class Supervisor:
    """Start N workers, pass signals on, restart one that died on its own; ``run()`` returns the exit code."""

    def __init__(self, argv: Sequence[str], n: int, base_id: str, metrics_port: int | None) -> None:
        self.n = n
        self.names = [f"{base_id}-{k}" for k in range(1, n + 1)]
        ports = [None if metrics_port is None else (0 if metrics_port == 0 else metrics_port + k) for k in range(n)]
        self.commands = {name: [sys.executable, "-c", "from sheetsync.cli import main; main()", "run",
                                *worker_args(argv, name, port)] for name, port in zip(self.names, ports, strict=True)}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._stop = threading.Event()

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for name in self.names:
                self._start(name)
            log.info("workers started", extra={"workers": self.names, "pids": [p.pid for p in self.procs.values()]})
            codes: dict[str, int] = {}
            died_at: dict[str, float] = {}
            while len(codes) < self.n:
                for name, p in self.procs.items():
                    if name in codes or p.poll() is None:
                        continue
                    if self._stop.is_set() or p.returncode in (0, 1):
                        codes[name] = p.returncode  # asked to stop, done (--once), or refused (one line said why)
                    elif name not in died_at:
                        log.error("worker exited on its own; starting it again in %gs", RESTART_PAUSE,
                                  extra={"worker": name, "exit_code": p.returncode})
                        died_at[name] = time.monotonic()
                    elif time.monotonic() - died_at[name] >= RESTART_PAUSE:
                        del died_at[name]
                        self._start(name)
                self._stop.wait(0.2)
            return max(codes.values(), default=0)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for p in self.procs.values():
                if p.poll() is None:
                    p.kill()

    def _start(self, name: str) -> None:
        self.procs[name] = subprocess.Popen(self.commands[name])

    def _on_signal(self, signum: int, _frame: object) -> None:
        first = not self._stop.is_set()
        self._stop.set()
        if first:
            log.info("stopping the workers", extra={"signal": signal.Signals(signum).name})
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signum)
