"""Masking secrets in text a person or a log collector will see.

One place for it, so the CLI's error path and the logging set-up mask the same things: passwords in
URLs (``postgresql://user:***@host/db``), ``password=…``/``token=…`` pairs, JSON key fields
(``"private_key": "***"``), PEM private keys, Google access/refresh tokens and ``Bearer`` headers.
Values that are known to be secret (the store URL's password, once a config is loaded) are also
masked wherever they appear verbatim — a driver may echo them in another form.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

MASK = "***"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # a PEM private key, whole or cut off (a key pasted where a path was expected)
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S),
     "<private key " + MASK + ">"),
    # scheme://user:password@host — keep the user, mask the password
    (re.compile(r"(\b[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s\"]*:)[^@\s\"]+(@)"), r"\1" + MASK + r"\2"),
    # "private_key": "…" and friends in JSON (a credentials file echoed back)
    (re.compile(r'("(?:private_key|private_key_id|client_secret|refresh_token|access_token|id_token|password|'
                r'token|api_key|secret)"\s*:\s*")(?:[^"\\]|\\.)*(")', re.I), r"\1" + MASK + r"\2"),
    # password=…, token: … in DSNs, query strings and messages
    (re.compile(r"\b((?:password|passwd|pwd|access_token|refresh_token|client_secret|api_key|apikey|"
                r"token|secret)\s*[=:]\s*)(?!\*\*\*)(['\"]?)[^\s'\"&,;)]+", re.I), r"\1\2" + MASK),
    (re.compile(r"\b(Bearer\s+)[A-Za-z0-9._~+/=@\-]+"), r"\1" + MASK),
    (re.compile(r"\bya29\.[A-Za-z0-9._\-]+"), "ya29." + MASK),  # Google OAuth access token
    (re.compile(r"(?<![\w/])1//[A-Za-z0-9._\-]{10,}"), "1//" + MASK),  # Google OAuth refresh token
    (re.compile(r"\bGOCSPX-[A-Za-z0-9_\-]+"), "GOCSPX-" + MASK),  # OAuth client secret
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"), "AIza" + MASK),  # API key
]

_known: set[str] = set()
_lock = threading.Lock()


def add_secret(value: str | None) -> None:
    """Mask ``value`` wherever it appears from now on (short values are ignored: too many false hits)."""
    if value and len(value) >= 4:
        with _lock:
            _known.add(value)


def add_url_password(url: str | None) -> None:
    """Remember the password of a database URL (``scheme://user:password@host/...``) as a secret."""
    if not url:
        return
    m = re.match(r"[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:([^@\s]+)@", url)
    if m:
        from urllib.parse import unquote

        add_secret(m.group(1))
        add_secret(unquote(m.group(1)))


def redact(text: Any) -> str:
    """``text`` as a string with every secret masked."""
    out = str(text)
    for pattern, repl in _PATTERNS:
        out = pattern.sub(repl, out)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        out = out.replace(secret, MASK)
    return out


# attributes every LogRecord has; anything else on a record came from `extra=`
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """A record's ``extra={...}`` fields (what the filter redacts and the log formatters print)."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class RedactingFilter(logging.Filter):
    """A handler filter: the message, its ``extra`` fields and the traceback text leave with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logging's problem, not ours
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in fields_of(record).items():
            if isinstance(value, str):
                setattr(record, key, redact(value))
            elif isinstance(value, (list, tuple, dict)):
                shown = redact(value)
                if shown != str(value):
                    setattr(record, key, shown)
        return True
