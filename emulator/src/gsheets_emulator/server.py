"""The loopback HTTP front end, and gspread clients that talk to it.

``EmulatorServer(emu).start()`` serves the same :meth:`Emulator.dispatch` the in-process adapter
uses, on ``http://127.0.0.1:PORT``: Sheets at ``/v4/...``, Drive at ``/drive/v3/...`` and
``/upload/drive/...`` — Google's paths on one port. A lost-response fault closes the
connection without an answer, so the client sees a real ``ConnectionError``.

gspread hard-codes ``https://sheets.googleapis.com`` and ``https://www.googleapis.com``; a
client of the loopback server mounts :class:`LoopbackAdapter`, which rewrites those URLs to the
server and sends them over a normal HTTP connection::

    from gsheets_emulator import loopback_client
    gc = loopback_client("http://127.0.0.1:8765", user="me@example.com")
    gc.create("Budget")
"""

from __future__ import annotations

import ipaddress
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter

if TYPE_CHECKING:
    from .core import Emulator

GOOGLE_PREFIXES = ("https://sheets.googleapis.com/", "https://www.googleapis.com/")
MAX_BODY = 64 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(413, "Request body too large for the sheetsync emulator")
            return
        body = self.rfile.read(length) if length else b""
        view = self.server.view
        if view is not None and view.handles(self.path):
            self._answer(view.handle(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                     body, self.client_address[0]))
            return
        if not self.server.api_from_remote and not _is_loopback(self.client_address[0]):
            self.send_error(403, "The sheetsync emulator's API answers this machine only (--allow-remote to change)")
            return
        emu = self.server.emulator
        try:
            res = emu.dispatch(self.command, "http://" + (self.headers.get("Host") or "localhost") + self.path,
                               dict(self.headers.items()), body)
        except requests.ConnectionError:
            self.close_connection = True  # the write landed; the client never hears back
            return
        self._answer(res)

    def _answer(self, res: Any) -> None:
        self.send_response(res.status)
        for k, v in res.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(res.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(res.body)

    def handle_one_request(self) -> None:
        # A client that timed out and hung up is not the server's problem: drop the connection quietly.
        try:
            super().handle_one_request()
        except _GONE:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: Emulator, verbose: bool, view: Any = None,
                 api_from_remote: bool = True) -> None:
        super().__init__(address, _Handler)
        self.emulator = emulator
        self.verbose = verbose
        self.view = view
        self.api_from_remote = api_from_remote

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], _GONE):
            return  # the client hung up (e.g. its timeout fired); nothing to report
        super().handle_error(request, client_address)


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class EmulatorServer:
    """A loopback server for one emulator. Port 0 picks a free port; see :attr:`url`.

    ``view``: a :class:`sheetsync.view.ViewApp` answering ``/`` and ``/view/...`` on the same port.
    ``api_from_remote=False``: the API answers loopback callers only (403 to any other address).
    """

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False,
                 view: Any = None, api_from_remote: bool = True) -> None:
        self.emulator = emulator
        self.httpd = _Server((host, port), emulator, verbose, view, api_from_remote)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> EmulatorServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="sheetsync-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_until_stopped(server: EmulatorServer, emu: Emulator) -> None:
    """Serve until Ctrl-C or SIGTERM (turned into the same interrupt), then close the socket and save the
    emulator's state: a server stopped either way keeps what it was given."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
        emu.save()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


class LoopbackAdapter(HTTPAdapter):
    """Sends requests for Google's API hosts to ``base_url`` instead."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") + "/"

    def send(self, request: requests.PreparedRequest, *args, **kwargs) -> requests.Response:
        url = request.url or ""
        for prefix in GOOGLE_PREFIXES:
            if url.startswith(prefix):
                request.url = self.base_url + url[len(prefix):]
                break
        return super().send(request, *args, **kwargs)


def loopback_session(base_url: str, user: str) -> requests.Session:
    """A ``requests.Session`` carrying ``user`` as its bearer token, routed to the loopback server."""
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {user}"
    adapter = LoopbackAdapter(base_url)
    for prefix in GOOGLE_PREFIXES:
        s.mount(prefix, adapter)
    return s


def loopback_client(base_url: str, user: str = "owner@example.com"):
    """A real ``gspread.Client`` acting as ``user`` against ``sheetsync emulator serve`` at ``base_url``."""
    import gspread

    # the session carries the bearer token, so gspread needs no credentials of its own
    return gspread.Client(auth=None, session=loopback_session(base_url, user))  # type: ignore[arg-type]
