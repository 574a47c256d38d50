"""Shared fixtures: a fresh emulator per test, and people acting on it through real gspread."""

from __future__ import annotations

import os

import pytest

from sheetsync.emulator import Emulator

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
def emu() -> Emulator:
    return Emulator()


@pytest.fixture
def owner_gc(emu):
    """gspread acting as the spreadsheet owner (the service account)."""
    return emu.gspread_client(user="owner@agency.test")


# --- every request checked against Google's Discovery documents ------------------------------

import discovery  # noqa: E402  (tests/discovery.py)


@pytest.fixture(scope="session", autouse=True)
def _discovery_validation():
    """Install the Discovery validator on every emulator of the session."""
    Emulator.validators.append(discovery.check_request)
    yield
    Emulator.validators.remove(discovery.check_request)


@pytest.fixture(autouse=True)
def _no_invalid_requests(request):
    """Fail a test that sent a request Google's schema rejects (accepted ones fail at once, in the call)."""
    discovery.SEEN.clear()
    yield
    if "allow_invalid_requests" in request.fixturenames or not discovery.SEEN:
        return
    lines = [f"{name} -> {status}: {'; '.join(found)}" for name, status, found in discovery.SEEN]
    pytest.fail("requests that Google's Discovery documents reject were sent:\n  " + "\n  ".join(lines)
                + "\nIf the test sends them on purpose (to check the emulator's 400), use the "
                  "`allow_invalid_requests` fixture.", pytrace=False)


@pytest.fixture
def allow_invalid_requests():
    """For tests that send malformed requests on purpose; returns the violations seen so far."""
    return discovery.SEEN
