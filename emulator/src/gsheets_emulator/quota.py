"""Per-minute request quotas, per user and per project, answered with Google's 429 body.

Sheets v4 counts read and write requests separately: by default 60 per minute per user and
300 per minute per project each ("Usage limits", Sheets API docs), and the quotas are
"refilled every minute" — so the default window is a fixed clock minute. ``window="sliding"``
counts the last 60 seconds instead, for a stricter model. Drive requests have their own, much
larger per-user budget (``drive_per_user``, default 12,000 per minute) answered the way Drive
answers it (403 ``userRateLimitExceeded`` in the ``usageLimits`` domain).

Off by default; ``emu.quota.configure(enabled=True, ...)`` or ``Emulator(quota=True)`` turns it on.
A request refused for quota is not counted against the quota, as with Google.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from .errors import ApiError

PROJECT_NUMBER = "123456789012"
_LIMIT_NAME = {"read": "ReadRequestsPerMinutePer", "write": "WriteRequestsPerMinutePer"}


class Quota:
    """Counts requests in one-minute windows and refuses the one over the limit."""

    def __init__(self, *, enabled: bool = False, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.enabled = enabled
        self.per_user = {"read": 60, "write": 60}
        self.per_project = {"read": 300, "write": 300}
        self.drive_per_user = 12_000
        self.window = "fixed"
        self.project_number = PROJECT_NUMBER
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self.refused = 0

    def configure(self, *, enabled: bool = True, read_per_user: int | None = None,
                  write_per_user: int | None = None, read_per_project: int | None = None,
                  write_per_project: int | None = None, per_user: int | None = None,
                  per_project: int | None = None, drive_per_user: int | None = None,
                  window: str | None = None) -> Quota:
        """Turn quotas on (or off) and set limits; ``per_user``/``per_project`` set reads and writes alike."""
        self.enabled = enabled
        for kind, value in (("read", per_user), ("write", per_user), ("read", read_per_user),
                            ("write", write_per_user)):
            if value is not None:
                self.per_user[kind] = value
        for kind, value in (("read", per_project), ("write", per_project), ("read", read_per_project),
                            ("write", write_per_project)):
            if value is not None:
                self.per_project[kind] = value
        if drive_per_user is not None:
            self.drive_per_user = drive_per_user
        if window is not None:
            if window not in ("fixed", "sliding"):
                raise ValueError(f"window must be 'fixed' or 'sliding', not {window!r}")
            self.window = window
        return self

    def reset(self) -> None:
        """Forget every counted request (as if a new minute had begun for everyone)."""
        with self._lock:
            self._hits.clear()

    def used(self, user: str, kind: str) -> int:
        """Requests of ``kind`` ("read"/"write") ``user`` made in the current window."""
        with self._lock:
            return len(self._window(("user:" + user.lower(), kind), self.clock()))

    def charge(self, user: str, kind: str, api: str = "sheets") -> None:
        """Count one request; raise Google's error when it is over a limit."""
        if not self.enabled or kind not in ("read", "write"):
            return
        now = self.clock()
        with self._lock:
            if api == "drive":
                key = ("drive:" + user.lower(), "any")
                hits = self._window(key, now)
                if len(hits) >= self.drive_per_user:
                    self.refused += 1
                    raise _drive_error()
                hits.append(now)
                return
            ukey, pkey = ("user:" + user.lower(), kind), ("project", kind)
            uhits, phits = self._window(ukey, now), self._window(pkey, now)
            if len(uhits) >= self.per_user[kind]:
                self.refused += 1
                raise self._sheets_error(kind, "user", self.per_user[kind])
            if len(phits) >= self.per_project[kind]:
                self.refused += 1
                raise self._sheets_error(kind, "project", self.per_project[kind])
            uhits.append(now)
            phits.append(now)

    def _window(self, key: tuple[str, str], now: float) -> deque[float]:
        hits = self._hits[key]
        if self.window == "sliding":
            while hits and hits[0] <= now - 60.0:
                hits.popleft()
        else:
            start = now - (now % 60.0)
            while hits and hits[0] < start:
                hits.popleft()
        return hits

    def _sheets_error(self, kind: str, scope: str, limit: int) -> ApiError:
        title = "Read" if kind == "read" else "Write"
        limit_text = f"{title} requests per minute per user" if scope == "user" else f"{title} requests per minute"
        limit_id = _LIMIT_NAME[kind] + ("User" if scope == "user" else "Project")
        message = (f"Quota exceeded for quota metric '{title} requests' and limit '{limit_text}' of service "
                   f"'sheets.googleapis.com' for consumer 'project_number:{self.project_number}'.")
        details: list[dict[str, Any]] = [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
             "domain": "googleapis.com",
             "metadata": {"quota_location": "global", "quota_metric": f"sheets.googleapis.com/{kind}_requests",
                          "quota_limit": limit_id, "quota_limit_value": str(limit),
                          "consumer": f"projects/{self.project_number}", "service": "sheets.googleapis.com"}},
            {"@type": "type.googleapis.com/google.rpc.Help",
             "links": [{"description": "Request a higher quota limit.",
                        "url": "https://cloud.google.com/docs/quotas/help/request_increase"}]},
        ]
        return ApiError(429, message, status="RESOURCE_EXHAUSTED", details=details)


class _DriveRateLimit(ApiError):
    """Drive's rate-limit error names the ``usageLimits`` domain (gspread's retry looks for it)."""

    def body(self, api: str) -> dict:
        out = super().body(api)
        for e in out["error"].get("errors", []):
            e["domain"] = "usageLimits"
        return out


def _drive_error() -> ApiError:
    return _DriveRateLimit(403, "User rate limit exceeded.", status="PERMISSION_DENIED",
                           reason="userRateLimitExceeded")
