"""Safety-audit fixtures: a three-client agency provisioned once per session, copied per test.

Provisioning costs seconds, so the session provisions acme, globex and initech once; every test gets
its own copy of the SQLite store file and of the emulator's spreadsheets, wrapped in a fresh App.
"""

from __future__ import annotations

import copy
import shutil
import uuid

import pytest
from safetyhelpers import GRID_ROWS, SLUGS, config_dict


def _app(data_dir, store_path, files=None, viewers=None):
    from gsheets_emulator import Emulator

    from sheetsync.app import App
    from sheetsync.store import Store

    emu = Emulator()
    if files is not None:
        emu.files = copy.deepcopy(files)
    st = Store.open(store_path)
    app = App.from_config(config_dict(data_dir, viewers), store=st, emulator=emu)
    st.sync_reference_data(app.config)
    return app


def _provision(app, slug):
    """app.provision(slug) with a short grid (GRID_ROWS rows instead of 1000): the emulator copies fast."""
    from dataclasses import replace

    from sheetsync.provision import ProvisionSettings, provision_client

    settings = replace(ProvisionSettings.from_config(app.config), rows=GRID_ROWS)
    return provision_client(store=app.store, sheets=app.sheets, slug=slug, settings=settings).spreadsheet_id


@pytest.fixture(scope="session")
def _agency(tmp_path_factory):
    d = tmp_path_factory.mktemp("agency")
    app = _app(d / "data", d / "store.db")
    first = _provision(app, SLUGS[0])
    for slug in SLUGS[1:]:  # a copy of the first, then provisioning repairs title, card and sharing (fast)
        f = app.emulator.files[first].clone()
        f.id = f.spreadsheet.spreadsheet_id = uuid.uuid4().hex + uuid.uuid4().hex[:12]
        for m in f.spreadsheet.developer_metadata:  # the copy now belongs to its client
            if m.get("metadataValue") == SLUGS[0]:
                m["metadataValue"] = slug
        app.emulator.files[f.id] = f
        app.store.clients.set_spreadsheet(slug, f.id, origin="cli", actor="test")
        _provision(app, slug)
    files = app.emulator.files
    app.close()
    return d / "store.db", files


@pytest.fixture
def make_app(tmp_path, _agency):
    """make_app(viewers=None) -> a fresh App on copies of the provisioned agency (closed after the test)."""
    made = []

    def make(viewers=None, *, reuse=None):
        path = tmp_path / "store.db"
        if reuse is None:
            shutil.copy(_agency[0], path)
        a = _app(tmp_path / "data", path, reuse.emulator.files if reuse is not None else _agency[1], viewers)
        if reuse is not None:
            a.__dict__["emulator"] = reuse.emulator
            a.__dict__.pop("sheets", None)
        made.append(a)
        return a

    yield make
    for a in made:
        a.close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def fast_retry(app):
    """The app's transport with real backoff but millisecond waits, so injected faults cost no time."""
    from sheetsync.sheets import Backend, RetryPolicy, connect

    app.__dict__["sheets"] = connect(Backend(emulator=app.emulator, retry=RetryPolicy(initial_wait=0.01, jitter=0.01,
                                                                                    max_wait=0.05)))
    app.__dict__.pop("sync_engine", None)
    return app
