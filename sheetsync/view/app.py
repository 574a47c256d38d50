"""The view's routes: which page answers which request, and who may edit from where.

``ViewApp.handle`` is plain (method, path, headers, body, client address) -> ViewResponse, so any
HTTP server can mount it; the emulator's own loopback server does (``EmulatorServer(view=...)``).

* ``GET /`` and ``/view/``           the spreadsheets Drive lists for the person (``?as=email``)
* ``GET /view/s/ID?tab=SHEET_ID``    one spreadsheet, one tab drawn (403 page when Google would refuse)
* ``GET /view/s/ID/grid?tab=``       just the tab's table (what the live refresh swaps in)
* ``GET /view/s/ID/rev``             the content's revision, polled every second for live updates (no API call)
* ``POST /view/s/ID/edit``           type a value into a cell through the values API, as the person
* ``POST /view/s/ID/resolve``        settle a conflict (``id``, ``take``: sheet | store | a value), as the
                                     person, through the store (only with a conflict desk: ``conflicts.py``)

Edits are taken only from loopback unless ``allow_remote``; every other address gets the pages
read-only. A POST must carry ``X-Sheetsync-View: 1``, which a page of another site cannot send
without a CORS preflight this server never grants.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import grid as gridmod
from . import pages
from .api import PersonApi, Refused
from .conflicts import ConflictDesk, Unresolvable
from .people import default_person, people

if TYPE_CHECKING:
    from gsheets_emulator import Emulator

log = logging.getLogger(__name__)
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"


@dataclass
class ViewResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": HTML})


class ViewApp:
    """The view of one emulator. ``operator``: whom the page acts as until another person is picked."""

    PREFIXES = ("/view", "/favicon.ico")

    def __init__(self, emulator: Emulator, *, operator: str | None = None, allow_remote: bool = False,
                 conflicts: ConflictDesk | None = None) -> None:
        self.emulator = emulator
        self.operator = operator
        self.allow_remote = allow_remote
        self.conflicts = conflicts

    def handles(self, path: str) -> bool:
        p = urlsplit(path).path
        return p == "/" or p.startswith(self.PREFIXES)

    def may_edit_from(self, client: str | None) -> bool:
        """Edits from loopback always; from elsewhere only with ``allow_remote``."""
        if self.allow_remote:
            return True
        try:
            return client is not None and ipaddress.ip_address(client).is_loopback
        except ValueError:
            return False

    # --- dispatch -------------------------------------------------------------------------------
    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes, client: str | None) -> ViewResponse:
        """Answer one request; a fault of the view itself becomes a one-line 500 page (traceback in the debug log)."""
        try:
            return self._route(method, path, headers, body, client)
        except Exception as e:  # noqa: BLE001 - a page, never a traceback, for a person
            log.debug("view request %s %s failed", method, path, exc_info=True)
            return _html(500, f"<!doctype html><p>sheetsync view: {type(e).__name__}: {escape(str(e))} — run with "
                              "SHEETSYNC_DEBUG=1 and report it</p>")

    def _route(self, method: str, path: str, headers: dict[str, str], body: bytes, client: str | None) -> ViewResponse:
        parts = urlsplit(path)
        route = unquote(parts.path).rstrip("/") or "/"
        q = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if method == "POST":
            q.update({k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()})
        person = (q.get("as") or "").strip() or default_person(self.emulator, self.operator)
        editable = self.may_edit_from(client)
        if route == "/favicon.ico":
            return ViewResponse(204, b"", {})
        if route in ("/", "/view") and method in ("GET", "HEAD"):
            return self._files(person, editable)
        seg = route.split("/")
        if len(seg) >= 4 and seg[1] == "view" and seg[2] == "s":
            sid, action = seg[3], (seg[4] if len(seg) > 4 else "")
            if method in ("GET", "HEAD") and action == "":
                return self._spreadsheet(sid, q.get("tab"), person, editable)
            if method in ("GET", "HEAD") and action == "grid":
                return self._grid(sid, q.get("tab"), person)
            if method in ("GET", "HEAD") and action == "rev":
                return self._rev(sid, person)
            if method == "POST" and action in ("edit", "resolve"):
                if headers.get("x-sheetsync-view") != "1":
                    return _json(403, ok=False, message="edits come from the view's own page only")
                if not editable:
                    return _json(403, ok=False, message="the view is read-only from other machines (start it with "
                                                        "--allow-remote to take edits from them)")
                return self._edit(sid, q, person) if action == "edit" else self._resolve(sid, q, person)
        return self._error(404, "no such page", "the view's pages are the list of spreadsheets and each spreadsheet",
                           person)

    # --- pages --------------------------------------------------------------------------------
    def _files(self, person: str, editable: bool) -> ViewResponse:
        try:
            files = PersonApi(self.emulator, person).spreadsheets()
        except Refused as e:
            return self._error(e.status, e.message, "pick another person", person)
        return _html(200, pages.files_page(files, person, self._people(), editable=editable))

    def _load(self, sid: str, tab: str | None, person: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The spreadsheet's tabs (properties only), and ``tab`` with its grid data; raises Refused as Google would."""
        api = PersonApi(self.emulator, person)
        meta = api.tabs(sid)
        sheets = meta.get("sheets", [])
        if not sheets:
            raise Refused(404, "the spreadsheet has no tabs")
        chosen = next((s for s in sheets if str(s["properties"].get("sheetId")) == str(tab)), sheets[0])
        title = chosen["properties"]["title"]
        full = api.spreadsheet(sid, title)  # Google returns only the tabs the range covers
        sheet = next(s for s in full["sheets"] if s["properties"]["title"] == title)
        return meta, sheet

    def _spreadsheet(self, sid: str, tab: str | None, person: str, editable: bool) -> ViewResponse:
        api = PersonApi(self.emulator, person)
        try:
            full, sheet = self._load(sid, tab, person)
            can_edit = api.can_edit(sid)
        except Refused as e:
            return self._refused(e, person)
        grid = gridmod.build(full, sheet, self.emulator.now())  # full: the tabs' properties (locale, time zone)
        tabs = [(s["properties"]["sheetId"], s["properties"]["title"]) for s in full["sheets"]
                if not s["properties"].get("hidden")]
        conflicts = self.conflicts.open_for(sid, person) if self.conflicts is not None else None
        html = pages.spreadsheet_page(sid, full.get("properties", {}).get("title", sid), tabs, grid, person,
                                      self._people(), rev=self._revision(sid), editable=editable, can_edit=can_edit,
                                      conflicts=conflicts)
        return _html(200, html)

    def _grid(self, sid: str, tab: str | None, person: str) -> ViewResponse:
        try:
            full, sheet = self._load(sid, tab, person)
        except Refused as e:
            return _html(e.status, f"<p>{e.message}</p>")
        return _html(200, pages.grid_html(gridmod.build(full, sheet, self.emulator.now())))

    def _rev(self, sid: str, person: str) -> ViewResponse:
        """The poll: asked every second per open page, so it is answered from the emulator's own role check
        (the one its API applies) rather than an API call — no quota charged, nothing added to its call log."""
        with self.emulator.lock:
            f = self.emulator.files.get(sid)
            if f is None or f.spreadsheet is None:
                return _json(404, message="Requested entity was not found.")
            if self.emulator.role_of(f, person) is None:
                return _json(403, message="The caller does not have permission")
            return _json(200, rev=f.version)

    def _revision(self, sid: str) -> int:
        """The file's content version (every write bumps it; Drive may publish it later, under Drive lag)."""
        with self.emulator.lock:
            f = self.emulator.files.get(sid)
            return f.version if f is not None else 0

    def _edit(self, sid: str, q: dict[str, str], person: str) -> ViewResponse:
        a1, value, tab = q.get("a1", ""), q.get("value", ""), q.get("tab")
        try:
            _full, sheet = self._load(sid, tab, person)
            PersonApi(self.emulator, person).write(sid, sheet["properties"]["title"], a1, value)
        except Refused as e:
            return _json(200, ok=False, code=e.status, message=e.message)
        return _json(200, ok=True, rev=self._revision(sid))

    def _resolve(self, sid: str, q: dict[str, str], person: str) -> ViewResponse:
        if self.conflicts is None:
            return _json(200, ok=False, message="this view has no store to settle conflicts in (use `sheetsync view`)")
        try:
            said = self.conflicts.resolve(sid, int(q.get("id", "0") or 0), q.get("take", "").strip(), person)
        except (Unresolvable, ValueError) as e:
            return _json(200, ok=False, message=str(e))
        return _json(200, ok=True, message=said)

    # --- errors -------------------------------------------------------------------------------
    def _refused(self, e: Refused, person: str) -> ViewResponse:
        if e.status in (401, 403):
            return self._error(403, f"{person} may not open this spreadsheet",
                               f"Google says: {e.message} Pick a person it is shared with.", person)
        if e.status == 404:
            return self._error(404, "no such spreadsheet", f"Google says: {e.message}", person)
        return self._error(e.status, e.message, "try again, or pick another person", person)

    def _error(self, status: int, message: str, hint: str, person: str) -> ViewResponse:
        return _html(status, pages.error_page(status, message, hint, person, self._people()))

    def _people(self) -> list[str]:
        return people(self.emulator, self.operator)


def _html(status: int, text: str) -> ViewResponse:
    return ViewResponse(status, text.encode("utf-8"), {"Content-Type": HTML, "Cache-Control": "no-store"})


def _json(status: int, **data: Any) -> ViewResponse:
    return ViewResponse(status, json.dumps(data, ensure_ascii=False).encode("utf-8"),
                        {"Content-Type": JSON, "Cache-Control": "no-store"})
