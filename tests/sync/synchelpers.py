"""Shared constants and set-up helpers of the sync integration tests."""

from __future__ import annotations

SA = "sheetsync@agency.test"
MANAGER = "anna@agency.test"
SPECIALISTS = [("anna@agency.test", "Анна Петрова", "manager"), ("dima@agency.test", "Дмитрий", "designer"),
               ("oleg@agency.test", "Олег", "developer")]
TASK_TYPES = [("design", "Дизайн", "designer", 8), ("article", "Статья", "copywriter", 4),
              ("landing", "Лендинг", "developer", 16)]
GRID_ROWS = 60


def make_store(path, clients=("acme",)):
    from sheetsync.store.facade import Store

    st = Store.open(path)
    for email, name, role in SPECIALISTS:
        st.specialists.upsert(email, name=name, role=role)
    for key, name, role, hours in TASK_TYPES:
        st.task_types.upsert(key, name=name, role=role, default_estimate_hours=hours)
    for slug in clients:
        st.clients.create(slug, name=slug.upper(), contacts="", manager_email=MANAGER, tracker_url="",
                          viewer_emails=[], editor_emails=[MANAGER], locale="ru", timezone="Europe/Moscow",
                          origin="cli", actor="test")
    return st


def provision(store, sheets, slug="acme"):
    from sheetsync.provision import ProvisionSettings, provision_client

    return provision_client(store=store, sheets=sheets, slug=slug,
                            settings=ProvisionSettings(rows=GRID_ROWS)).spreadsheet_id
