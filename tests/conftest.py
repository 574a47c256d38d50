"""Shared fixtures: a fresh emulator per test, and people acting on it through real gspread."""

from __future__ import annotations

import os

import pytest

from sheetsync.emulator import Emulator

try:  # quick profile by default; SHEETSYNC_LONG=1 for the long property-test profile
    from hypothesis import settings

    settings.register_profile("ci", max_examples=200, deadline=None)
    settings.register_profile("long", max_examples=2000, deadline=None)
    settings.register_profile("dev", max_examples=50, deadline=None)
    settings.load_profile("long" if os.environ.get("SHEETSYNC_LONG") else ("ci" if os.environ.get("CI") else "dev"))
except ImportError:  # pragma: no cover
    pass


@pytest.fixture
def emu() -> Emulator:
    return Emulator()


@pytest.fixture
def owner_gc(emu):
    """gspread acting as the spreadsheet owner (the service account)."""
    return emu.gspread_client(user="owner@agency.test")
