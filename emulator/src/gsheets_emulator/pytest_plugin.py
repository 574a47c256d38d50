"""pytest fixtures for any project testing gspread code: a fresh emulator, a gspread client routed to it,
and (opt-in) every request checked against Google's Discovery documents.

Registered through the ``pytest11`` entry point, so installing the package is enough — no conftest::

    def test_budget(gspread_client):
        sh = gspread_client.create("Budget")
        sh.sheet1.update_acell("A1", "=1+1")
        assert sh.sheet1.acell("A1").value == "2"

Validation is off unless ``gsheets_emulator_validate = true`` is in the ini file (or
``--gsheets-emulator-validate`` is given); it needs google-api-python-client (the ``[discovery]`` extra).
It is a suite-wide switch, not a fixture, because it checks every emulator a test creates, including
those made inside the code under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import gspread

    from .core import Emulator

INI = "gsheets_emulator_validate"
OPTION = "--gsheets-emulator-validate"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gsheets-emulator")
    group.addoption(OPTION, action="store_true", default=False,
                    help="Check every emulator request against Google's Discovery documents (as the ini flag).")
    parser.addini(INI, type="bool", default=False,
                  help="Check every emulator request against Google's Discovery documents; a test that sent "
                       "a request Google rejects fails unless it uses the allow_invalid_requests fixture.")


def validation_enabled(config: pytest.Config) -> bool:
    """Whether this session checks requests against the Discovery documents."""
    return bool(config.getoption(OPTION) or config.getini(INI))


@pytest.fixture
def gspread_user() -> str:
    """The e-mail :func:`gspread_client` acts as (its bearer token); override it to act as someone else."""
    return "owner@example.com"


@pytest.fixture
def emulator() -> Emulator:
    """A fresh in-memory emulator: no files, no users, nothing shared with other tests."""
    from .core import Emulator

    return Emulator()


@pytest.fixture
def gspread_client(emulator: Emulator, gspread_user: str) -> gspread.Client:
    """A real ``gspread.Client`` whose HTTP goes to :func:`emulator`, acting as :func:`gspread_user`."""
    return emulator.gspread_client(user=gspread_user)


@pytest.fixture(scope="session", autouse=True)
def _gsheets_emulator_discovery_validation(pytestconfig: pytest.Config) -> Iterator[None]:
    """Install the Discovery validator on every emulator of the session (when enabled)."""
    if not validation_enabled(pytestconfig):
        yield
        return
    from . import discovery
    from .core import Emulator

    Emulator.validators.append(discovery.check_request)
    yield
    Emulator.validators.remove(discovery.check_request)


@pytest.fixture(autouse=True)
def _gsheets_emulator_no_invalid_requests(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that sent a request Google's schema rejects (accepted ones fail at once, in the call)."""
    if not validation_enabled(request.config):
        yield
        return
    from . import discovery

    discovery.SEEN.clear()
    yield
    if "allow_invalid_requests" in request.fixturenames or not discovery.SEEN:
        return
    lines = [f"{name} -> {status}: {'; '.join(found)}" for name, status, found in discovery.SEEN]
    pytest.fail("requests that Google's Discovery documents reject were sent:\n  " + "\n  ".join(lines)
                + "\nIf the test sends them on purpose (to check the emulator's 400), use the "
                  "`allow_invalid_requests` fixture.", pytrace=False)


@pytest.fixture
def allow_invalid_requests(request: pytest.FixtureRequest) -> list[Any]:
    """For tests that send malformed requests on purpose; returns the violations seen so far."""
    if not validation_enabled(request.config):
        return []
    from . import discovery

    return discovery.SEEN
