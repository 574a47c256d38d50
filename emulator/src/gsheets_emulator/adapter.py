"""In-process front end: a requests transport adapter, and a real gspread.Client on top of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

if TYPE_CHECKING:
    import gspread

    from .core import Emulator

PREFIXES = ("https://sheets.googleapis.com/", "https://www.googleapis.com/")


class EmulatorAdapter(BaseAdapter):
    """Answers requests to Google's API hosts from an :class:`Emulator` without a socket."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__()
        self.emulator = emulator

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: bool | str = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        body: Any = request.body
        if hasattr(body, "read"):
            body = body.read()
        headers = {k: v if isinstance(v, str) else v.decode("latin-1") for k, v in request.headers.items()}
        res = self.emulator.dispatch(request.method or "GET", request.url or "", headers, body)
        resp = requests.Response()
        resp.status_code = res.status
        resp.headers = CaseInsensitiveDict(res.headers)
        resp._content = res.body
        resp.encoding = "utf-8"
        resp.url = request.url or ""
        resp.request = request
        resp.reason = _REASONS.get(res.status, "")
        return resp

    def close(self) -> None:
        pass


_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


class _BearerSession(requests.Session):
    """A session that carries ``user`` as the bearer token, as an OAuth session would."""

    def __init__(self, user: str) -> None:
        super().__init__()
        self.headers["Authorization"] = f"Bearer {user}"


def make_session(emulator: Emulator, user: str) -> requests.Session:
    s = _BearerSession(user)
    adapter = EmulatorAdapter(emulator)
    for prefix in PREFIXES:
        s.mount(prefix, adapter)
    return s


def gspread_client(emulator: Emulator, user: str) -> gspread.Client:
    import gspread  # loaded on first use: the REST front end needs only requests

    # the session carries the bearer token, so gspread needs no credentials of its own
    return gspread.Client(auth=None, session=make_session(emulator, user))  # type: ignore[arg-type]
