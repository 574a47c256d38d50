"""Fixtures for the emulator's own tests: a fresh spreadsheet, raw REST helpers, people with roles."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
OWNER = "owner@agency.test"


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
