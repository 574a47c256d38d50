"""Google's REST calls, made as one person through the emulator's own dispatch.

The view never reads the emulator's state for content: it asks Drive which files the person may see
and Sheets for the grid, and writes through the values API, so what a person sees and may change is
exactly what Google would allow them (the emulator's permission, protection and validation rules).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    from gsheets_emulator import Emulator

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE = "https://www.googleapis.com/drive/v3/files"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"


class Refused(Exception):
    """Google said no: ``status`` and Google's own ``message``, shown to the person as they are."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class PersonApi:
    """The emulator's API as ``user`` sees it."""

    def __init__(self, emulator: Emulator, user: str) -> None:
        self.emulator = emulator
        self.user = user

    def _call(self, method: str, url: str, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        if params:
            url += "?" + urlencode(params, doseq=True)
        headers = {"Authorization": f"Bearer {self.user}"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, ensure_ascii=False).encode()
        resp = self.emulator.dispatch(method, url, headers, data)
        payload = resp.json() if resp.body else None
        if resp.status >= 400:
            err = (payload or {}).get("error", {}) if isinstance(payload, dict) else {}
            raise Refused(resp.status, err.get("message") or f"HTTP {resp.status}")
        return payload

    def spreadsheets(self) -> list[dict[str, Any]]:
        """The spreadsheets Drive lists for this person (My Drive, shared with them, their shared drives)."""
        out: list[dict[str, Any]] = []
        token = None
        while True:
            params = {"q": f"mimeType='{SPREADSHEET_MIME}' and trashed=false", "corpora": "allDrives",
                      "includeItemsFromAllDrives": "true", "supportsAllDrives": "true", "orderBy": "name",
                      "pageSize": 1000, "fields": "nextPageToken,files(id,name,modifiedTime,owners(emailAddress))"}
            if token:
                params["pageToken"] = token
            page = self._call("GET", DRIVE, params)
            out.extend(page.get("files", []))
            token = page.get("nextPageToken")
            if not token:
                return out

    def can_edit(self, spreadsheet_id: str) -> bool:
        """Drive's ``capabilities.canEdit`` for this person."""
        f = self._call("GET", f"{DRIVE}/{quote(spreadsheet_id)}",
                       {"fields": "capabilities(canEdit)", "supportsAllDrives": "true"})
        return bool(f.get("capabilities", {}).get("canEdit"))

    def spreadsheet(self, spreadsheet_id: str, tab: str | None = None) -> dict[str, Any]:
        """Every tab's properties, rules and protections; grid data (values, formats, notes) of ``tab`` only."""
        params: dict[str, Any] = {"includeGridData": "true"}
        if tab is not None:
            params["ranges"] = quote_title(tab)
        return self._call("GET", f"{SHEETS}/{quote(spreadsheet_id)}", params)

    def tabs(self, spreadsheet_id: str) -> dict[str, Any]:
        """The spreadsheet without grid data (title, tabs) — to learn the tab titles."""
        return self._call("GET", f"{SHEETS}/{quote(spreadsheet_id)}",
                          {"fields": "spreadsheetId,properties(title,locale,timeZone),sheets(properties)"})

    def write(self, spreadsheet_id: str, tab: str, a1: str, value: str) -> dict[str, Any]:
        """Type ``value`` into one cell, as a person typing in the sheet (USER_ENTERED)."""
        rng = f"{quote_title(tab)}!{a1}"
        return self._call("PUT", f"{SHEETS}/{quote(spreadsheet_id)}/values/{quote(rng, safe='')}",
                          {"valueInputOption": "USER_ENTERED"},
                          {"range": rng, "majorDimension": "ROWS", "values": [[value]]})


def quote_title(title: str) -> str:
    """A sheet title as an A1 prefix: always quoted, so titles with spaces or digits are safe."""
    return "'" + title.replace("'", "''") + "'"
