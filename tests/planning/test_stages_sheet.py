"""A manager's status change in the sheet, taken in by the sync, starts the stage clock (emulator, gspread)."""

from __future__ import annotations

import datetime as dt

import time_machine

from sheetsync.config import load_config
from sheetsync.planning.digest import collect_stage_times
from sheetsync.store import Store

SA = "sheetsync@agency.test"
MANAGER = "olga@agency.test"
IN_WORK = "В работе"


def test_status_changed_in_the_sheet_starts_the_clock_at_the_sync(tmp_path, emu):
    from sheetsync.provision import ProvisionSettings, provision_client
    from sheetsync.sheets import Backend, connect
    from sheetsync.sync.engine import SyncEngine

    store = Store.open(tmp_path / "s.db")
    sheets = connect(Backend(emulator=emu, user=SA))
    cfg = load_config({"agency": {"holidays_country": "RU"}, "stages": {"norms": {"waiting_client": 3}}})
    with time_machine.travel(dt.datetime(2026, 12, 21, 9, tzinfo=dt.UTC), tick=False):
        store.clients.create("acme", name="Акме", manager_email=MANAGER, editor_emails=[MANAGER], locale="ru",
                             timezone="Europe/Moscow", origin="cli", actor="test")
        sid = provision_client(store=store, sheets=sheets, slug="acme",
                               settings=ProvisionSettings(rows=30)).spreadsheet_id
        key = store.tasks.create("acme", {"title": "Выгрузка из 1С", "status": "in_progress"}, origin="cli",
                                 actor="pm").key
        SyncEngine(store, sheets).sync_client("acme")
    ws = emu.gspread_client(user=MANAGER).open_by_key(sid).worksheet(IN_WORK)
    with time_machine.travel(dt.datetime(2026, 12, 29, 9, tzinfo=dt.UTC), tick=False):
        row = ws.col_values(1).index(key) + 1
        ws.update_cell(row, ws.row_values(1).index("Статус") + 1, "Ждёт клиента")
        SyncEngine(store, sheets).sync_client("acme")
    assert store.tasks.get(key).status == "waiting_client"
    (st,) = collect_stage_times(store, cfg, today=dt.date(2027, 1, 11))[0]
    # from the sheet edit (29 Dec), not from the task's creation (21 Dec): 30 Dec and 11 Jan
    assert (st.task.key, st.since, st.days, st.over) == (key, dt.date(2026, 12, 29), 2, False)
    assert [r.origin for r in store.log(key=key, field="status")][-1] == "sheet"
    store.close()
