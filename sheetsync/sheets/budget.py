"""One request budget shared by every job, so steady state never trips Google's per-minute quotas.

Google counts Sheets reads and writes separately, per user (60/min) and per project (300/min).
A plain token bucket of capacity N refilling N/min lets up to 2N through in some 60-second window
(full bucket + refill) and would trip a sliding quota, so each bucket here is the strict form: a
sliding window that never admits more than ``limit`` requests in any ``window`` seconds. A request
must fit both its user's and the project's window; both are charged atomically.

A budget is per process, unless it is given a ``ledger`` (:class:`QuotaLedgerPort`): then every
request is taken from the ledger, which all the worker processes on one PostgreSQL store share
(``store.quota``; :func:`sheetsync.quota.budget_for` builds such a budget), so N workers together stay
inside one service account's quota. The ledger's database clock decides, never the workers' clocks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .errors import QuotaExhausted, TransientError

log = logging.getLogger(__name__)

KINDS = ("read", "write", "drive")


class QuotaLedgerPort(Protocol):
    """Windows shared by several processes (``sheetsync.store.quota.QuotaLedger`` on PostgreSQL)."""

    def take(self, scope: str, kind: str, limit: int, window: float, project_scope: str,
             project_limit: int) -> float:
        """One request from both ``scope``'s and ``project_scope``'s window, or neither: 0.0 when taken,
        else the seconds until both have room (and any pause is over)."""
        ...

    def pause(self, scope: str, kind: str, seconds: float) -> None:
        """Hold every process's ``kind`` requests in ``scope`` for ``seconds``."""
        ...

    def usage(self, window: float) -> dict[tuple[str, str], int]:
        """{(scope, kind): requests taken in the last ``window`` seconds} over all processes."""
        ...


@dataclass(frozen=True)
class QuotaSettings:
    """Per-minute limits. Defaults are Google's default Sheets quotas; Drive's are far higher."""

    read_per_user: int = 60
    read_per_project: int = 300
    write_per_user: int = 60
    write_per_project: int = 300
    drive_per_user: int = 12_000
    drive_per_project: int = 12_000
    # a little over a minute, so latency jitter between us and Google cannot squeeze N+1 into its minute
    window_seconds: float = 61.0
    enabled: bool = True

    def limits(self, kind: str) -> tuple[int, int]:
        """(per user, per project) for ``kind``."""
        if kind not in KINDS:
            raise ValueError(f"unknown quota kind {kind!r}; expected one of {', '.join(KINDS)}")
        return getattr(self, f"{kind}_per_user"), getattr(self, f"{kind}_per_project")

    def problems(self) -> list[str]:
        """What is wrong with these settings, for people (empty when fine)."""
        out = []
        for kind in KINDS:
            user, project = self.limits(kind)
            if user <= 0 or project <= 0:
                out.append(f"{kind} limits must be positive (per user {user}, per project {project})")
            elif user > project:
                out.append(f"{kind}_per_user ({user}) is above {kind}_per_project ({project}); "
                           f"the project limit will bind first")
        if self.window_seconds < 60:
            out.append(f"window_seconds ({self.window_seconds}) is shorter than Google's one-minute quota window")
        return out


class _Window:
    __slots__ = ("limit", "stamps")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.stamps: deque[float] = deque()

    def wait(self, now: float, window: float) -> float:
        while self.stamps and self.stamps[0] <= now - window:
            self.stamps.popleft()
        if len(self.stamps) < self.limit:
            return 0.0
        return self.stamps[len(self.stamps) - self.limit] + window - now


class Budget:
    """Thread-safe quota budget. ``clock``/``sleep`` are injectable so tests run on a fake clock.

    ``ledger``: take every request from these shared windows instead of this process's own (one ledger
    statement per request; the wait is the ledger's answer, and a 429's pause is shared too).
    ``project``: the project's name in the ledger (every worker on one service account must give the
    same). ``poll``: the longest one sleep lasts before a waiter asks the ledger again.
    """

    def __init__(self, settings: QuotaSettings | None = None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] | None = None, ledger: QuotaLedgerPort | None = None,
                 project: str = "default", poll: float = 5.0) -> None:
        if poll <= 0:
            raise ValueError(f"poll must be positive, not {poll}")
        self.settings = settings or QuotaSettings()
        self.clock = clock
        self.ledger = ledger
        self.project = project
        self.poll = poll
        self._closed = threading.Event()
        # the default sleep wakes up early on close(), so a daemon told to stop never waits out a minute
        self.sleep: Callable[[float], None] = sleep or self._closed.wait  # type: ignore[assignment]
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], _Window] = {}
        self._paused_until: dict[str, float] = {}
        self._streak: dict[str, int] = {}  # consecutive 429s per kind, for throttled()
        self.waited = 0.0  # total seconds callers spent blocked here
        self.taken: dict[str, int] = dict.fromkeys(KINDS, 0)  # requests let through, per kind (this process)
        self.pauses: dict[str, int] = dict.fromkeys(KINDS, 0)  # 429 holds, per kind (this process's)

    @property
    def shared(self) -> bool:
        """Whether the windows are a ledger shared with other processes."""
        return self.ledger is not None

    @property
    def project_scope(self) -> str:
        """The project's scope: ``project`` locally, ``project:<name>`` in a shared ledger."""
        return "project" if self.ledger is None else "project:" + self.project

    @staticmethod
    def user_scope(user: str) -> str:
        return "user:" + user.lower()

    def _window(self, scope: str, kind: str, limit: int) -> _Window:
        w = self._windows.get((scope, kind))
        if w is None:
            w = self._windows[(scope, kind)] = _Window(limit)
        return w

    def try_acquire(self, user: str, kind: str) -> float:
        """Take one request if it fits now (returns 0.0); otherwise take nothing and return seconds to wait.

        With a ledger that cannot be asked (the store is down): :class:`TransientError`, nothing taken."""
        if not self.settings.enabled:
            return 0.0
        per_user, per_project = self.settings.limits(kind)
        window = self.settings.window_seconds
        if self.ledger is not None:
            # this process's own pause too: it holds even when telling the ledger about a 429 failed
            paused = self._paused_until.get(kind, 0.0) - self.clock()
            if paused > 0:
                return paused
            try:
                wait = self.ledger.take(self.user_scope(user), kind, per_user, window, self.project_scope,
                                        per_project)
            except Exception as e:  # noqa: BLE001 - whatever the ledger raised: nothing is sent unaccounted
                raise TransientError(f"not sending a {kind} request: the shared request budget could not be "
                                     f"asked ({e})", hint="nothing was sent; the next run does it") from e
            if wait > 0:
                return wait
            with self._lock:
                self.taken[kind] += 1
            return 0.0
        with self._lock:
            now = self.clock()
            u = self._window(self.user_scope(user), kind, per_user)
            p = self._window(self.project_scope, kind, per_project)
            wait = max(u.wait(now, window), p.wait(now, window), self._paused_until.get(kind, 0.0) - now)
            if wait > 0:
                return wait
            u.stamps.append(now)
            p.stamps.append(now)
            self.taken[kind] += 1
            return 0.0

    def acquire(self, user: str, kind: str, *, max_wait: float | None = None) -> float:
        """Block until one request fits; return the seconds waited.

        Raises :class:`QuotaExhausted` instead of waiting longer than ``max_wait`` in total.
        """
        waited = 0.0
        while True:
            if self._closed.is_set():
                raise TransientError(f"not sending a {kind} request: the request budget was closed (shutting down)",
                                     hint="nothing was sent; the next run does it")
            wait = self.try_acquire(user, kind)
            if wait <= 0:
                return waited
            if max_wait is not None and waited + wait > max_wait:
                where = "shared" if self.ledger is not None else "local"
                raise QuotaExhausted(
                    f"the {where} {kind} budget for {user} needs {wait:.1f}s more, over the allowed {max_wait:.1f}s wait",
                    hint="lower the request rate or raise the wait bound; the quota itself refills every minute",
                    retry_after=wait)
            if self.ledger is not None:
                wait = min(wait, self.poll)  # ask again at least every `poll` seconds
            self.sleep(wait)
            waited += wait
            with self._lock:
                self.waited += wait

    def close(self) -> None:
        """Stop: wake every waiter, and refuse further requests with :class:`TransientError` (nothing sent)."""
        self._closed.set()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def pause(self, kind: str, seconds: float) -> None:
        """Nobody sends ``kind`` requests for ``seconds`` (after Google answered 429 with Retry-After)."""
        if not self.settings.enabled or seconds <= 0:
            return
        with self._lock:
            until = self.clock() + seconds
            self._paused_until[kind] = max(self._paused_until.get(kind, 0.0), until)
        if self.ledger is not None:  # ... and every other worker of the project, on the database's clock
            try:
                self.ledger.pause(self.project_scope, kind, seconds)
            except Exception as e:  # noqa: BLE001 - the 429's answer is being handled; this process holds anyway
                log.warning("could not share a %.1fs %s pause with the other workers: %s", seconds, kind, e)

    def throttled(self, kind: str, retry_after: float | None = None, *, base: float = 1.0,
                  cap: float = 32.0) -> float:
        """Google said 429: hold every job's ``kind`` requests. Without ``Retry-After`` (Sheets rarely sends
        one) the hold doubles with each 429 in a row — 1, 2, 4 ... ``cap`` seconds — so a storm caused by
        someone else sharing the project slows the whole process down. Returns the hold."""
        with self._lock:
            streak = self._streak[kind] = self._streak.get(kind, 0) + 1
            self.pauses[kind] = self.pauses.get(kind, 0) + 1
        hold = retry_after if retry_after else min(cap, base * 2 ** (streak - 1))
        self.pause(kind, hold)
        return hold

    def succeeded(self, kind: str) -> None:
        """A request of ``kind`` went through: the 429 streak is over."""
        if self._streak.get(kind):
            with self._lock:
                self._streak[kind] = 0

    def used(self, kind: str, user: str | None = None) -> int:
        """Requests of ``kind`` counted in the current window (for the project, or one user); with a ledger,
        over every process sharing it."""
        if self.ledger is not None:
            scope = self.user_scope(user) if user else self.project_scope
            return self.ledger.usage(self.settings.window_seconds).get((scope, kind), 0)
        with self._lock:
            now = self.clock()
            w = self._windows.get((self.user_scope(user) if user else self.project_scope, kind))
            if w is None:
                return 0
            w.wait(now, self.settings.window_seconds)
            return len(w.stamps)

    def usage(self) -> dict[tuple[str, str], int]:
        """{(scope, kind): requests in the current window} for every scope and kind seen (for metrics)."""
        if self.ledger is not None:
            return self.ledger.usage(self.settings.window_seconds)
        with self._lock:
            now = self.clock()
            out = {}
            for key, w in self._windows.items():
                w.wait(now, self.settings.window_seconds)
                out[key] = len(w.stamps)
            return out
