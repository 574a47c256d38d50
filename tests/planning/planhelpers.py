"""Realistic planning data (an agency with three clients sharing five specialists), importable by
the planning tests under a name no other test folder uses (``conftest`` is taken by every folder)."""

from __future__ import annotations

import datetime as dt

ACTOR = "pm@agency.test"


SPECIALISTS = [
    ("anna@agency.test", "Анна Смирнова", "design", 40, "mon,tue,wed,thu,fri"),
    ("boris@agency.test", "Борис Ким", "dev", 40, "mon,tue,wed,thu,fri"),
    ("vera@agency.test", "Вера Орлова", "dev", 24, "mon,tue,wed"),
    ("gleb@agency.test", "Глеб Иванов", "marketing", 20, "mon,tue,wed,thu,fri"),
    ("dina@agency.test", "Дина Ушакова", "copy", 40, "mon,tue,wed,thu,fri"),
]
TASK_TYPES = [
    ("banner", "Баннер", "design", 4),
    ("landing", "Лендинг", "dev", 24),
    ("ads_setup", "Настройка рекламы", "marketing", 6),
    ("article", "Статья", "copy", 5),
]


def reference_config():
    """The agency's specialists and task types as a config, loaded through the store's public API."""
    from sheetsync.config import load_config

    return load_config({
        "specialists": [{"email": e, "name": n, "role": r, "weekly_hours": h, "working_days": d.split(","),
                         "active": e != "dina@agency.test"} for e, n, r, h, d in SPECIALISTS],  # Dina is on leave
        "task_types": [{"key": k, "name": n, "role": r, "default_estimate_hours": h} for k, n, r, h in TASK_TYPES],
    })


def populate(store):
    store.sync_reference_data(reference_config())
    for slug, name, locale, manager in [
        ("acme", "ООО «Акме»", "ru", "olga@agency.test"),
        ("globex", "Globex Corp", "en", "olga@agency.test"),
        ("initech", "Инитех", "ru", "petr@agency.test"),
    ]:
        store.clients.create(slug, name=name, locale=locale, manager_email=manager, origin="cli", actor=ACTOR)
    t = store.tasks
    # history: done banners (median 3 h from 5 samples), a done landing (too few for a median)
    for i, hours in enumerate([2, 3, 3, 5, 8]):
        t.create("initech", title=f"Баннер {i}", task_type="banner", status="done", actual_hours=hours,
                 estimate_hours=4, assignee="anna@agency.test", done_date=dt.date(2026, 10, 1 + i),
                 origin="cli", actor=ACTOR)
    t.create("initech", title="Старый лендинг", task_type="landing", status="done", actual_hours=30,
             estimate_hours=24, assignee="boris@agency.test", origin="cli", actor=ACTOR)
    # globex already holds Boris on Mon-Tue of W45 and Gleb for half the week
    t.create("globex", title="Checkout page", task_type="landing", status="in_progress", estimate_hours=16,
             assignee="boris@agency.test", start_date=dt.date(2026, 11, 2), deadline=dt.date(2026, 11, 3),
             period="2026-W45", origin="cli", actor=ACTOR)
    t.create("globex", title="Google Ads", task_type="ads_setup", status="planned", estimate_hours=8,
             assignee="gleb@agency.test", start_date=dt.date(2026, 11, 2), deadline=dt.date(2026, 11, 3),
             period="2026-W45", origin="cli", actor=ACTOR)
    return store
