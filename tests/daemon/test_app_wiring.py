"""One set-up path (issue 14): App builds every engine, the daemon's stop reaches the engine
through its ClientGate hook, and the embedded emulator is one instance per data folder."""

from __future__ import annotations

import datetime as dt

from daemonhelpers import config_dict


def test_the_engine_asks_its_gate_before_each_client(agency):
    from sheetsync.sync.engine import SyncReport

    for slug in ("alfa", "beta", "gamma"):
        agency.store.tasks.create(slug, {"title": "от команды"}, origin="cli", actor="team")
    asked = []

    def gate(slug, sync):
        asked.append(slug)
        if slug == "beta":
            return SyncReport(client=slug, skipped=True, warnings=[f"{slug}: not now"])
        return sync()

    report = agency.engine(gate=gate).cycle()
    assert asked == ["alfa", "beta", "gamma"]
    by = {r.client: r for r in report.clients}
    assert by["beta"].skipped and by["beta"].warnings == ["beta: not now"] and by["beta"].pushed == 0
    assert not by["alfa"].skipped and by["alfa"].pushed and not by["gamma"].skipped
    again = agency.engine().cycle(["beta"])  # what the gate held back is still there to sync
    assert again.clients[0].pushed


def test_the_daemon_uses_a_plain_engine_with_its_gate(agency):
    from sheetsync.daemon import Daemon, DaemonSettings
    from sheetsync.sync.engine import SyncEngine

    d = Daemon(agency, DaemonSettings(worker_id="t"))
    assert type(d.engine) is SyncEngine and d.engine.actor == "daemon" and d.engine.gate == d._gate
    assert d.engine.after_sync is not None  # the stage clock's after-step, as for `sheetsync sync`
    assert not hasattr(d.engine, "daemon")  # no back-pointer


def test_app_of_builds_engines_over_given_parts(tmp_path, emu):
    from sheetsync.app import App
    from sheetsync.sheets import Backend, connect
    from sheetsync.store import Store
    from sheetsync.sync.plan import Policy

    when = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    store, sheets = Store.open(tmp_path / "s.db"), connect(Backend(emulator=emu))
    app = App.of(store, sheets, clock=lambda: when)
    try:
        bare, full = app.engine(stage_clock=False), app.sync_engine
        assert bare.store is store and bare.sheets is sheets and bare.policy == Policy()
        assert bare.after_sync is None and full.after_sync is not None and full is app.sync_engine
        assert bare.clock() == when and bare.actor == "sheetsync" and bare.gate is None
        assert app.emulator is emu  # the transport's own, never a second instance
    finally:
        app.close()


def test_one_emulator_per_data_folder(tmp_path):
    from sheetsync.app import App
    from sheetsync.sheets.client import emulator_at

    cfg = config_dict(tmp_path / "data", ["alfa"])
    first, second = App.from_config(cfg), App.from_config(cfg)
    try:
        assert first.emulator is not None and first.emulator is second.emulator
        assert first.sheets.emulator is first.emulator  # the transport talks to that same instance
        assert emulator_at(str(first.config.emulator_dir)) is first.emulator
        assert emulator_at(None) is not emulator_at(None)  # in memory: a new one each time
    finally:
        first.close()
        second.close()


def test_a_served_emulator_url_replaces_the_embedded_one(tmp_path):
    from sheetsync.app import App

    app = App.from_config(config_dict(tmp_path / "data", ["alfa"]), emulator_url="http://127.0.0.1:9")
    assert app.sheets.emulator is None and app.emulator is None and app.sheets.backend == "emulator"
