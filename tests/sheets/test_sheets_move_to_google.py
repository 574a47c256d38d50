"""Moving an agency from the embedded emulator to Google keeps the store (docs/google-setup.md, "Moving from
the embedded emulator to Google"): provision every client again with --recreate on the new backend, then
sync; every task reaches the new spreadsheets and none is lost. A served emulator stands in for Google."""

from __future__ import annotations

import pytest
from gsheets_emulator import Emulator
from gsheets_emulator.server import EmulatorServer

from sheetsync.app import App
from sheetsync.provision import ProvisionError, provision_client
from sheetsync.sheets import Backend, connect
from sheetsync.store import Store

BOT = "sheetsync@agency.test"
CONFIG = {"agency": {"locale": "en"}, "clients": [{"slug": "acme", "name": "Acme", "locale": "en"}],
          "specialists": [{"email": "oleg@agency.test", "name": "Oleg", "role": "developer"}],
          "task_types": [{"key": "landing", "name": "Landing", "role": "developer"}]}


def _all_text(emu: Emulator, sid: str) -> str:
    sh = emu.gspread_client(user=BOT).open_by_key(sid)
    return "\n".join("\t".join(map(str, row)) for ws in sh.worksheets() for row in ws.get_all_values())


def test_move_keeps_every_task(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'sheetsync.db'}")
    local = Emulator()
    before = App.from_config({**CONFIG, "data_dir": str(tmp_path)}, store=store, emulator=local)
    store.sync_reference_data(before.config)
    before.provision("acme")
    titles = [f"Task number {i}" for i in range(5)]
    for t in titles:
        store.tasks.create("acme", title=t, origin="cli", actor="pm@agency.test")
    before.sync("acme")
    old_sid = store.clients.get("acme").spreadsheet_id
    assert all(t in _all_text(local, old_sid) for t in titles)

    google = Emulator()
    with EmulatorServer(google) as srv:
        after = App(before.config, store=store, sheets=connect(Backend(url=srv.url, user=BOT)))
        with pytest.raises(ProvisionError, match="--recreate"):  # the recorded id is the emulator's
            after.provision("acme")
        provision_client(store=store, sheets=after.sheets, slug="acme", recreate=True)
        new_sid = store.clients.get("acme").spreadsheet_id
        assert new_sid != old_sid
        after.sync("acme")
        after.sync("acme")  # a second cycle changes nothing and deletes nothing
    text = _all_text(google, new_sid)
    assert all(t in text for t in titles)
    assert sorted(t.title for t in store.tasks.list("acme")) == sorted(titles)
    store.close()
