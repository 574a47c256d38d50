"""Fixtures for provisioning: templates, a client, a store on a real SQLite file, a transport on the emulator."""

from __future__ import annotations

import pytest

from sheetsync.provision.desired import Access, ClientInfo, build
from sheetsync.templates import load_templates

SA = "sheetsync@agency.test"
GRID_ROWS = 100  # grid rows of synced sheets in tests (production: 1000); the emulator's cost grows with cells
MANAGER = "anna@agency.test"
VIEWER = "ceo@acme.test"
CLIENT_EDITOR = "pm@acme.test"
SPECIALISTS = [("anna@agency.test", "Анна Петрова", "manager"), ("dima@agency.test", "Дмитрий", "designer"),
               ("oleg@agency.test", "Олег", "developer")]
TASK_TYPES = [("design", "Дизайн", "designer", 8), ("article", "Статья", "copywriter", 4),
              ("landing", "Лендинг", "developer", 16)]


@pytest.fixture(scope="session")
def templates():
    return load_templates()


@pytest.fixture
def acme() -> ClientInfo:
    return ClientInfo(slug="acme", name="ACME", locale="ru", timezone="Europe/Moscow", contacts="Иван, +7 999 000-00-00",
                      manager_email=MANAGER, manager_name="Анна Петрова", tracker_url="https://kaiten.example/b/acme",
                      viewer_emails=(VIEWER,), editor_emails=(CLIENT_EDITOR,))


@pytest.fixture
def access() -> Access:
    return Access(SA, (MANAGER,), (CLIENT_EDITOR,))


DYNAMIC = {"specialists": [s[0] for s in SPECIALISTS], "task_types": [t[0] for t in TASK_TYPES],
           "roles": sorted({s[2] for s in SPECIALISTS} | {t[2] for t in TASK_TYPES})}


@pytest.fixture
def desired(acme, templates, access):
    return build(acme, templates, access=access, dynamic_vocabularies=DYNAMIC, rows=GRID_ROWS)


@pytest.fixture
def store(tmp_path):
    from sheetsync.store.facade import Store

    st = Store.open(tmp_path / "store.db")
    for email, name, role in SPECIALISTS:
        st.specialists.upsert(email, name=name, role=role)
    for key, name, role, hours in TASK_TYPES:
        st.task_types.upsert(key, name=name, role=role, default_estimate_hours=hours)
    st.clients.create("acme", name="ACME", contacts="Иван, +7 999 000-00-00", manager_email=MANAGER,
                      tracker_url="https://kaiten.example/b/acme", viewer_emails=[VIEWER], editor_emails=[CLIENT_EDITOR],
                      locale="ru", timezone="Europe/Moscow", origin="cli", actor="test")
    yield st
    st.close()


@pytest.fixture
def sheets(emu):
    """The transport acting as the service account that owns every client spreadsheet."""
    from sheetsync.sheets import Backend, connect

    return connect(Backend(emulator=emu, user=SA))


# --- helpers over the emulator ----------------------------------------------------------------

def grid(sheets, spreadsheet_id: str, rng: str, fields: str | None = None) -> dict:
    """One range's GridData (cells with values, formats, validation; column metadata)."""
    data = sheets.request("GET", f"https://sheets.googleapis.com/v4/spreadsheets/{spreadsheet_id}",
                          params={"ranges": rng, "includeGridData": "true",
                                  "fields": fields or "sheets(properties,data)"})
    return data["sheets"][0]["data"][0]


def structure(sheets, spreadsheet_id: str) -> dict:
    return sheets.get_metadata(spreadsheet_id, "sheets(properties,developerMetadata,protectedRanges,"
                                               "conditionalFormats),developerMetadata,properties")


def sheet_by_title(meta: dict, title: str) -> dict:
    return next(s for s in meta["sheets"] if s["properties"]["title"] == title)


def writes(emu, since: int) -> int:
    return sum(1 for e in emu.log[since:] if e.kind == "write")


@pytest.fixture
def provisioned(sheets, desired):
    """A freshly created ACME spreadsheet: (spreadsheet id, desired)."""
    from sheetsync.provision.provision import ensure_spreadsheet

    out = ensure_spreadsheet(sheets, desired, None)
    return out.spreadsheet_id
