"""The Sheets/Drive transport: the only sheetsync code that talks to Google (or the emulator).

It knows nothing about tasks. ``connect(backend)`` gives a :class:`SheetsClient`; batched helpers
keep calls per job minimal; the transport adapter under gspread adds timeouts, the shared quota
budget, call counting and retries of idempotent requests only.
"""

from .budget import Budget, QuotaLedgerPort, QuotaSettings
from .calls import CallCounts, CallStats
from .client import (
    SCOPES,
    Backend,
    CredentialInfo,
    SheetsClient,
    backend_from_config,
    connect,
    inspect_credentials,
)
from .errors import (
    AuthFailed,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    QuotaExhausted,
    ScopeMissing,
    SheetsError,
    TransientError,
    WriteOutcomeUnknown,
)
from .retry import RetryPolicy

__all__ = [
    "SCOPES", "AuthFailed", "Backend", "Budget", "CallCounts", "CallStats", "CredentialInfo", "InvalidRequest",
    "NotFound", "PermissionDenied", "QuotaExhausted", "QuotaLedgerPort", "QuotaSettings", "RetryPolicy", "ScopeMissing",
    "SheetsClient", "SheetsError", "TransientError", "WriteOutcomeUnknown", "backend_from_config", "connect",
    "inspect_credentials",
]
