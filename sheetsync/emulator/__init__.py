"""An offline Google Sheets v4 + Drive v3 that real gspread talks to. Knows nothing about sheetsync."""

from .core import Emulator, LogEntry, Request, Response
from .errors import ApiError

__all__ = ["Emulator", "ApiError", "LogEntry", "Request", "Response"]
