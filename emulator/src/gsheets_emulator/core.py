"""The Emulator: state, identities, dispatch.

One :meth:`Emulator.dispatch` serves both front ends (the in-process requests adapter and the
loopback HTTP server). A request goes: identify the caller (bearer token = email) -> log ->
hooks -> injected faults -> quota -> route -> role check -> handler -> modifiedTime/version ->
persist -> maybe drop the response.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from .adapter import gspread_client, make_session
from .cellvalues import current_year, year_at
from .errors import ApiError, permission_denied
from .faults import Faults
from .model import DriveState, FileState, SpreadsheetState, rfc3339
from .persist import Persistence
from .quota import Quota
from .recalc import FormulaIndex, forget, recalc
from .rest import Request, Response
from .roles import ROLE_RANK, best_role
from .routing import Route, match

if TYPE_CHECKING:
    import gspread
    import requests

__all__ = ["Emulator", "LogEntry", "Request", "Response"]  # Request/Response live in rest.py

# Drive methods that answer 404 for a shared-drive file unless the caller sends supportsAllDrives=true
# (Drive v3 guide "Implement shared drive support"; seattleflu/id3c#214: "without this parameter ... we get a 404").
NEEDS_ALL_DRIVES = frozenset({"drive.files.get", "drive.files.update", "drive.files.copy", "drive.files.delete",
                              "drive.v2.files.update", "drive.permissions.create", "drive.permissions.list",
                              "drive.permissions.get", "drive.permissions.update", "drive.permissions.delete"})
SERVICE_ACCOUNT_SUFFIXES = (".iam.gserviceaccount.com", "@appspot.gserviceaccount.com")  # the latter: legacy App Engine

SHEETS_HOST = "sheets.googleapis.com"
DRIVE_HOST = "www.googleapis.com"


@dataclass
class LogEntry:
    """One API call as the emulator saw it; benchmarks and tests count these."""

    at: float
    user: str
    method: str  # HTTP method
    path: str
    name: str  # discovery method id, "" when no route matched
    kind: str  # "read" | "write" | ""
    status: int
    bytes_in: int
    bytes_out: int
    cells_written: int = 0


class Emulator:
    """An offline Google Sheets v4 + Drive v3. ``Emulator()`` is in memory; ``Emulator(path)`` persists."""

    #: ``check(request, status)`` after every request of every emulator; the test suite installs its
    #: Discovery validator here. A check may raise to fail the caller loudly.
    validators: list[Callable[[Request, int], None]] = []

    def __init__(self, path: str | None = None, *, clock: Callable[[], float] | None = None,
                 quota: bool = False, metadata_limit: int | None = 30_000, drive_lag: float = 0.0) -> None:
        self.lock = threading.RLock()
        self.clock = clock or time.time
        self.files: dict[str, FileState] = {}
        self.drives: dict[str, DriveState] = {}  # shared drives by id
        self.service_accounts: set[str] = set()  # identities marked as service accounts (besides *.iam.gserviceaccount.com)
        self.log: list[LogEntry] = []
        self.hooks: list[Callable[[Request], None]] = []
        self.outbox: list[dict[str, Any]] = []  # notification e-mails Drive would have sent (sharing)
        self.formula_index: dict[str, FormulaIndex] = {}  # spreadsheetId -> its formulas' dependency graph
        self.recalc_stats: Counter[str] = Counter()  # formulas evaluated, full and incremental passes (recalc)
        self.faults = Faults()
        self.quota = Quota(enabled=quota, clock=self.clock)
        #: developer-metadata characters allowed per spreadsheet and per sheet (Google: 30,000); None: no limit
        self.metadata_limit = metadata_limit
        #: Drive lag, seconds: a spreadsheet's content change reaches Drive's ``modifiedTime``/``version``
        #: only at the file's next refresh, ``drive_lag`` s after the first change since its last one
        #: (changes in between are coalesced). 0 (the default): Drive shows every change at once.
        self.drive_lag = float(drive_lag or 0.0)
        self._lagging: set[str] = set()  # ids of files with a Drive refresh pending
        self.path = path
        self._store: Persistence | None = None
        if path is not None:
            self._store = Persistence(path)
            self._store.load(self)
            self._lagging = {f.id for f in self.files.values() if f.refresh_at is not None}

    # --- people ---------------------------------------------------------------------------
    def gspread_client(self, user: str = "owner@example.com") -> gspread.Client:
        """A real ``gspread.Client`` whose HTTP goes to this emulator, acting as ``user``."""
        return gspread_client(self, user)

    def session(self, user: str = "owner@example.com") -> requests.Session:
        """A ``requests.Session`` routed here with ``user``'s bearer token, for raw REST calls."""
        return make_session(self, user)

    def on_request(self, hook: Callable[[Request], None]) -> Callable[[], None]:
        """Run ``hook(request)`` before every request is handled; returns a remover.

        A hook may mutate state (act as a person editing the sheet) or raise ApiError.
        Hooks are suspended while they run, so a hook may itself call the API.
        """
        self.hooks.append(hook)
        return lambda: self.hooks.remove(hook) if hook in self.hooks else None

    def mark_service_account(self, email: str) -> None:
        """Treat ``email`` as a service account (no Drive storage of its own), whatever its domain."""
        self.service_accounts.add(email.lower())

    def is_service_account(self, user: str) -> bool:
        u = user.lower()
        return u.endswith(SERVICE_ACCOUNT_SUFFIXES) or u in self.service_accounts

    # --- counting -------------------------------------------------------------------------
    def calls(self, since: int = 0, *, user: str | None = None) -> Counter[str]:
        """Counts of API calls by discovery method id, from log position ``since``."""
        return Counter(e.name or f"{e.method} {e.path}" for e in self.log[since:] if user is None or e.user == user)

    def usage(self, since: int = 0) -> dict[str, dict[str, int]]:
        """Per user: calls, reads, writes, errors, bytes in and out, cells written — from log position ``since``."""
        out: dict[str, dict[str, int]] = {}
        for e in self.log[since:]:
            u = out.setdefault(e.user, dict.fromkeys(
                ("calls", "reads", "writes", "errors", "bytes_in", "bytes_out", "cells_written"), 0))
            u["calls"] += 1
            u["reads"] += e.kind == "read"
            u["writes"] += e.kind == "write"
            u["errors"] += e.status >= 400 or e.status == 0
            u["bytes_in"] += e.bytes_in
            u["bytes_out"] += e.bytes_out
            u["cells_written"] += e.cells_written
        return out

    def mark(self) -> int:
        """A position in the request log, for ``calls(since=...)``."""
        return len(self.log)

    # --- state helpers used by handlers ---------------------------------------------------
    def now(self) -> float:
        return self.clock()

    def new_file_id(self) -> str:
        return uuid.uuid4().hex + uuid.uuid4().hex[:12]

    def get_file(self, file_id: str) -> FileState:
        f = self.files.get(file_id)
        if f is None:
            raise ApiError(404, f"File not found: {file_id}.", reason="notFound")
        return f

    def spreadsheet(self, spreadsheet_id: str) -> SpreadsheetState:
        f = self.files.get(spreadsheet_id)
        if f is None or f.spreadsheet is None:
            raise ApiError(404, "Requested entity was not found.")
        return f.spreadsheet

    def role_of(self, f: FileState, user: str) -> str | None:
        best: str | None = None
        if f.drive_id is not None:  # a shared drive's members have their role on every file in it
            drive = self.drives.get(f.drive_id)
            if drive is not None:
                best = best_role(drive.permissions, user)
        return best_role(f.permissions, user, best)

    def drive_role(self, drive: DriveState, user: str) -> str | None:
        """``user``'s membership role in a shared drive (None: not a member)."""
        return best_role(drive.permissions, user)

    def require_role(self, f: FileState, user: str, need: str, api: str) -> None:
        if need == "none":
            return
        have = self.role_of(f, user)
        if have is None:
            if api == "drive":
                raise ApiError(404, f"File not found: {f.id}.", reason="notFound")
            raise permission_denied("The caller does not have permission")
        if ROLE_RANK[have] < ROLE_RANK[need]:
            if api == "drive":
                raise ApiError(403, f"The user does not have sufficient permissions for file {f.id}.",
                               reason="insufficientFilePermissions")
            raise permission_denied("The caller does not have permission")

    def touch(self, f: FileState) -> None:
        """A content change: bump version and modifiedTime (strictly increasing).

        Under Drive lag the first change since the file's last refresh freezes what Drive shows and
        schedules the refresh ``drive_lag`` seconds later; later changes join that refresh.
        """
        now = self.now()
        if self.drive_lag > 0 and f.refresh_at is None:
            f.shown = (f.modified_time, f.version)
            f.refresh_at = now + self.drive_lag
            self._lagging.add(f.id)
        prev = f.modified_time
        stamp = rfc3339(now)
        if stamp <= prev:
            # keep modifiedTime strictly increasing even within one millisecond
            stamp = _bump(prev)
        f.modified_time = stamp
        f.version += 1

    def refresh_drive(self) -> None:
        """Publish to Drive every pending refresh that is due (all of them when lag is off)."""
        if not self._lagging:
            return
        now = self.now()
        for fid in list(self._lagging):
            f = self.files.get(fid)
            if f is None or f.refresh_at is None or f.refresh_at <= now or self.drive_lag <= 0:
                if f is not None:
                    f.shown, f.refresh_at = None, None
                self._lagging.discard(fid)

    # --- the one entry point --------------------------------------------------------------
    def dispatch(self, method: str, url: str, headers: dict[str, str] | None = None,
                 body: bytes | str | None = None) -> Response:
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        if isinstance(body, str):
            body = body.encode()
        body = body or b""
        parts = urlsplit(url)
        path = unquote(parts.path)
        # Discovery paths: sheets live at /v4/..., drive at /drive/v3/... and /upload/drive/v3/...
        query = parse_qs(parts.query, keep_blank_values=True)
        user = _user_from(headers)
        req = Request(self, method.upper(), path, query, headers, body, user)
        api = "drive" if "/drive/" in path else "sheets"
        req.api = api
        entry = LogEntry(self.now(), user, req.method, path, "", "", 0, len(body), 0)
        with self.lock:
            self.log.append(entry)
            rt: Route | None = None
            params: dict[str, str] = {}
            try:
                if not user:
                    raise ApiError(401, "Request is missing required authentication credential. Expected OAuth 2 access "
                                   "token, login cookie or other valid authentication credential.")
                found = match(req.method, path)
                if found is None:
                    raise ApiError(404, f"The requested URL {path} was not found on this server (sheetsync emulator: "
                                   f"no such endpoint).", status="NOT_FOUND")
                rt, params = found
                req.name, entry.name = rt.name, rt.name
                req.kind = entry.kind = rt.quota
                if self.hooks:
                    hooks, self.hooks = self.hooks, []
                    try:
                        for h in hooks:
                            h(req)
                    finally:
                        self.hooks = hooks + self.hooks
                self.faults.before(req)
                self.quota.charge(user, rt.quota, rt.api)
                if rt.api == "drive":
                    self.refresh_drive()
                f = None
                if rt.id_param:
                    f = self.files.get(params[rt.id_param])
                    if f is not None and f.drive_id and rt.name in NEEDS_ALL_DRIVES \
                            and not (req.bool_param("supportsAllDrives") or req.bool_param("supportsTeamDrives")):
                        raise ApiError(404, f"File not found: {f.id}.", reason="notFound")
                    if f is None and rt.name.startswith("drive.permissions.") and params[rt.id_param] in self.drives:
                        pass  # a shared drive's members: the handler checks the drive and the caller's role
                    elif f is None or (rt.api == "sheets" and f.spreadsheet is None):
                        if rt.api == "drive":
                            raise ApiError(404, f"File not found: {params[rt.id_param]}.", reason="notFound")
                        raise ApiError(404, "Requested entity was not found.")
                    if f is not None:
                        self.require_role(f, user, rt.access, rt.api)
                version_before = f.version if f is not None else None
                tz = f.spreadsheet.properties.get("timeZone") if f is not None and f.spreadsheet else None
                with current_year(year_at(self.now(), tz)):
                    result = rt.handler(req, **params)
                if isinstance(result, Response):
                    resp = result
                else:
                    resp = Response(200, json.dumps(result, ensure_ascii=False).encode())
                if rt.quota == "write":
                    if f is not None and f.version == version_before and req.changed:
                        self.touch(f)
                        if f.spreadsheet is not None and not req.recalculated:
                            recalc(f.spreadsheet, self, req)
                    if self._store is not None:
                        self._store.save(self, f, full=False)
                entry.cells_written = req.cells_written
                lost = self.faults.after(req)
            except ApiError as e:
                if req.changed and rt is not None and rt.id_param and rt.quota == "write":
                    forget(self, params[rt.id_param])  # a write that failed half-way: rebuild the graph
                resp = Response(e.code, json.dumps(e.body(api), ensure_ascii=False).encode())
                resp.headers.update(e.headers)
                lost = None
            entry.status = resp.status
            entry.bytes_out = len(resp.body)
        for check in Emulator.validators:
            check(req, resp.status)
        if lost is not None:
            raise lost
        latency = self.faults.latency_for(req)
        if latency:
            time.sleep(latency)
        return resp

    def save(self) -> None:
        if self._store is not None:
            with self.lock:
                self._store.save(self)


def _user_from(headers: dict[str, str]) -> str:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return ""


def _bump(stamp: str) -> str:
    dt = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return rfc3339(dt.timestamp() + 0.0015)

