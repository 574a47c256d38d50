"""Shared fixtures: a fresh emulator per test, and people acting on it through real gspread.

The Discovery validation of every emulator request (and the ``allow_invalid_requests`` fixture) comes
from gsheets_emulator's pytest plugin, switched on by ``gsheets_emulator_validate`` in pyproject.toml.
"""

from __future__ import annotations

import os

import pytest
from gsheets_emulator import Emulator

try:  # quick profile by default; SHEETSYNC_LONG=1 for the long property-test profile
    from hypothesis import settings

    # CI is the gate for main: the same 200 examples every run (derandomized), so a red run always
    # reproduces; the dev and long profiles keep exploring at random and find what CI does not.
    settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True)
    settings.register_profile("long", max_examples=2000, deadline=None)
    settings.register_profile("dev", max_examples=50, deadline=None)
    settings.load_profile("long" if os.environ.get("SHEETSYNC_LONG") else ("ci" if os.environ.get("CI") else "dev"))
except ImportError:  # pragma: no cover
    pass


@pytest.fixture
def emu(emulator: Emulator) -> Emulator:
    """The plugin's fresh in-memory emulator, under the name this suite uses."""
    return emulator


@pytest.fixture
def owner_gc(emu):
    """gspread acting as the spreadsheet owner (the service account)."""
    return emu.gspread_client(user="owner@agency.test")
