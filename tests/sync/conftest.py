"""Fixtures for sync integration tests: a real SQLite store, a provisioned spreadsheet, a manager in gspread."""

from __future__ import annotations

import pytest
from synchelpers import MANAGER, SA, make_store, provision  # noqa: F401


@pytest.fixture
def store(tmp_path):
    st = make_store(tmp_path / "store.db")
    yield st
    st.close()


@pytest.fixture
def sheets(emu):
    from sheetsync.sheets import Backend, connect

    return connect(Backend(emulator=emu, user=SA))


@pytest.fixture
def sid(store, sheets):
    return provision(store, sheets)


@pytest.fixture
def engine(store, sheets, sid):
    from sheetsync.sync.engine import SyncEngine

    return SyncEngine(store, sheets)


@pytest.fixture
def manager(emu, sid):
    """The manager's view of the spreadsheet through real gspread."""
    return emu.gspread_client(user=MANAGER).open_by_key(sid)
