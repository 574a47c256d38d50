"""What can go wrong talking to Sheets/Drive, each error saying what to do about it.

Callers branch on the class (or ``code``), people read ``str(err)``: the message says what was
wrong, ``hint`` says what to do. ``WriteOutcomeUnknown`` is deliberately not a ``TransientError``:
a non-idempotent write whose answer was lost must be re-checked, never blindly re-sent.
"""

from __future__ import annotations

import json
from typing import Any, TypedDict

import requests


class SheetsError(Exception):
    """Base of every transport error; ``code`` is stable and machine-readable."""

    code = "sheets_error"
    default_hint = ""

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None,
                 reason: str | None = None, method: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        self.status = status  # HTTP status, when there was one
        self.reason = reason  # Google's status/reason string, e.g. RESOURCE_EXHAUSTED
        self.method = method  # discovery method id of the failed call, e.g. sheets.spreadsheets.values.batchGet

    def __str__(self) -> str:
        text = self.message
        if self.hint:
            text += f" — what to do: {self.hint}"
        return text


class AuthFailed(SheetsError):
    code = "auth_failed"
    default_hint = ("check GOOGLE_APPLICATION_CREDENTIALS (or `backend.credentials` in the config) points to a valid "
                    "service-account or authorized-user JSON file, that the key was not revoked, and that the "
                    "Sheets and Drive APIs are enabled for its project; `sheetsync doctor` checks all of this")


class ScopeMissing(AuthFailed):
    code = "scope_missing"
    default_hint = ("the credentials lack a required OAuth scope; sheetsync needs "
                    "https://www.googleapis.com/auth/spreadsheets and https://www.googleapis.com/auth/drive — "
                    "re-authorize the user credentials with both scopes")


class PermissionDenied(SheetsError):
    code = "permission_denied"
    default_hint = "share the spreadsheet with the sheetsync account as editor"


class NotFound(SheetsError):
    code = "not_found"
    default_hint = ("check the spreadsheet id in the store/config; if the spreadsheet was deleted, run "
                    "`sheetsync provision CLIENT` to create a new one")


class InvalidRequest(SheetsError):
    code = "invalid_request"
    default_hint = "this is a bug in the request sheetsync built; report it with the message above"


class TransientError(SheetsError):
    """The service failed or was unreachable; nothing is known to have changed. Safe to try later."""

    code = "transient"
    default_hint = "Google (or the network) is having trouble; the next sync cycle will try again"

    def __init__(self, message: str, *, attempts: int = 1, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.attempts = attempts


class QuotaExhausted(TransientError):
    """429 after every allowed retry. The request was not applied."""

    code = "quota_exhausted"
    default_hint = ("the per-minute Sheets quota is used up; lower the `[quota]` limits (`read_per_user`, `write_per_user`, ...) "
                    "(or the number of workers) so the shared budget matches the project's quota, or ask Google "
                    "for a higher quota")

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class WriteOutcomeUnknown(SheetsError):
    """A non-idempotent write was sent but its answer never arrived (or was a 5xx): it may have landed."""

    code = "write_outcome_unknown"
    default_hint = ("re-read the spreadsheet to see whether the write landed before sending it again; "
                    "sheetsync's sync does this by itself on the next cycle")


NO_STORAGE_HINT = ("a service account owns no Drive storage: set backend.shared_drive_id to a shared drive where it is "
                   "a Content manager (docs/google-setup.md, 2a \"The shared drive\"), or use OAuth user "
                   "credentials or domain-wide delegation; a person's Drive may simply be full")


def _error_body(resp: requests.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except (ValueError, json.JSONDecodeError):
        return {}
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, dict):
        return err
    if isinstance(data, dict) and "error" in data:  # OAuth token endpoint: {"error": "invalid_grant", ...}
        return {"message": f"{data.get('error')}: {data.get('error_description', '')}".strip(": "),
                "status": str(data.get("error"))}
    return {}


def _reasons(err: dict[str, Any]) -> set[str]:
    out = {str(err.get("status", ""))}
    for e in err.get("errors") or []:
        if isinstance(e, dict):
            out.add(str(e.get("reason", "")))
    for d in err.get("details") or []:
        if isinstance(d, dict):
            out.add(str(d.get("reason", "")))
    out.discard("")
    return out


class _Common(TypedDict):
    """What every error built from a response carries (typed, so ``**common`` is checked)."""

    status: int
    reason: str | None
    method: str | None


def from_response(resp: requests.Response, *, identity: str | None = None, method: str | None = None,
                  what: str | None = None, attempts: int = 1) -> SheetsError:
    """Turn a failed Google response into the right :class:`SheetsError`."""
    err = _error_body(resp)
    status = resp.status_code
    g_message = str(err.get("message") or resp.reason or "").strip()
    reasons = _reasons(err)
    reason = str(err.get("status") or "") or None
    target = what or "the request"
    who = identity or "the sheetsync account"
    common: _Common = {"status": status, "reason": reason, "method": method}
    if status == 401:
        return AuthFailed(f"Google rejected the credentials of {who} ({g_message})", **common)
    if status == 403 and ({"ACCESS_TOKEN_SCOPE_INSUFFICIENT", "insufficientPermissions"} & reasons
                          or "insufficient authentication scopes" in g_message.lower()):
        return ScopeMissing(f"the credentials of {who} lack a required scope for {target} ({g_message})", **common)
    if status == 403 and ({"SERVICE_DISABLED", "accessNotConfigured"} & reasons
                          or "has not been used in project" in g_message):
        return AuthFailed(f"the API is not enabled for the credentials' Google Cloud project ({g_message})",
                          hint="enable the Google Sheets API and the Google Drive API in the Cloud console "
                               "for the project that owns the credentials", **common)
    if status == 403 and ("storageQuotaExceeded" in reasons or "storage quota" in g_message.lower()):
        return PermissionDenied(f"Google refused to store {target} for {who} ({g_message})", hint=NO_STORAGE_HINT,
                                **common)
    if status == 403 and ({"rateLimitExceeded", "userRateLimitExceeded"} & reasons):
        return QuotaExhausted(f"Drive rate limit hit for {target} ({g_message})", attempts=attempts, **common)
    if status == 403:
        return PermissionDenied(f"{who} may not access {target} ({g_message})",
                                hint=f"share the spreadsheet with {who} as editor", **common)
    if status == 404:
        if "/drive/" in (resp.url or ""):  # Drive hides files you cannot see behind a 404
            return NotFound(f"{target} was not found, or is not shared with {who} ({g_message})",
                            hint=f"check the id; if the file exists, share it with {who} as editor", **common)
        return NotFound(f"{target} was not found ({g_message})", **common)
    if status == 429:
        ra = retry_after_seconds(resp)
        return QuotaExhausted(f"quota exhausted for {target} after {attempts} attempt(s) ({g_message})",
                              attempts=attempts, retry_after=ra, **common)
    if status >= 500 or status == 408:
        return TransientError(f"Google failed {target} with HTTP {status} after {attempts} attempt(s) ({g_message})",
                              attempts=attempts, **common)
    if status == 400:
        return InvalidRequest(f"Google rejected {target} as invalid ({g_message})", **common)
    return SheetsError(f"Google answered HTTP {status} to {target} ({g_message})", **common)


def retry_after_seconds(resp: requests.Response) -> float | None:
    """The ``Retry-After`` header in seconds (delta-seconds or an HTTP date), or None."""
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import UTC, datetime

    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def translate(exc: BaseException, *, identity: str | None = None, what: str | None = None) -> BaseException:
    """Map gspread/google-auth/requests exceptions to :class:`SheetsError`; others pass through."""
    if isinstance(exc, SheetsError):
        return exc
    import gspread

    if isinstance(exc, gspread.exceptions.APIError):
        return from_response(exc.response, identity=identity, what=what)
    if isinstance(exc, gspread.exceptions.SpreadsheetNotFound):
        return NotFound(f"{what or 'the spreadsheet'} was not found")
    try:
        from google.auth.exceptions import GoogleAuthError
    except ImportError:  # pragma: no cover
        GoogleAuthError = ()  # type: ignore[assignment,misc]  # noqa: N806
    try:
        from google.auth.exceptions import TransportError as AuthTransportError
    except ImportError:  # pragma: no cover
        AuthTransportError = ()  # type: ignore[assignment,misc]  # noqa: N806
    if isinstance(exc, AuthTransportError):  # the token endpoint was never reached: not the credentials' fault
        return TransientError(f"cannot reach Google to obtain an access token ({network_reason(exc)}); the "
                              f"credentials were not checked online", hint=NETWORK_HINT)
    if isinstance(exc, GoogleAuthError):
        return AuthFailed(f"could not obtain a Google access token ({type(exc).__name__}: {_redact(str(exc))})")
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return TransientError(f"cannot reach Google ({network_reason(exc)})", hint=NETWORK_HINT)
    if isinstance(exc, requests.RequestException):
        return TransientError(f"network error talking to Google ({type(exc).__name__}: {exc})")
    return exc


NETWORK_HINT = ("check this machine's network connection, DNS, proxy (HTTPS_PROXY) and firewall to "
                "oauth2.googleapis.com and sheets.googleapis.com, then run again")


def network_reason(exc: BaseException) -> str:
    """The short reason of a connection failure, e.g. "Connection refused" (not urllib3's paragraph)."""
    import re

    text = str(exc)
    m = re.search(r"\[Errno -?\d+\] ([^'\"\)\]]+)", text)
    if m:
        return m.group(1).strip()
    if "timed out" in text.lower():
        return "the connection timed out"
    return type(exc).__name__


def _redact(text: str) -> str:
    """Keep token-endpoint answers readable without echoing anything secret-looking."""
    import re

    return re.sub(r"(ya29\.|1//)[A-Za-z0-9._\-]+", r"\1<redacted>", text)[:500]
