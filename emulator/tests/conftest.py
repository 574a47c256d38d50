"""Fixtures for the emulator's own tests: a fresh spreadsheet, raw REST helpers, people with roles.

The emulator itself, Discovery validation and ``allow_invalid_requests`` come from the package's pytest
plugin (on via ``gsheets_emulator_validate`` in the ini file).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

import pytest

from gsheets_emulator import Emulator

# hypothesis profiles (the same as sheetsync's, so one session of both suites agrees): CI=true runs the
# same 200 examples every time (derandomized); SHEETSYNC_LONG=1 the long profile; else 50 at random.
try:
    from hypothesis import settings

    settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True)
    settings.register_profile("long", max_examples=2000, deadline=None)
    settings.register_profile("dev", max_examples=50, deadline=None)
    settings.load_profile("long" if os.environ.get("SHEETSYNC_LONG") else ("ci" if os.environ.get("CI") else "dev"))
except ImportError:  # pragma: no cover
    pass

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
OWNER = "owner@agency.test"


@pytest.fixture
def emu(emulator: Emulator) -> Emulator:
    """The plugin's fresh in-memory emulator, under the name these tests use."""
    return emulator


@pytest.fixture
def owner_gc(emu):
    """gspread acting as the spreadsheet owner."""
    return emu.gspread_client(user=OWNER)


@pytest.fixture
def sh(owner_gc):
    """A new spreadsheet (en_US) owned by OWNER, opened through gspread."""
    return owner_gc.create("Values test")


@pytest.fixture
def ws(sh):
    return sh.sheet1


@pytest.fixture
def ru_sh(owner_gc):
    """A spreadsheet in the ru_RU locale."""
    sh = owner_gc.create("Русская таблица")
    sh.batch_update({"requests": [{"updateSpreadsheetProperties": {
        "properties": {"locale": "ru_RU", "timeZone": "Europe/Moscow"}, "fields": "locale,timeZone"}}]})
    return sh


class Rest:
    """Raw REST calls to the values endpoints, as a given user, answering (status, json)."""

    def __init__(self, emu, spreadsheet_id: str, user: str = OWNER) -> None:
        self.s = emu.session(user)
        self.id = spreadsheet_id

    def _url(self, suffix: str) -> str:
        return f"{SHEETS}/{self.id}{suffix}"

    def get(self, rng: str, **params: Any) -> tuple[int, Any]:
        r = self.s.get(self._url("/values/" + quote(rng, safe="")), params=params)
        return r.status_code, r.json()

    def put(self, rng: str, body: dict[str, Any], **params: Any) -> tuple[int, Any]:
        r = self.s.put(self._url("/values/" + quote(rng, safe="")), params=params, json=body)
        return r.status_code, r.json()

    def post(self, suffix: str, body: dict[str, Any] | None = None, **params: Any) -> tuple[int, Any]:
        r = self.s.post(self._url(suffix), params=params, json=body or {})
        return r.status_code, r.json()

    def call(self, method: str, suffix: str, **kw: Any) -> tuple[int, Any]:
        r = self.s.request(method, self._url(suffix), **kw)
        return r.status_code, r.json()


@pytest.fixture
def rest(emu, sh):
    return Rest(emu, sh.id)


@pytest.fixture
def rest_as(emu, sh):
    return lambda user: Rest(emu, sh.id, user)


def share(sh, email: str, role: str) -> None:
    sh.share(email, perm_type="user", role=role, notify=False)
