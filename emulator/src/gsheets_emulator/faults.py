"""Production behaviour on demand: injected 5xx, latency, and writes whose response is lost.

A test says what should go wrong and for which calls::

    emu.faults.fail_next(3, status=503, method="sheets.spreadsheets.values.batchUpdate")
    emu.faults.fail_rate(0.1, seed=7)                # 10% of calls answer 503, reproducibly
    emu.faults.lose_response_next()                  # next write lands, client sees ConnectionError
    emu.faults.latency(0.05, method="drive.files.list")
    emu.faults.clear()

``method`` is a Discovery method id (``sheets.spreadsheets.batchUpdate``), or a prefix of one
ending in ``*`` (``sheets.spreadsheets.values.*``); ``kind`` is "read" or "write". An injected
error is answered before the request does anything, with Google's body for that status. A lost
response happens after the request took effect (and was persisted): the client gets
``requests.ConnectionError``, over the in-process adapter and over the loopback server alike.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import requests

from .errors import ApiError

if TYPE_CHECKING:
    from .rest import Request

MESSAGES = {
    500: "Internal error encountered.",
    502: "Bad Gateway",
    503: "The service is currently unavailable.",
    504: "The request timed out. Please try again.",
}


@dataclass
class _Rule:
    what: str  # "fail" | "lose" | "latency"
    method: str | None
    kind: str | None
    remaining: int | None = None  # None: unlimited
    status: int = 503
    rate: float = 1.0
    seconds: float = 0.0
    rng: random.Random | None = None

    def matches(self, req: Request) -> bool:
        if self.kind is not None and req.kind != self.kind:
            return False
        if self.method is None:
            return True
        if self.method.endswith("*"):
            return req.name.startswith(self.method[:-1])
        return req.name == self.method

    def fires(self) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.rng is not None and self.rng.random() >= self.rate:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        return True


class Faults:
    """The fault plan of one emulator. Rules are checked in the order they were added."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self.injected = 0  # errors answered
        self.lost = 0  # responses dropped after the write landed

    # --- the API a test uses -------------------------------------------------------------
    def fail_next(self, n: int = 1, *, status: int = 503, method: str | None = None,
                  kind: str | None = None) -> Faults:
        """The next ``n`` matching calls answer ``status`` (500/502/503/504) without doing anything."""
        self._add(_Rule("fail", method, kind, remaining=n, status=_status(status)))
        return self

    def fail_rate(self, probability: float, *, seed: int = 0, status: int = 503, method: str | None = None,
                  kind: str | None = None) -> Faults:
        """Each matching call fails with ``probability``, drawn from a generator seeded with ``seed``."""
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be between 0 and 1, not {probability}")
        self._add(_Rule("fail", method, kind, status=_status(status), rate=probability, rng=random.Random(seed)))
        return self

    def lose_response_next(self, n: int = 1, *, method: str | None = None, kind: str | None = "write") -> Faults:
        """The next ``n`` matching calls (writes, unless ``kind=None``) take effect, then the connection drops."""
        self._add(_Rule("lose", method, kind, remaining=n))
        return self

    def lose_response_rate(self, probability: float, *, seed: int = 0, method: str | None = None,
                           kind: str | None = "write") -> Faults:
        self._add(_Rule("lose", method, kind, rate=probability, rng=random.Random(seed)))
        return self

    def latency(self, seconds: float, *, method: str | None = None, kind: str | None = None) -> Faults:
        """Every matching call takes ``seconds`` longer (slept outside the emulator's lock)."""
        self._add(_Rule("latency", method, kind, seconds=seconds))
        return self

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def pending(self) -> int:
        """Counted faults (``fail_next``/``lose_response_next``) not yet used."""
        with self._lock:
            return sum(r.remaining or 0 for r in self._rules if r.remaining is not None)

    def _add(self, rule: _Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    # --- called by Emulator.dispatch ------------------------------------------------------
    def before(self, req: Request) -> None:
        with self._lock:
            for r in self._rules:
                if r.what == "fail" and r.matches(req) and r.fires():
                    self.injected += 1
                    self._prune()
                    raise ApiError(r.status, MESSAGES[r.status])

    def after(self, req: Request) -> Exception | None:
        with self._lock:
            for r in self._rules:
                if r.what == "lose" and r.matches(req) and r.fires():
                    self.lost += 1
                    self._prune()
                    return requests.ConnectionError(
                        f"('Connection aborted.', RemoteDisconnected('Remote end closed connection without "
                        f"response')) [sheetsync emulator: the {req.name} request was applied, its response lost]")
        return None

    def latency_for(self, req: Request) -> float:
        with self._lock:
            return sum(r.seconds for r in self._rules if r.what == "latency" and r.matches(req))

    def _prune(self) -> None:
        self._rules = [r for r in self._rules if r.remaining is None or r.remaining > 0]


def _status(status: int) -> int:
    if status not in MESSAGES:
        raise ValueError(f"status must be one of {sorted(MESSAGES)}, not {status}")
    return status
