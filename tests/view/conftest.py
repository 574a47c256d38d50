"""Fixtures for the view's tests: two provisioned clients in a real SQLite store, the view served on a
real socket, and headless Chromium (Debian's package) driven by Playwright.

Without Chromium or Playwright the browser tests skip with the reason — except under ``CI=true``,
where they fail instead: CI must run them (``scripts/test`` installs Chromium when it can).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from viewhelpers import MANAGER, SA, VIEWER_A, VIEWER_B

CHROMIUM = Path(os.environ.get("SHEETSYNC_CHROMIUM", "/usr/bin/chromium"))
SPECIALISTS = [(MANAGER, "Анна Петрова", "manager"), ("dima@agency.test", "Дмитрий", "designer")]
TASK_TYPES = [("design", "Дизайн", "designer", 8), ("article", "Статья", "copywriter", 4)]


def _make_store(path: Path):
    from sheetsync.store.facade import Store

    st = Store.open(path)
    for email, name, role in SPECIALISTS:
        st.specialists.upsert(email, name=name, role=role)
    for key, name, role, hours in TASK_TYPES:
        st.task_types.upsert(key, name=name, role=role, default_estimate_hours=hours)
    for slug, viewer in (("acme", VIEWER_A), ("beta", VIEWER_B)):
        st.clients.create(slug, name=slug.upper(), contacts="", manager_email=MANAGER, tracker_url="",
                          viewer_emails=[viewer], editor_emails=[MANAGER], locale="ru", timezone="Europe/Moscow",
                          origin="cli", actor="test")
    return st


@dataclass
class World:
    store: Any
    emu: Any
    sheets: Any
    engine: Any
    ids: dict[str, str]  # slug -> spreadsheet id
    keys: dict[str, str]  # name -> task key


@pytest.fixture(scope="session")
def _template(tmp_path_factory):
    from gsheets_emulator import Emulator

    from sheetsync.provision import ProvisionSettings, provision_client
    from sheetsync.sheets import Backend, connect
    from sheetsync.sync.engine import SyncEngine

    path = tmp_path_factory.mktemp("view") / "store.db"
    st = _make_store(path)
    emu = Emulator()
    sheets = connect(Backend(emulator=emu, user=SA))
    keys = {
        "article": st.tasks.create("acme", {"title": "Статья про SEO", "priority": 2, "estimate_hours": 4},
                                   origin="cli", actor="team").key,
        "overdue": st.tasks.create("acme", {"title": "Баннер", "status": "in_progress",
                                            "deadline": (dt.date.today() - dt.timedelta(days=3)).isoformat()},
                                   origin="cli", actor="team").key,
        "beta": st.tasks.create("beta", {"title": "Секретная задача беты"}, origin="cli", actor="team").key,
    }
    ids = {slug: provision_client(store=st, sheets=sheets, slug=slug, settings=ProvisionSettings(rows=40)).spreadsheet_id
           for slug in ("acme", "beta")}
    engine = SyncEngine(st, sheets)
    for slug in ids:
        assert engine.sync_client(slug).failed is None
    st.close()
    return path, emu.files, ids, keys


@pytest.fixture
def world(tmp_path, _template, emu):
    from sheetsync.sheets import Backend, connect
    from sheetsync.store.facade import Store
    from sheetsync.sync.engine import SyncEngine

    path = tmp_path / "store.db"
    shutil.copy(_template[0], path)
    store = Store.open(path, migrate_schema=False)
    emu.files = copy.deepcopy(_template[1])
    sheets = connect(Backend(emulator=emu, user=SA))
    yield World(store, emu, sheets, SyncEngine(store, sheets), dict(_template[2]), dict(_template[3]))
    store.close()


@pytest.fixture
def server(world):
    """The view (and the emulator's API) on a free loopback port, acting as the service account by default."""
    from gsheets_emulator import EmulatorServer

    from sheetsync.view import ViewApp

    with EmulatorServer(world.emu, port=0, view=ViewApp(world.emu, operator=SA)) as srv:
        yield srv


def _why_no_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (scripts/test installs Debian's chromium: apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser():
    why = _why_no_browser()
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests must run in CI: {why}", pytrace=False)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
    pg = ctx.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    ctx.close()
