"""Bounded, jittered retries of idempotent requests, mounted under gspread's session.

``TransportAdapter`` wraps whatever adapter the session already has (requests' HTTPAdapter for
Google, the emulator's in-process adapter), so every request gspread sends goes through it:
it sets a timeout when none was given, charges the shared :class:`Budget`, counts the call and,
only for idempotent requests (see :mod:`.endpoints`), retries 408/429/5xx and network errors with
truncated exponential backoff plus jitter, waiting at least ``Retry-After``. After the bound it
raises :class:`QuotaExhausted` or :class:`TransientError` — it never recurses or loops unbounded.

Non-idempotent requests are sent once. A lost answer (or a 5xx) to one of them raises
:class:`WriteOutcomeUnknown`, so the caller re-reads instead of re-sending; a 429 to one raises
:class:`QuotaExhausted` (Google applied nothing, sending again later is safe).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import BaseAdapter
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    wait_exponential_jitter,
)
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from .budget import Budget
from .calls import CallStats
from .endpoints import Endpoint, classify
from .errors import (
    QuotaExhausted,
    TransientError,
    WriteOutcomeUnknown,
    from_response,
    retry_after_seconds,
)

log = logging.getLogger(__name__)

GOOGLE_PREFIXES = ("https://sheets.googleapis.com/", "https://www.googleapis.com/")
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DRIVE_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


def is_retryable(resp: requests.Response) -> bool:
    """408/429/5xx, or Drive's way of saying 429: a 403 whose reason is a rate limit."""
    if resp.status_code in RETRY_STATUSES:
        return True
    if resp.status_code == 403:
        try:
            errors = (resp.json().get("error") or {}).get("errors") or []
        except (ValueError, AttributeError):
            return False
        return any(isinstance(e, dict) and e.get("reason") in DRIVE_RATE_REASONS for e in errors)
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Waits are ``min(initial * 2**n + U(0, jitter), max_wait)``, at least Retry-After."""

    max_attempts: int = 6
    max_total_wait: float = 120.0  # seconds of waiting across all retries of one request
    initial_wait: float = 1.0
    max_wait: float = 32.0
    jitter: float = 1.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)


def bucket_of(ep: Endpoint) -> str | None:
    """The budget bucket a request draws from (None: not quota-limited)."""
    if ep.api == "sheets":
        return ep.kind
    if ep.api == "drive":
        return "drive"
    return None


def _never_sent(exc: BaseException) -> bool:
    """True when the request certainly did not reach the server (so even a non-idempotent one did nothing)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and exc.args:
        inner = exc.args[0]
        if isinstance(inner, MaxRetryError):
            inner = inner.reason
        return isinstance(inner, NewConnectionError | NameResolutionError)
    return False


class TransportAdapter(BaseAdapter):
    """Timeouts, budget, counting and safe retries around an inner transport adapter."""

    def __init__(self, inner: BaseAdapter, *, identity: str, policy: RetryPolicy | None = None,
                 budget: Budget | None = None, stats: CallStats | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__()
        self.inner = inner
        self.identity = identity
        self.policy = policy or RetryPolicy()
        self.budget = budget
        self.stats = stats
        self.sleep = sleep
        self.local = threading.local()  # this thread's write guard and extra headers (SheetsClient.guarded)

    # --- one attempt --------------------------------------------------------------------------
    def _attempt(self, ep: Endpoint, request: requests.PreparedRequest, kwargs: dict[str, Any],
                 state: dict[str, int]) -> requests.Response:
        bucket = bucket_of(ep)
        if self.budget is not None and bucket is not None:
            self.budget.acquire(self.identity, bucket)
        guard = getattr(self.local, "guard", None)
        if guard is not None and (bucket == "write" or (ep.api == "drive" and request.method != "GET")):
            guard()  # after any wait on the quota, right before sending: a fenced-off writer sends nothing
        extra = getattr(self.local, "headers", None)
        if extra:
            request.headers.update(extra)
        retry = state["n"] > 0
        state["n"] += 1
        raw = request.body
        # what was sent, to count bytes and cells (sheetsync's calls send JSON text or bytes, never a stream)
        body = raw.encode() if isinstance(raw, str) else raw if isinstance(raw, bytes) else None
        try:
            resp = self.inner.send(request, **kwargs)
        except Exception:
            if self.stats is not None:
                self.stats.record(ep, body=body, status=None, retry=retry)
            raise
        if self.stats is not None:
            size = len(resp.content) if not kwargs.get("stream") else 0
            self.stats.record(ep, body=body, status=resp.status_code, bytes_received=size, retry=retry)
        if self.budget is not None and bucket is not None:
            if resp.status_code == 429:
                self.budget.throttled(bucket, retry_after_seconds(resp), base=self.policy.initial_wait,
                                      cap=self.policy.max_wait)
            elif resp.status_code < 400:
                self.budget.succeeded(bucket)
        return resp

    # --- requests' adapter interface ----------------------------------------------------------
    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        ep = classify(request.method or "GET", request.url or "")
        kwargs = {"stream": stream, "timeout": timeout if timeout is not None else self.policy.timeout,
                  "verify": verify, "cert": cert, "proxies": proxies}
        state = {"n": 0}
        if not ep.idempotent:
            return self._send_once(ep, request, kwargs, state)
        return self._send_with_retries(ep, request, kwargs, state)

    def _send_once(self, ep: Endpoint, request: requests.PreparedRequest, kwargs: dict[str, Any],
                   state: dict[str, int]) -> requests.Response:
        try:
            resp = self._attempt(ep, request, kwargs, state)
        except requests.RequestException as e:
            if _never_sent(e):
                raise TransientError(f"could not connect to Google for {ep.name} ({type(e).__name__}); nothing "
                                     f"was sent", method=ep.name) from e
            raise WriteOutcomeUnknown(f"{ep.name} was sent but its answer was lost ({type(e).__name__}: {e})",
                                      method=ep.name) from e
        if resp.status_code == 429:
            raise from_response(resp, identity=self.identity, method=ep.name, what=ep.name)
        if resp.status_code >= 500:
            raise WriteOutcomeUnknown(f"{ep.name} failed with HTTP {resp.status_code}; it is not retried because "
                                      f"it is not idempotent and may have been applied",
                                      status=resp.status_code, method=ep.name)
        return resp

    def _wait(self, rs: RetryCallState) -> float:
        base = wait_exponential_jitter(multiplier=self.policy.initial_wait, max=self.policy.max_wait,
                                       jitter=self.policy.jitter)(rs)
        outcome = rs.outcome
        if outcome is not None and not outcome.failed:
            ra = retry_after_seconds(outcome.result())
            if ra is not None:
                # honour Retry-After, plus jitter so many clients told the same instant do not stampede
                return max(base, ra + random.uniform(0, self.policy.jitter))
        return base

    def _stop(self, rs: RetryCallState) -> bool:
        return (rs.attempt_number >= self.policy.max_attempts
                or rs.idle_for + rs.upcoming_sleep > self.policy.max_total_wait)

    def _send_with_retries(self, ep: Endpoint, request: requests.PreparedRequest, kwargs: dict[str, Any],
                           state: dict[str, int]) -> requests.Response:
        def before_sleep(rs: RetryCallState) -> None:
            o = rs.outcome
            what = f"HTTP {o.result().status_code}" if o is not None and not o.failed else \
                type(o.exception()).__name__ if o is not None else "?"
            log.warning("%s: %s, retry %d in %.1fs", ep.name, what, rs.attempt_number, rs.upcoming_sleep)

        retrying = Retrying(
            retry=retry_if_result(is_retryable)
            | retry_if_exception_type((requests.ConnectionError, requests.Timeout)),
            wait=self._wait, stop=self._stop, sleep=self.sleep, before_sleep=before_sleep,
            retry_error_callback=lambda rs: rs.outcome,
        )
        result = retrying(self._attempt, ep, request, kwargs, state)
        if isinstance(result, requests.Response):
            return result
        # retries exhausted: ``result`` is the last attempt's Future
        attempts = state["n"]
        if result.failed:
            exc = result.exception()
            raise TransientError(f"{ep.name} failed after {attempts} attempt(s): {type(exc).__name__}: {exc}",
                                 attempts=attempts, method=ep.name) from exc
        resp: requests.Response = result.result()
        err = from_response(resp, identity=self.identity, method=ep.name, what=ep.name, attempts=attempts)
        if not isinstance(err, TransientError):  # 408 and friends
            err = TransientError(str(err), attempts=attempts, status=resp.status_code, method=ep.name)
        raise err

    def close(self) -> None:
        self.inner.close()


def install(session: requests.Session, *, identity: str, policy: RetryPolicy | None = None,
            budget: Budget | None = None, stats: CallStats | None = None,
            sleep: Callable[[float], None] = time.sleep) -> requests.Session:
    """Mount a :class:`TransportAdapter` over the session's Google adapters (idempotent)."""
    for prefix in GOOGLE_PREFIXES:
        inner = session.get_adapter(prefix)
        if isinstance(inner, TransportAdapter):
            inner = inner.inner
        session.mount(prefix, TransportAdapter(inner, identity=identity, policy=policy, budget=budget,
                                               stats=stats, sleep=sleep))
    return session


__all__ = ["RetryPolicy", "TransportAdapter", "install", "QuotaExhausted", "TransientError", "WriteOutcomeUnknown"]
