"""Loud gaps: whatever the emulator does not implement answers a Google-style 400 naming it.

Generated from the route table and from the Discovery document, so a new endpoint or a new
Google request kind cannot slip through unchecked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import googleapiclient
import pytest

from gsheets_emulator import Emulator
from gsheets_emulator.routing import ROUTES
from gsheets_emulator.sheets_batch import REQUEST_KINDS

Emulator()  # registers every route
DISCOVERY = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
GOOGLE_KINDS = sorted(json.loads((DISCOVERY / "sheets.v4.json").read_text())["schemas"]["Request"]["properties"])
UNIMPLEMENTED = [k for k in GOOGLE_KINDS if k not in REQUEST_KINDS]
BODY_ROUTES = [r for r in ROUTES if r.method in ("POST", "PUT", "PATCH") and not r.pattern.pattern.startswith("^/upload")
               and r.name != "drive.comments.create"]


def _url(route, sh, emu) -> str:
    pid = emu.session("owner@agency.test").get(
        f"https://www.googleapis.com/drive/v3/files/{sh.id}/permissions").json()["permissions"][0]["id"]
    drive_id = next(iter(emu.drives), None) or emu.session("owner@agency.test").post(
        "https://www.googleapis.com/drive/v3/drives", params={"requestId": "loud-gaps"}, json={"name": "D"}).json()["id"]
    vals = {"spreadsheet_id": sh.id, "file_id": sh.id, "sheet_id": "0", "metadata_id": "1", "permission_id": pid,
            "rng": "A1", "drive_id": drive_id}
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: vals[m.group(1)], route.pattern.pattern.strip("^$"))
    host = "https://www.googleapis.com" if route.api == "drive" else "https://sheets.googleapis.com"
    return host + path.replace("\\", "")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.name}")
def test_unknown_query_parameter_is_named(emu, sh, route, allow_invalid_requests):
    body = b"{}" if route.method in ("POST", "PUT", "PATCH") else None
    r = emu.session("owner@agency.test").request(route.method, _url(route, sh, emu), params={"bogusParam": "1"},
                                                 data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["status"] == "INVALID_ARGUMENT"
    assert "bogusParam" in err["message"] or route.name == "drive.comments.create", err["message"]


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: f"{r.method} {r.name}")
def test_unknown_body_field_is_named(emu, sh, route, allow_invalid_requests):
    params = {"valueInputOption": "RAW"} if route.name.endswith(("values.update", "values.append")) else {}
    r = emu.session("owner@agency.test").request(route.method, _url(route, sh, emu), json={"bogusField": 1},
                                                 params=params)
    assert r.status_code == 400, r.text
    assert "bogusField" in r.json()["error"]["message"]


@pytest.mark.parametrize("kind", UNIMPLEMENTED)
def test_google_request_kinds_not_implemented_are_refused_by_name(emu, sh, kind, allow_invalid_requests):
    before = sh.fetch_sheet_metadata()
    r = emu.session("owner@agency.test").post(f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}:batchUpdate",
                                              json={"requests": [{"addSheet": {}}, {kind: {}}]})
    assert r.status_code == 400
    msg = r.json()["error"]["message"]
    assert kind in msg and "requests[1]" in msg, msg
    assert sh.fetch_sheet_metadata() == before  # all or nothing: the addSheet before it did not land


def test_drive_comments_are_deliberately_unsupported(emu, sh):
    sh.share("reader@x.test", perm_type="user", role="reader", notify=False)
    url = f"https://www.googleapis.com/drive/v3/files/{sh.id}/comments"
    r = emu.session("reader@x.test").post(url, json={"content": "hi"})
    assert r.status_code == 403  # a reader may not comment, implemented or not
    r = emu.session("owner@agency.test").post(url, json={"content": "hi"})
    assert r.status_code == 400 and "Unsupported by the sheetsync emulator: Drive comments" in r.text
    assert emu.session("owner@agency.test").get(url, params={"fields": "comments"}).json() == {"comments": []}


@pytest.mark.parametrize("kind", sorted(REQUEST_KINDS))
def test_unknown_field_inside_each_request_kind_is_named(emu, sh, kind, allow_invalid_requests):
    r = emu.session("owner@agency.test").post(f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}:batchUpdate",
                                              json={"requests": [{kind: {"bogusField": 1}}]})
    assert r.status_code == 400
    msg = r.json()["error"]["message"]
    assert "bogusField" in msg and "requests[0]" in msg, msg
