"""Fixtures for sync integration tests: a real SQLite store, a provisioned spreadsheet, a manager in gspread.

Provisioning and a fresh store cost seconds, so both are made once per session and copied per test.
"""

from __future__ import annotations

import copy
import shutil

import pytest
from synchelpers import MANAGER, SA, make_store, provision


@pytest.fixture(scope="session")
def _template(tmp_path_factory):
    from gsheets_emulator import Emulator

    from sheetsync.sheets import Backend, connect

    path = tmp_path_factory.mktemp("tpl") / "store.db"
    st = make_store(path)
    emu = Emulator()
    sid = provision(st, connect(Backend(emulator=emu, user=SA)))
    st.close()
    return path, emu.files, sid


@pytest.fixture
def store(tmp_path, _template):
    from sheetsync.store.facade import Store

    path = tmp_path / "store.db"
    shutil.copy(_template[0], path)
    st = Store.open(path, migrate_schema=False)
    yield st
    st.close()


@pytest.fixture
def sid(emu, _template):
    emu.files = copy.deepcopy(_template[1])
    return _template[2]


@pytest.fixture
def sheets(emu, sid):
    from sheetsync.sheets import Backend, RetryPolicy, connect

    # real backoff, without real sleeping
    return connect(Backend(emulator=emu, user=SA, retry=RetryPolicy(initial_wait=0.01, jitter=0.01)))


@pytest.fixture
def engine(store, sheets):
    from sheetsync.sync.engine import SyncEngine

    return SyncEngine(store, sheets)


@pytest.fixture
def manager(emu, sid):
    """The manager's view of the spreadsheet through real gspread."""
    return emu.gspread_client(user=MANAGER).open_by_key(sid)


@pytest.fixture
def owner(emu, sid):
    """The service account's own gspread view: for edits protection keeps from managers (rows, headers)."""
    return emu.gspread_client(user=SA).open_by_key(sid)
