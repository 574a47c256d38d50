"""Logging set-up for the daemon: readable lines for people, one JSON object per line for collectors.

Structured fields go in ``extra={...}`` (e.g. ``log.info("synced", extra={"client": "acme"})``); the
JSON formatter emits them as keys, the text formatter appends them as ``key=value``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

from sheetsync.redact import RedactingFilter, fields_of, redact


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update(fields_of(record))
        if record.exc_text:
            out["exc"] = record.exc_text
        elif record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = fields_of(record)
        if extra:
            line += " " + " ".join(f"{k}={v}" for k, v in extra.items())
        return line


def configure(*, json_lines: bool = False, level: int | str = logging.INFO, stream: Any = None,
              file: str | None = None, console: bool = True) -> None:
    """Route the ``sheetsync`` loggers to stderr (or ``stream``; none if not ``console``) and optionally a file.

    Every handler masks secrets (:class:`sheetsync.redact.RedactingFilter`): what reaches the journal or
    the log file never holds a password, key or token.
    """
    root = logging.getLogger("sheetsync")
    for h in list(root.handlers):
        if getattr(h, "_sheetsync", False):
            root.removeHandler(h)
            h.close()
    fmt: logging.Formatter = JsonFormatter() if json_lines else TextFormatter()
    handlers: list[logging.Handler] = [logging.StreamHandler(stream or sys.stderr)] if console else []
    if file:
        handlers.append(logging.FileHandler(file, encoding="utf-8"))
    for h in handlers:
        h.setFormatter(fmt)
        h.addFilter(RedactingFilter())
        h._sheetsync = True  # type: ignore[attr-defined]
        root.addHandler(h)
    root.setLevel(level)
    root.propagate = False


def first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else "unknown reason"


def reason(e: BaseException) -> str:
    """One line saying why, secrets masked: ``OperationalError: connection refused`` (not a driver's paragraph)."""
    return redact(f"{type(e).__name__}: {first_line(str(e))}")[:500]
