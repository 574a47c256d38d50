"""An offline Google Sheets v4 + Drive v3 that real gspread talks to. Knows nothing about sheetsync."""

from .core import Emulator, LogEntry, Request, Response
from .errors import ApiError
from .server import EmulatorServer, loopback_client, loopback_session

__all__ = ["Emulator", "ApiError", "EmulatorServer", "LogEntry", "Request", "Response", "loopback_client",
           "loopback_session"]
