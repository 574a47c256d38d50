"""Fixtures for the daemon tests: a small provisioned agency on SQLite and an in-memory emulator."""

from __future__ import annotations

import pytest
from daemonhelpers import config_dict, provision_by_cloning, seed_tasks

SLUGS = ["alfa", "beta", "gamma"]


@pytest.fixture
def agency(tmp_path, emu):
    """An App on a fresh SQLite store and the test's emulator: three provisioned clients with tasks."""
    from sheetsync.app import App
    from sheetsync.sheets import Backend, connect

    app = App.from_config(config_dict(tmp_path / "data", SLUGS), sheets=connect(Backend(emulator=emu)))
    app.store.sync_reference_data(app.config)
    seed_tasks(app.store, SLUGS)
    provision_by_cloning(app, emu, SLUGS)
    yield app
    app.close()
