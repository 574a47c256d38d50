"""Google-style error envelopes.

Sheets v4 answers ``{"error": {"code", "message", "status"}}``; Drive v3 adds the legacy
``errors: [{domain, reason, message}]`` list. Handlers raise :class:`ApiError`; the core
turns it into the right body for the API that was called.
"""

from __future__ import annotations

from typing import Any

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

_DRIVE_REASON = {
    400: "badRequest",
    401: "authError",
    403: "insufficientFilePermissions",
    404: "notFound",
    429: "rateLimitExceeded",
    500: "internalError",
    503: "backendError",
}


class ApiError(Exception):
    def __init__(self, code: int, message: str, status: str | None = None,
                 details: list[dict[str, Any]] | None = None, reason: str | None = None,
                 headers: dict[str, str] | None = None, domain: str = "global") -> None:
        super().__init__(message)
        self.domain = domain
        self.code = code
        self.message = message
        self.status = status or _STATUS.get(code, "UNKNOWN")
        self.details = details
        self.reason = reason
        self.headers = headers or {}

    def body(self, api: str) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if api == "drive":
            err["errors"] = [{"domain": self.domain, "reason": self.reason or _DRIVE_REASON.get(self.code, "unknown"),
                              "message": self.message}]
        if self.details:
            err["details"] = self.details
        return {"error": err}


def invalid(message: str) -> ApiError:
    return ApiError(400, message)


def unknown_field(where: str, name: str) -> ApiError:
    """What Google says for a JSON field it does not know; we say it for anything unsupported."""
    return ApiError(400, f'Invalid JSON payload received. Unknown name "{name}" at \'{where}\': Cannot find field.')


def unsupported(what: str) -> ApiError:
    return ApiError(400, f"Unsupported by the sheetsync emulator: {what}")


def not_found(what: str = "Requested entity was not found.") -> ApiError:
    return ApiError(404, what)


def permission_denied(message: str = "The caller does not have permission") -> ApiError:
    return ApiError(403, message)
