"""Fixtures: an agency with a pool of three service accounts on the emulator: "default" ([backend]), pool-1, pool-2."""

from __future__ import annotations

import pytest
from poolhelpers import SLUGS, pool_config


@pytest.fixture
def app(tmp_path, emu):
    from sheetsync.app import App

    a = App.from_config(pool_config(tmp_path / "data"), emulator=emu)
    a.store.sync_reference_data(a.config)
    yield a
    a.close()


@pytest.fixture
def provisioned(app):
    """Every client provisioned, in order: acme -> default, beta -> pool-1, gamma -> pool-2 (least loaded)."""
    for slug in SLUGS:
        app.provision(slug)
    return app
